package env

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/devenv/devenv/env/engine"
)

// The shared cache (cache = "REGISTRY/PATH"): the image is split in two. The shared
// image is everything before the host user's layer (templates/dockerfile.tmpl puts
// that layer last), fingerprinted without the project's path, labelled without the
// path or anything of the machine, and pushed as REGISTRY/PATH/NAME:FINGERPRINT; any
// machine with the same devenv.toml and dependency files computes the same name and
// pulls it instead of building. The local image is the shared image plus the user's
// layer, added here without a build step (cache_user.go).

// sharedFingerprintVersion keeps shared fingerprints apart from local ones.
const sharedFingerprintVersion = "devenv-shared-fingerprint-v1"

// SharedProject is the part of p meant for others: no prebuilt image key, no host
// user (so no user layer), fingerprinted without the project's path.
func SharedProject(p *Project, opt RenderOptions) (*Project, error) {
	s := *p.Spec
	s.Image, s.ImageIgnores = "", nil
	s.User = User{Name: "root", Home: "/root"}
	df, err := Render(&s, opt)
	if err != nil {
		return nil, err
	}
	fp, err := sharedFingerprint(&s, df)
	if err != nil {
		return nil, err
	}
	return &Project{Spec: &s, Dockerfile: df, Fingerprint: fp, Tag: SharedTag(s.Name, fp)}, nil
}

// SharedTag is the local name of a shared image.
func SharedTag(name, fingerprint string) string { return ImageTag(name, "shared-"+fingerprint) }

// sharedFingerprint is Fingerprint without the project's place: the Dockerfile, the
// platform and every dependency file's path and contents.
func sharedFingerprint(s *Spec, dockerfile string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%d\n%s", sharedFingerprintVersion, len(dockerfile), dockerfile)
	if s.Platform != "" {
		fmt.Fprintf(h, "\nplatform %s", s.Platform)
	}
	if s.Pins != nil && s.BaseID != "" {
		// devenv.lock pins the base by its ID, the same on every engine. Without a
		// lock the base is its tag, as the Dockerfile names it: the engine's own ID
		// for it is left out, or a machine that lacks the base (one that only pulls)
		// would look for another image than the one that built it.
		fmt.Fprintf(h, "\nbase-id %s", s.BaseID)
	}
	for _, g := range s.Groups {
		for _, f := range g.Files {
			if err := hashFile(h, s.Root, f); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// sharedLabels mark a shared image: its name, fingerprint and devenv's version,
// never the project's path (LabelProject) or anything of the machine that built it.
func sharedLabels(sp *Project) map[string]string {
	return map[string]string{LabelName: sp.Spec.Name, LabelFingerprint: sp.Fingerprint, LabelVersion: Version}
}

// CacheRef is where the shared image of sp lives in the cache.
func CacheRef(cache string, sp *Project) string {
	return strings.TrimSuffix(cache, "/") + "/" + sp.Spec.Name + ":" + sp.Fingerprint
}

// cacheLatest is the cache's moving tag of a project: the last image pushed, whose
// inline layer cache a build of another fingerprint reuses (cache-from).
func cacheLatest(cache string, sp *Project) string {
	return strings.TrimSuffix(cache, "/") + "/" + sp.Spec.Name + ":latest"
}

// ensureViaCache makes p's image from the shared cache: pull the shared image, or
// build it (and push it when allowed), then add the host user's layer.
func ensureViaCache(ctx context.Context, eng Engine, p *Project, opt BuildOptions, labels map[string]string) (bool, error) {
	sp, err := SharedProject(p, RenderOptionsFor(opt.Info))
	if err != nil {
		return false, err
	}
	if !strings.HasPrefix(p.Dockerfile, strings.TrimRight(sp.Dockerfile, "\n")) {
		// Only the user's layer may differ; anything else is not shareable.
		fmt.Fprintln(orDiscard(opt.Progress), "devenv: this environment's Dockerfile differs from the shared one by more than the user's layer: building here without the cache")
		if err := buildImage(ctx, eng, p, opt, labels, nil); err != nil {
			return false, err
		}
		return true, nil
	}
	built, err := ensureShared(ctx, eng, sp, opt, true, p.Spec.CachePush)
	if err != nil {
		return false, err
	}
	if err := addUserLayer(ctx, eng, p, sp.Tag, labels); err != nil {
		return false, err
	}
	return built, nil
}

// sharedHere says whether the engine holds p's shared image (a bundle loaded it).
func sharedHere(ctx context.Context, eng Engine, p *Project, opt BuildOptions) bool {
	sp, err := SharedProject(p, RenderOptionsFor(opt.Info))
	if err != nil {
		return false
	}
	ok, err := eng.ImageExists(ctx, sp.Tag)
	return err == nil && ok
}

// ensureShared makes the shared image sp.Tag: already here, pulled from the cache
// (pull), or built (always, with opt.Rebuild); a built one is pushed to the cache when
// push is set. A cache that
// is missing, down or refuses credentials costs one line and a local build.
func ensureShared(ctx context.Context, eng Engine, sp *Project, opt BuildOptions, pull, push bool) (bool, error) {
	out := orDiscard(opt.Progress)
	cache := sp.Spec.Cache
	if !opt.Rebuild {
		if ok, err := eng.ImageExists(ctx, sp.Tag); err != nil || ok {
			return false, err
		}
	}
	cacheFrom := false
	if cache != "" && pull && !opt.Rebuild {
		ref := CacheRef(cache, sp)
		err := eng.PullImage(ctx, ref, nil)
		if err == nil {
			if err := eng.TagImage(ctx, ref, sp.Tag); err != nil {
				return false, fmt.Errorf("cannot tag %s as %s: %w", ref, sp.Tag, err)
			}
			fmt.Fprintf(out, "devenv: pulled %s from the cache: nothing to build\n", ref)
			return false, nil
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		fmt.Fprintf(out, "devenv: %s; building here\n", cacheMiss(ref, err))
		// The layer cache of the project's last push, when the cache answers and has
		// one (asked first: BuildKit reports a missing one as an error box).
		var re *engine.RegistryError
		if errors.As(err, &re) && re.Kind == engine.RegistryNotFound {
			cacheFrom, _ = eng.RegistryHas(ctx, cacheLatest(cache, sp))
		}
	}
	if err := ensureOwnImage(ctx, eng, sp, opt); err != nil {
		return false, err
	}
	err := buildImage(ctx, eng, sp, opt, sharedLabels(sp), func(req *engine.BuildRequest) {
		if cache == "" || !req.BuildKit {
			return
		}
		// Layers of the last image pushed are reused where they match; the image
		// built carries its own cache for the next machine.
		req.InlineCache = true
		if cacheFrom {
			req.CacheFrom = []string{cacheLatest(cache, sp)}
		}
	})
	if err != nil {
		return false, err
	}
	if cache != "" && push {
		if err := pushShared(ctx, eng, sp, opt); err != nil {
			fmt.Fprintf(out, "devenv: not pushed to the cache: %s\n", oneLine(err))
		} else {
			fmt.Fprintf(out, "devenv: pushed %s to the cache\n", CacheRef(cache, sp))
		}
	}
	return true, nil
}

// pushShared pushes the shared image sp.Tag to the cache, under its fingerprint and
// as the project's latest.
func pushShared(ctx context.Context, eng Engine, sp *Project, opt BuildOptions) error {
	for _, ref := range []string{CacheRef(sp.Spec.Cache, sp), cacheLatest(sp.Spec.Cache, sp)} {
		if err := eng.TagImage(ctx, sp.Tag, ref); err != nil {
			return fmt.Errorf("cannot tag %s as %s: %w", sp.Tag, ref, err)
		}
		if err := eng.PushImage(ctx, ref, nil); err != nil {
			return ExplainRegistryError(err)
		}
	}
	return nil
}

// cacheMiss is the one line that says why the cache did not serve ref.
func cacheMiss(ref string, err error) string {
	var re *engine.RegistryError
	if errors.As(err, &re) {
		switch re.Kind {
		case engine.RegistryNotFound:
			return "the cache has no " + ref + " yet"
		case engine.RegistryAuth:
			if re.Anonymous {
				return fmt.Sprintf("the cache %s wants a login (`docker login %s`), so %s was not pulled", re.Registry, re.Registry, ref)
			}
			return fmt.Sprintf("the cache %s refused your credentials (%s; `docker login %s` again), so %s was not pulled", re.Registry, re.Msg, re.Registry, ref)
		case engine.RegistryUnreachable, engine.RegistryUnknownHost:
			return fmt.Sprintf("the cache %s does not answer (%s)", re.Registry, re.Msg)
		}
	}
	return "the cache did not serve " + ref + ": " + oneLine(ExplainRegistryError(err))
}

// PushCache builds the shared image of p unless it is here or in the cache, and
// pushes it to the cache: `devenv push --cache`, for CI.
func PushCache(ctx context.Context, eng Engine, p *Project, opt BuildOptions) (string, error) {
	if p.Spec.Cache == "" {
		return "", errors.New(`no cache configured: set cache = "registry.example.com/team/devenv-cache" in devenv.toml or in your devenv config`)
	}
	sp, err := SharedProject(p, RenderOptionsFor(opt.Info))
	if err != nil {
		return "", err
	}
	if _, err := ensureShared(ctx, eng, sp, opt, false, false); err != nil {
		return "", err
	}
	if err := pushShared(ctx, eng, sp, opt); err != nil {
		return "", err
	}
	return CacheRef(p.Spec.Cache, sp), nil
}

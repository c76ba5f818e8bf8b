package env

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/gofrs/flock"

	"github.com/devenv/devenv/env/engine"
)

// BuildOptions tune EnsureImage.
type BuildOptions struct {
	Rebuild  bool      // build even when the image exists
	Progress io.Writer // where build progress goes
	Plain    bool      // plain progress lines even on a terminal
	Info     engine.Info
	// Frozen builds only what devenv.lock names, and only when it matches devenv.toml
	// (also under CI=true when there is a lock).
	Frozen bool
}

// EnsureImage builds the project's image unless the engine has it already: whether it
// is stale is one look-up of a content-addressed tag. It reports whether it built.
func EnsureImage(ctx context.Context, eng Engine, p *Project, opt BuildOptions) (bool, error) {
	if p.Spec.Image != "" {
		return false, pullIfMissing(ctx, eng, p, opt) // never built here: see registry.go
	}
	if err := checkLock(p, opt.Frozen); err != nil {
		return false, err
	}
	if !opt.Rebuild {
		ok, err := eng.ImageExists(ctx, p.Tag)
		if err != nil {
			return false, err
		}
		if ok {
			return false, nil
		}
		// Two commands started at once on a stale project build it once: the second
		// waits for the first and then finds the image.
		unlock, err := lockBuild(ctx, p.Tag)
		if err != nil {
			return false, err
		}
		defer unlock()
		if ok, err := eng.ImageExists(ctx, p.Tag); err != nil {
			return false, err
		} else if ok {
			return false, nil
		}
	}
	if note := lockNote(p); note != "" && opt.Progress != nil {
		fmt.Fprintln(opt.Progress, note)
	}
	if opt.Progress != nil && p.Spec.CAMissing {
		fmt.Fprintln(opt.Progress, "devenv: trust_host_ca is on but no CA bundle was found on this machine (set SSL_CERT_FILE to one); building without it")
	}
	if opt.Progress != nil && p.Spec.Platform != "" {
		if d, err := eng.Details(ctx); err == nil {
			if n := platformNote(p.Spec.Platform, d); n != "" {
				fmt.Fprintln(opt.Progress, "devenv: "+n)
			}
		}
	}
	if err := ensureOwnImage(ctx, eng, p, opt); err != nil {
		return false, err
	}
	labels := p.Labels()
	var err error
	if labels[LabelInputs], err = inputsLabel(p); err != nil {
		return false, err
	}
	if p.Spec.OwnDockerfile == nil && (p.Spec.Cache != "" || (!opt.Rebuild && sharedHere(ctx, eng, p, opt))) {
		// The shared part from the cache (or built and offered to it), or loaded
		// from a bundle, then the host user's layer added here (cache.go).
		return ensureViaCache(ctx, eng, p, opt, labels)
	}
	if err := buildImage(ctx, eng, p, opt, labels, nil); err != nil {
		return false, err
	}
	return true, nil
}

// buildImage builds p's Dockerfile into p.Tag with labels; tune adjusts the request
// (the shared cache's cache-from and inline cache).
func buildImage(ctx context.Context, eng Engine, p *Project, opt BuildOptions, labels map[string]string, tune func(*engine.BuildRequest)) error {
	secrets, err := BuildSecrets(p.Spec, buildMounts(opt.Info))
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(WriteBuildContext(pw, p.Spec, p.Dockerfile))
	}()
	defer pr.Close()
	progress, watch := watchNoSpace(orDiscard(opt.Progress))
	progress, aptMissing := watchAptMissing(progress)
	req := engine.BuildRequest{
		Context:    pr,
		Dockerfile: DockerfilePath,
		Tag:        p.Tag,
		Labels:     labels,
		BuildArgs:  proxyBuildArgs(),
		Secrets:    secrets,
		BuildKit:   opt.Info.BuildKit,
		Progress:   progress,
		Plain:      opt.Plain,
		Platform:   p.Spec.Platform,
	}
	if tune != nil {
		tune(&req)
	}
	if err := eng.Build(ctx, req); err != nil {
		return DiskFull(ctx, eng, aptMissing.explain(explainBuildError(err, p), p), watch.seen)
	}
	return nil
}

// lockBuild takes a per-image lock in the user's cache directory, waiting for another
// devenv that builds the same image. Without a cache directory it does not lock.
func lockBuild(ctx context.Context, tag string) (func(), error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return func() {}, nil
	}
	dir = filepath.Join(dir, "devenv", "locks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return func() {}, nil
	}
	name := strings.NewReplacer("/", "_", ":", "_").Replace(tag) + ".lock"
	lock := flock.New(filepath.Join(dir, name))
	ok, err := lock.TryLockContext(ctx, 100*time.Millisecond)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return func() {}, nil // a lock that cannot be taken must not stop a build
	}
	if !ok {
		return func() {}, nil
	}
	return func() { _ = lock.Unlock() }, nil
}

// BuildSecrets are the host's CA bundle and the script that points the tools at it,
// for build steps to mount; nil when the bundle is not trusted or the builder mounts
// nothing (mounts: BuildKit, or buildah: buildMounts).
func BuildSecrets(s *Spec, mounts bool) (map[string][]byte, error) {
	if s.CABundle == "" || !mounts {
		return nil, nil
	}
	bundle, err := os.ReadFile(s.CABundle)
	if err != nil {
		return nil, fmt.Errorf("cannot read the host's CA bundle %s: %w (set trust_host_ca = false to build without it)", s.CABundle, err)
	}
	return map[string][]byte{CASecret: bundle, CAScriptSecret: []byte(CAScript())}, nil
}

// explainBuildError turns the engine's words for common failures into what to do.
func explainBuildError(err error, p *Project) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	images := []string{p.Spec.Base}
	for _, st := range p.Spec.Stacks[min(1, len(p.Spec.Stacks)):] {
		images = append(images, st.Base) // the images second stacks copy their toolchains from
	}
	if ref, ok := unpullableImage(err, images); ok {
		where := "set base in " + p.Spec.ConfigPath + " to an image you have"
		if ref != p.Spec.Base {
			where = "or drop the stack that needs it from template in " + p.Spec.ConfigPath
			return fmt.Errorf("image %s is not on this engine and could not be pulled: `docker pull %s`, %s", ref, ref, where)
		}
		return fmt.Errorf("base image %s is not on this engine and could not be pulled: `docker pull %s`, or %s", ref, ref, where)
	}
	var be *engine.BuildError
	if errors.As(err, &be) {
		return fmt.Errorf("building %s failed: %s; the step's output is above; fix devenv.toml and run `devenv build`", p.Tag, be.Msg)
	}
	return err
}

// manifestURLRe finds the image in a registry request BuildKit reports: the Head or Get
// of https://HOST/v2/NAME/manifests/TAG.
var manifestURLRe = regexp.MustCompile(`https?://([^/\s"]+)/v2/([^\s"]+)/manifests/([^\s"/]+)`)

// loadMetadataRe finds the image BuildKit was resolving: "load metadata for REF".
var loadMetadataRe = regexp.MustCompile(`load metadata for ([^\s:"]+(?::[^\s":]+)?)`)

// unpullableImage recognises a build that failed because an image it starts from or
// copies from is neither on the engine nor pullable, and says which image: the first of
// candidates the message names, else the one in the registry request it quotes.
func unpullableImage(err error, candidates []string) (string, bool) {
	low := strings.ToLower(err.Error())
	if !(strings.Contains(low, "failed to resolve source metadata") || strings.Contains(low, "pull access denied") ||
		strings.Contains(low, "manifest unknown") || strings.Contains(low, "failed to do request") ||
		strings.Contains(low, "no such host") || strings.Contains(low, "load metadata for") ||
		(strings.Contains(low, "not found") && strings.Contains(low, "docker.io/"))) {
		return "", false
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		named, perr := reference.ParseNormalizedNamed(c)
		if perr != nil {
			continue
		}
		if strings.Contains(low, strings.ToLower(named.String())) || strings.Contains(low, strings.ToLower(c)) {
			return c, true
		}
	}
	if m := loadMetadataRe.FindStringSubmatch(err.Error()); m != nil {
		return strings.TrimPrefix(m[1], "docker.io/library/"), true
	}
	if m := manifestURLRe.FindStringSubmatch(err.Error()); m != nil {
		host, name := m[1], m[2]
		if host == "registry-1.docker.io" {
			return strings.TrimPrefix(name, "library/") + ":" + m[3], true
		}
		return host + "/" + name + ":" + m[3], true
	}
	if len(candidates) > 0 {
		return candidates[0], true
	}
	return "", false
}

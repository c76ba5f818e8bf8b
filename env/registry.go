package env

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/distribution/reference"

	"github.com/devenv/devenv/env/engine"
)

// ErrNoRegistry is a push or pull with no reference to push to or pull from.
var ErrNoRegistry = errors.New(`no registry configured: pass REF or set image = "registry.example.com/team/app:tag" in devenv.toml`)

// buildKeys are the keys that make a built image: with image set, running the
// environment does not use them.
var buildKeys = []string{"template", "base", "packages", "setup", "dependencies", "install", "caches"}

// resolveImage checks the image key. A pulled image has no passwd entry or home for
// the host user (that layer is added only when devenv builds), so a non-root user
// runs with HOME=/tmp, which every image has and anyone may write.
func resolveImage(s *Spec, c *Config, d decoder) error {
	if !c.IsSet("image") {
		return nil
	}
	ref, err := normalizeRef(c.Image, true)
	if err != nil {
		return d.errf("image", "%v", err)
	}
	s.Image = ref
	for _, k := range buildKeys {
		if c.IsSet(k) {
			s.ImageIgnores = append(s.ImageIgnores, k)
		}
	}
	if !s.User.IsRoot() {
		s.User.Home = "/tmp"
	}
	return nil
}

// normalizeRef checks an image reference and writes it with its tag (":latest" when
// none is given), in the short form people write. Digests name an image exactly: they
// can be pulled, never pushed to.
func normalizeRef(ref string, allowDigest bool) (string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", fmt.Errorf("image %q is not an image reference like \"registry.example.com/team/app:1.0\"", ref)
	}
	if _, ok := named.(reference.Digested); ok && !allowDigest {
		return "", fmt.Errorf("cannot push to %s: it names a digest; name a tag instead, like %s:1.0", ref, reference.FamiliarName(named))
	}
	return reference.FamiliarString(reference.TagNameOnly(named)), nil
}

// pullIfMissing is EnsureImage for a prebuilt environment: pull the image when the
// engine lacks it (or always, with Rebuild), never build.
func pullIfMissing(ctx context.Context, eng Engine, p *Project, opt BuildOptions) error {
	if !opt.Rebuild {
		ok, err := eng.ImageExists(ctx, p.Spec.Image)
		if err != nil || ok {
			return err
		}
	}
	out := orDiscard(opt.Progress)
	if len(p.Spec.ImageIgnores) > 0 {
		fmt.Fprintf(out, "devenv: image = %q is set, so %s in %s are not used here: they build what `devenv push` publishes\n",
			p.Spec.Image, strings.Join(p.Spec.ImageIgnores, ", "), ConfigFile)
	}
	if err := eng.PullImage(ctx, p.Spec.Image, out); err != nil {
		return DiskFull(ctx, eng, ExplainRegistryError(err), false)
	}
	return nil
}

// PushResult says what Push did.
type PushResult struct {
	Ref    string // where it went
	Source string // the local image pushed
	Built  bool   // the image was built first
}

// Push builds the project's shared image if it is stale (SharedProject: from
// devenv.toml's build keys, never from image, without the host user's layer and
// without a label naming the project's path), tags it as ref (the image key when ref
// is empty) and pushes it. With platforms, it builds one image for each of them.
func Push(ctx context.Context, eng Engine, p *Project, ref string, renderOpt RenderOptions, opt BuildOptions, platforms ...string) (PushResult, error) {
	ref, err := PushRef(ref, p)
	if err != nil {
		return PushResult{}, err
	}
	if len(platforms) > 0 {
		if err := CheckPlatforms(ctx, eng, platforms); err != nil {
			return PushResult{}, err
		}
		s := *p.Spec
		s.Platform = strings.Join(platforms, ",")
		p = &Project{Spec: &s, Dockerfile: p.Dockerfile}
	}
	sp, err := SharedProject(p, renderOpt)
	if err != nil {
		return PushResult{}, err
	}
	built, err := ensureShared(ctx, eng, sp, opt, true, false)
	if err != nil {
		return PushResult{}, err
	}
	res := PushResult{Ref: ref, Source: sp.Tag, Built: built}
	if err := eng.TagImage(ctx, sp.Tag, ref); err != nil {
		return res, fmt.Errorf("cannot tag %s as %s: %w", sp.Tag, ref, err)
	}
	if err := eng.PushImage(ctx, ref, orDiscard(opt.Progress)); err != nil {
		return res, ExplainRegistryError(err)
	}
	return res, nil
}

// PushRef is where `devenv push` pushes: ref, or else the project's image key.
func PushRef(ref string, p *Project) (string, error) {
	if ref == "" {
		ref = p.Spec.Image
	}
	if ref == "" {
		return "", ErrNoRegistry
	}
	return normalizeRef(ref, false)
}

// PullRef is what `devenv pull` pulls: ref, or else the project's image key. p may
// be nil when there is no project.
func PullRef(ref string, p *Project) (string, error) {
	if ref == "" && p != nil {
		ref = p.Spec.Image
	}
	if ref == "" {
		return "", ErrNoRegistry
	}
	return normalizeRef(ref, true)
}

// Pull pulls ref from its registry.
func Pull(ctx context.Context, eng RegistryEngine, ref string, out io.Writer) error {
	if err := eng.PullImage(ctx, ref, orDiscard(out)); err != nil {
		return ExplainRegistryError(err)
	}
	return nil
}

// ExplainRegistryError turns the engine's words about a registry into what happened
// and what to do. It never holds a credential: the engine's messages do not.
func ExplainRegistryError(err error) error {
	var ce *engine.CredentialsError
	if errors.As(err, &ce) {
		return fmt.Errorf("%w: fix or remove that file, or log in again with `docker login`", err)
	}
	var re *engine.RegistryError
	if !errors.As(err, &re) {
		return err
	}
	reg := re.Registry
	login := "docker login " + reg
	if reg == "docker.io" {
		login = "docker login"
	}
	doing := "pushing " + re.Ref
	if re.Op == "pull" {
		doing = "pulling " + re.Ref
	}
	switch re.Kind {
	case engine.RegistryAuth:
		if re.Anonymous {
			return fmt.Errorf("%s: the registry %s requires authentication and you are not logged in to it: run `%s` and try again", doing, reg, login)
		}
		return fmt.Errorf("%s: the registry %s refused your credentials (%s): run `%s` again with the right user and password", doing, reg, re.Msg, login)
	case engine.RegistryNotFound:
		return fmt.Errorf("%s: the registry %s has no such image (%s): check the name and tag, or publish it with `devenv push %s`", doing, reg, re.Msg, re.Ref)
	case engine.RegistryUnknownHost:
		return fmt.Errorf("%s: cannot find the registry host %s (%s): check the name, and that DNS or your VPN reaches it", doing, reg, re.Msg)
	case engine.RegistryPlainHTTP:
		return fmt.Errorf("%s: the registry %s speaks plain HTTP and the engine wants HTTPS: add %q to \"insecure-registries\" in the engine's daemon.json and restart it (only 127.0.0.0/8 is allowed plain HTTP by default), or serve the registry over TLS", doing, reg, reg)
	case engine.RegistryTLS:
		hint := fmt.Sprintf("put the registry's CA certificate in /etc/docker/certs.d/%s/ca.crt on the engine's host; if the registry is plain HTTP, add %q to \"insecure-registries\" in the engine's daemon.json instead", reg, reg)
		if isLoopback(reg) {
			hint = "the engine allows plain HTTP to 127.0.0.0/8: serve the registry over plain HTTP, or trust its certificate in /etc/docker/certs.d/" + reg + "/ca.crt"
		}
		return fmt.Errorf("%s: the engine does not trust the TLS certificate of the registry %s (%s): %s", doing, reg, re.Msg, hint)
	case engine.RegistryUnreachable:
		return fmt.Errorf("%s: nothing answers at the registry %s (%s): is it running, and is the address right?", doing, reg, re.Msg)
	}
	return fmt.Errorf("%s failed: %s", doing, re.Msg)
}

func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

package env

import (
	"slices"
	"strings"

	"github.com/devenv/devenv/env/engine"
)

// What the engine is shapes the project in two ways, both read from the engine (its
// Ping), never from its address:
//   - the builder: BuildKit mounts caches and serves the CA bundle as a secret;
//     Podman's buildah has no session but mounts caches and binds files from the
//     context (engine/build_secrets.go); the classic Docker builder does neither;
//   - the user namespace: on a rootless engine (rootless Docker, rootless Podman) the
//     container's root is the host user who runs the engine, and every other UID in
//     the container is one of that user's subordinate IDs. A file written by UID 1000
//     in the container belongs on the host to 100999 or so. So there, user = "host"
//     means root in the container: what it writes into the project is the user's.

// RenderOptionsFor are the render options the engine calls for.
func RenderOptionsFor(info engine.Info) RenderOptions {
	return RenderOptions{BuildKit: info.BuildKit, Buildah: buildahMounts(info)}
}

// buildahMounts: the engine builds with buildah, which takes RUN --mount for caches
// and binds from the context without BuildKit (Podman's compatible /build).
func buildahMounts(info engine.Info) bool {
	return !info.BuildKit && info.Kind == engine.KindPodman
}

// buildMounts: build steps get the caches and the CA bundle, one way or the other.
func buildMounts(info engine.Info) bool { return info.BuildKit || buildahMounts(info) }

// ForEngine is p made for the engine that builds and runs it: rendered for its
// builder, and on a rootless engine with the host user as the container's root
// (rootlessSpec). host is the machine's (CurrentHost). A project loaded for BuildKit
// on a rootful engine is returned as it is.
func ForEngine(p *Project, host Host, info engine.Info) (*Project, error) {
	opt := RenderOptionsFor(info)
	if info.Rootless && !p.Spec.User.IsRoot() && p.Spec.User.UID == host.UID {
		return NewProject(rootlessSpec(p.Spec), opt)
	}
	if opt == (RenderOptions{BuildKit: true}) {
		return p, nil
	}
	return NewProject(p.Spec, opt)
}

// rootlessSpec is s with the host user as root in the container, as Resolve makes it
// for a rootless engine (Host.EngineRootless): root's home, and what was placed in
// the user's home (mounts' ~ targets, the dotfiles) placed in root's. A copy: s is
// left as it is.
func rootlessSpec(s *Spec) *Spec {
	c := *s
	old := s.User.Home
	c.User = User{Name: "root", Home: "/root"}
	rebase := func(p string) string {
		if old != "" && (p == old || strings.HasPrefix(p, old+"/")) {
			return c.User.Home + p[len(old):]
		}
		return p
	}
	c.Mounts = slices.Clone(s.Mounts)
	for i := range c.Mounts {
		c.Mounts[i].Target = rebase(c.Mounts[i].Target)
	}
	if s.Dotfiles != nil {
		d := *s.Dotfiles
		d.Target = rebase(d.Target)
		c.Dotfiles = &d
	}
	return &c
}

// HostFor is host as the engine sees it: on a rootless engine "host" is the
// container's root.
func HostFor(host Host, info engine.Info) Host {
	host.EngineRootless = info.Rootless
	return host
}

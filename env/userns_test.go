package env

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devenv/devenv/env/engine"
)

// On a rootless engine the host user is the container's root: no user layer, root's
// home, and the container runs as 0:0; on a rootful one the same project keeps the
// user's own UID. An explicit UID:GID is the project's choice on either.
func TestForEngineRootless(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte("base = \"busybox:devenv\"\nmounts = [\"volume:cache:~/.cache\", \"volume:data:/data\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	host := Host{UID: 1001, GID: 1001, UserName: "dev1"}
	p, err := LoadProject(dir, host, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	same, err := ForEngine(p, host, engine.Info{Kind: engine.KindDocker, BuildKit: true})
	if err != nil || same != p {
		t.Fatalf("a rootful BuildKit engine changed the project: %v", err)
	}
	rl, err := ForEngine(p, host, engine.Info{Kind: engine.KindPodman, Rootless: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rl.Spec.User.IsRoot() || rl.Spec.User.Home != "/root" {
		t.Errorf("rootless: user %+v, want root", rl.Spec.User)
	}
	if strings.Contains(rl.Dockerfile, "1001") || rl.Tag == p.Tag {
		t.Errorf("rootless: the image still has the host user's layer (tag %s):\n%s", rl.Tag, rl.Dockerfile)
	}
	if got := []string{rl.Spec.Mounts[0].Target, rl.Spec.Mounts[1].Target}; got[0] != "/root/.cache" || got[1] != "/data" {
		t.Errorf("rootless: mount targets %q, want ~ as root's home", got)
	}
	if p.Spec.User.UID != 1001 || p.Spec.Mounts[0].Target != "/home/dev1/.cache" {
		t.Errorf("ForEngine changed the project it was given: %+v %q", p.Spec.User, p.Spec.Mounts[0].Target)
	}
	// As Resolve makes it when it knows the engine is rootless (watch does).
	q, err := LoadProject(dir, HostFor(host, engine.Info{Rootless: true}), RenderOptions{})
	if err != nil || q.Tag != rl.Tag {
		t.Errorf("resolved for a rootless engine: %v, tag %s, want %s", err, q.Tag, rl.Tag)
	}

	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte("base = \"busybox:devenv\"\nuser = \"2000:2000\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err = LoadProject(dir, host, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	if q, err := ForEngine(p, host, engine.Info{BuildKit: true, Rootless: true}); err != nil || q.Spec.User.UID != 2000 {
		t.Errorf("rootless with user = \"2000:2000\": %+v, %v", q.Spec.User, err)
	}
}

// Podman's buildah gets the caches and the CA bundle by RUN --mount without BuildKit:
// the bundle bound from the context, never a secret (there is no session) and never
// COPY (it would stay in a layer).
func TestRenderBuildahMounts(t *testing.T) {
	s := renderCase{name: "ca", toml: "setup = \"true\"\npackages = [\"curl\"]\n", ca: true}.spec(t)
	opt := RenderOptionsFor(engine.Info{Kind: engine.KindPodman})
	if !opt.Buildah || opt.BuildKit {
		t.Fatalf("Podman without BuildKit: %+v", opt)
	}
	df, err := Render(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"--mount=type=bind,source=" + engine.ContextSecretPath(CASecret) + ",target=" + CAPath,
		"--mount=type=cache,target=/var/cache/apt",
		". /run/devenv/ca.sh; fi",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("the Dockerfile for buildah lacks %q:\n%s", want, df)
		}
	}
	if strings.Contains(df, "type=secret") || strings.Contains(df, "COPY "+engine.ContextSecretPath(CASecret)) {
		t.Errorf("the Dockerfile for buildah uses a secret or copies the bundle:\n%s", df)
	}
	if o := RenderOptionsFor(engine.Info{Kind: engine.KindDocker}); o.Buildah || o.BuildKit {
		t.Errorf("Docker's classic builder: %+v, want no mounts", o)
	}
	if sec, err := BuildSecrets(s, buildMounts(engine.Info{Kind: engine.KindPodman})); err != nil || len(sec) != 2 {
		t.Errorf("Podman's build gets %d secrets (%v), want the bundle and its script", len(sec), err)
	}
}

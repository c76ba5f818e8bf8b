package env

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

func loadTestProject(t *testing.T, toml string, host Host) *Project {
	t.Helper()
	cfg := newProject(t, toml, nil)
	s, err := resolveErr(t, cfg, host)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProject(s, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImageKeyResolves(t *testing.T) {
	host := Host{UID: 1000, GID: 1000, UserName: "ann"}
	p := loadTestProject(t, "image = \"127.0.0.1:5000/team/app\"\npackages = [\"git\"]\n", host)
	if p.Spec.Image != "127.0.0.1:5000/team/app:latest" || p.Tag != p.Spec.Image {
		t.Errorf("image %q, tag %q: want the reference with its tag", p.Spec.Image, p.Tag)
	}
	if strings.Join(p.Spec.ImageIgnores, ",") != "packages" {
		t.Errorf("ImageIgnores = %v, want [packages]", p.Spec.ImageIgnores)
	}
	if p.Spec.User.Home != "/tmp" || p.Spec.User.UID != 1000 {
		t.Errorf("user %+v: a pulled image runs as the host UID with HOME=/tmp", p.Spec.User)
	}
	if req := RunRequest(p, RunOptions{}, "linux"); req.Image != p.Spec.Image || req.User != "1000:1000" {
		t.Errorf("run image %q user %q", req.Image, req.User)
	}

	root := loadTestProject(t, "image = \"app:1\"\nuser = \"root\"\n", host)
	if root.Spec.User.Home != "/root" {
		t.Errorf("root keeps /root, got %q", root.Spec.User.Home)
	}
}

func TestImageKeyErrors(t *testing.T) {
	for _, tc := range []struct{ toml, want string }{
		{"image = \"Bad Name\"\n", `devenv.toml:1:1: image "Bad Name" is not an image reference`},
		{"image = \"\"\n", `image "" is not an image reference`},
		{"image = 3\n", `"image" must be a string in quotes`},
	} {
		cfg := newProject(t, tc.toml, nil)
		c, err := LoadConfig(cfg)
		if err == nil {
			_, err = Resolve(c, Host{})
		}
		wantErr(t, err, tc.want)
	}
}

func TestEnsureImagePullsInsteadOfBuilding(t *testing.T) {
	eng := enginetest.New()
	p := loadTestProject(t, "image = \"reg.example/app:1\"\nsetup = [\"true\"]\n", Host{})
	var out strings.Builder
	built, err := EnsureImage(t.Context(), eng, p, BuildOptions{Progress: &out})
	if err != nil || built {
		t.Fatalf("EnsureImage = %v, %v", built, err)
	}
	if pulls := eng.Did("PullImage"); len(eng.Builds()) != 0 || !slices.Equal(pulls, []string{"PullImage reg.example/app:1"}) {
		t.Errorf("builds %d, pulls %v: want one pull and no build", len(eng.Builds()), pulls)
	}
	if !strings.Contains(out.String(), `image = "reg.example/app:1" is set, so setup in devenv.toml are not used here`) {
		t.Errorf("no warning about the ignored build keys: %q", out.String())
	}

	// Present: nothing to do.
	eng = enginetest.New()
	eng.AddImage("reg.example/app:1")
	if _, err := EnsureImage(t.Context(), eng, p, BuildOptions{}); err != nil || len(eng.Calls("PullImage")) != 0 {
		t.Errorf("image present: pulls %v, err %v", eng.Calls("PullImage"), err)
	}
	// --rebuild pulls again.
	if _, err := EnsureImage(t.Context(), eng, p, BuildOptions{Rebuild: true}); err != nil || len(eng.Did("PullImage")) != 1 {
		t.Errorf("rebuild: pulls %v, err %v", eng.Did("PullImage"), err)
	}
	// A pull that fails says why, and builds nothing instead.
	eng = enginetest.New()
	eng.Fail("PullImage", &engine.RegistryError{Op: "pull", Ref: "reg.example/app:1", Registry: "reg.example", Kind: engine.RegistryNotFound, Msg: "manifest unknown"})
	if _, err := EnsureImage(t.Context(), eng, p, BuildOptions{}); err == nil || !strings.Contains(err.Error(), "has no such image") || len(eng.Builds()) != 0 {
		t.Errorf("a failed pull: %v, builds %d", err, len(eng.Builds()))
	}
}

func TestPush(t *testing.T) {
	host := Host{UID: 1000, GID: 1000, UserName: "ann"}
	p := loadTestProject(t, "name = \"app\"\nbase = \"busybox:devenv\"\n", host)

	eng := enginetest.New()
	if _, err := Push(t.Context(), eng, p, "", RenderOptions{BuildKit: true}, BuildOptions{}); !errors.Is(err, ErrNoRegistry) {
		t.Fatalf("no REF and no image: %v", err)
	}
	if len(eng.Builds()) != 0 {
		t.Error("built with nowhere to push")
	}

	res, err := Push(t.Context(), eng, p, "reg.example/team/app", RenderOptions{BuildKit: true}, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ref != "reg.example/team/app:latest" || !res.Built || len(eng.Builds()) != 1 {
		t.Errorf("result %+v, builds %d", res, len(eng.Builds()))
	}
	if strings.Contains(eng.Builds()[0].Tag, p.Fingerprint) || strings.Contains(eng.Contexts()[0].Files["Dockerfile"], "ann") {
		t.Error("the published image must be built without the host user's layer")
	}
	if tags, pushes := eng.Did("TagImage"), eng.Did("PushImage"); !slices.Equal(tags, []string{"TagImage " + res.Source + " " + res.Ref}) || !slices.Equal(pushes, []string{"PushImage " + res.Ref}) {
		t.Errorf("tags %v pushes %v", tags, pushes)
	}

	// The image key is the default.
	pi := loadTestProject(t, "name = \"app\"\nimage = \"reg.example/app:2\"\n", host)
	eng = enginetest.New()
	if res, err := Push(t.Context(), eng, pi, "", RenderOptions{BuildKit: true}, BuildOptions{}); err != nil || res.Ref != "reg.example/app:2" {
		t.Errorf("push to the image key: %+v %v", res, err)
	}
	if _, err := Push(t.Context(), eng, pi, "reg.example/app@sha256:"+strings.Repeat("a", 64), RenderOptions{}, BuildOptions{}); err == nil || !strings.Contains(err.Error(), "name a tag") {
		t.Errorf("push to a digest: %v", err)
	}
}

func TestPullRef(t *testing.T) {
	if _, err := PullRef("", nil); !errors.Is(err, ErrNoRegistry) {
		t.Errorf("no ref: %v", err)
	}
	if ref, err := PullRef("busybox", nil); err != nil || ref != "busybox:latest" {
		t.Errorf("PullRef = %q, %v", ref, err)
	}
}

func TestExplainRegistryError(t *testing.T) {
	re := func(kind engine.RegistryErrorKind, anon bool) error {
		return &engine.RegistryError{Op: "push", Ref: "reg.example:5000/app:1", Registry: "reg.example:5000", Kind: kind, Msg: "engine words", Anonymous: anon}
	}
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{re(engine.RegistryAuth, true), []string{"pushing reg.example:5000/app:1", "requires authentication", "not logged in", "`docker login reg.example:5000`"}},
		{re(engine.RegistryAuth, false), []string{"refused your credentials", "`docker login reg.example:5000` again"}},
		{re(engine.RegistryNotFound, false), []string{"has no such image"}},
		{re(engine.RegistryUnknownHost, false), []string{"cannot find the registry host reg.example:5000"}},
		{re(engine.RegistryPlainHTTP, false), []string{"plain HTTP", `"insecure-registries"`, "127.0.0.0/8"}},
		{re(engine.RegistryTLS, false), []string{"does not trust the TLS certificate", "/etc/docker/certs.d/reg.example:5000/ca.crt", "insecure-registries"}},
		{re(engine.RegistryUnreachable, false), []string{"nothing answers at the registry"}},
		{&engine.RegistryError{Op: "pull", Ref: "app:1", Registry: "docker.io", Kind: engine.RegistryAuth, Anonymous: true}, []string{"pulling app:1", "run `docker login` and"}},
		{&engine.CredentialsError{Path: "/x/config.json", Err: errors.New("bad json")}, []string{"cannot read Docker credentials from /x/config.json", "docker login"}},
	} {
		wantErr(t, ExplainRegistryError(tc.err), tc.want...)
	}
}

package env

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

func TestHostPathForEngine(t *testing.T) {
	tests := []struct {
		in, goos, want string
	}{
		{`C:\Users\x\proj`, "windows", `C:\Users\x\proj`},
		{`c:\Users\x\proj`, "windows", `C:\Users\x\proj`},
		{`c:/Users/x/proj`, "windows", `C:\Users\x\proj`},
		{`C:/Users/x/proj`, "windows", `C:\Users\x\proj`},
		{`/c/Users/x/proj`, "windows", `C:\Users\x\proj`},
		{`/d/work`, "windows", `D:\work`},
		{`/c`, "windows", `C:\`},
		{`/c/`, "windows", `C:\`},
		{`\\server\share\proj`, "windows", `\\server\share\proj`},
		{`/cygdrive`, "windows", `\cygdrive`},
		{`/home/x/proj`, "linux", `/home/x/proj`},
		{`/c/Users/x/proj`, "linux", `/c/Users/x/proj`},
		{`C:\Users\x`, "linux", `C:\Users\x`},
		{`/Users/x/proj`, "darwin", `/Users/x/proj`},
	}
	for _, tt := range tests {
		t.Run(tt.goos+" "+tt.in, func(t *testing.T) {
			if got := HostPathForEngine(tt.in, tt.goos); got != tt.want {
				t.Errorf("HostPathForEngine(%q, %s) = %q, want %q", tt.in, tt.goos, got, tt.want)
			}
		})
	}
}

func TestContainerWorkdir(t *testing.T) {
	root := filepath.Join(t.TempDir(), "proj")
	tests := []struct {
		name, cwd, want string
	}{
		{"root", root, "/workspace"},
		{"subdirectory", filepath.Join(root, "src", "api"), "/workspace/src/api"},
		{"dot-dot name inside", filepath.Join(root, "..hidden"), "/workspace/..hidden"},
		{"parent", filepath.Dir(root), "/workspace"},
		{"sibling with the same prefix", root + "-other", "/workspace"},
		{"elsewhere", "/usr/share", "/workspace"},
		{"unknown", "", "/workspace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ContainerWorkdir(root, tt.cwd, "/workspace"); got != tt.want {
				t.Errorf("ContainerWorkdir(%s, %s) = %q, want %q", root, tt.cwd, got, tt.want)
			}
		})
	}
}

// clearProxyEnv unsets the proxy variables for the test, so requests hold only what
// the test sets.
func clearProxyEnv(t *testing.T) {
	t.Helper()
	for _, k := range proxyVars {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// unsetEnv makes sure k is not set during the test.
func unsetEnv(t *testing.T, k string) {
	t.Helper()
	t.Setenv(k, "")
	os.Unsetenv(k)
}

func testProject(t *testing.T, toml string, files map[string]string, host Host) *Project {
	t.Helper()
	s := mustResolve(t, toml, files, host)
	p, err := NewProject(s, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	checkDockerfile(t, s, RenderOptions{BuildKit: true}, p.Dockerfile)
	return p
}

func TestRunRequest(t *testing.T) {
	clearProxyEnv(t)
	t.Setenv("DEVENV_TEST_TOKEN", "s3cret value")
	t.Setenv("DEVENV_TEST_EMPTY", "")
	unsetEnv(t, "DEVENV_TEST_UNSET")
	t.Setenv("HTTPS_PROXY", "http://proxy:3128")
	t.Setenv("TERM", "screen-256color")

	p := testProject(t, `name = "app"
pass_env = ["DEVENV_TEST_TOKEN", "DEVENV_TEST_UNSET", "DEVENV_TEST_EMPTY"]
ports = ["8000:8000"]
trust_host_ca = false

[env]
DEBUG = "1"
QUOTED = "say \"hi\" $HOME"
`, nil, testHost)
	s := p.Spec

	t.Run("shell in a subdirectory", func(t *testing.T) {
		cwd := filepath.Join(s.Root, "src", "api")
		req := RunRequest(p, RunOptions{Cwd: cwd}, "linux")
		if req.Image != p.Tag || !strings.HasPrefix(p.Tag, "devenv/app:") {
			t.Errorf("Image = %q, want %q", req.Image, p.Tag)
		}
		if !slices.Equal(req.Cmd, s.Shell) {
			t.Errorf("Cmd = %q, want the shell %q", req.Cmd, s.Shell)
		}
		if req.Workdir != "/workspace/src/api" {
			t.Errorf("Workdir = %q", req.Workdir)
		}
		if req.User != "1000:1000" {
			t.Errorf("User = %q, want 1000:1000", req.User)
		}
		wantMounts := []engine.Mount{{Source: s.Root, Target: "/workspace"}}
		if !slices.Equal(req.Mounts, wantMounts) {
			t.Errorf("Mounts = %+v, want %+v", req.Mounts, wantMounts)
		}
		wantEnv := []string{
			"HOME=/home/dev", "USER=dev",
			"HTTPS_PROXY=http://proxy:3128",
			"DEBUG=1", `QUOTED=say "hi" $HOME`,
			"DEVENV_TEST_TOKEN=s3cret value", "DEVENV_TEST_EMPTY=",
		}
		if !slices.Equal(req.Env, wantEnv) {
			t.Errorf("Env = %q\nwant %q", req.Env, wantEnv)
		}
		if !slices.Equal(req.Ports, []string{"8000:8000"}) {
			t.Errorf("Ports = %q", req.Ports)
		}
		if !maps.Equal(req.Labels, runLabels(p)) || req.Labels[LabelClient] != ClientID() || req.Labels[LabelProject] != s.Root || req.Labels[LabelName] != "app" || req.Labels[LabelFingerprint] != p.Fingerprint || req.Labels[LabelVersion] != Version {
			t.Errorf("Labels = %q", req.Labels)
		}
		if !strings.HasPrefix(req.Name, "devenv-app-") || len(req.Name) != len("devenv-app-")+6 {
			t.Errorf("Name = %q, want devenv-app-<6 hex digits>", req.Name)
		}
		if req.TTY {
			t.Errorf("TTY without asking for one")
		}
	})

	t.Run("command with a terminal", func(t *testing.T) {
		in := strings.NewReader("input")
		var out, errOut bytes.Buffer
		req := RunRequest(p, RunOptions{Cmd: []string{"make", "test"}, Cwd: "/elsewhere", TTY: true, Stdin: in, Stdout: &out, Stderr: &errOut}, "linux")
		if !slices.Equal(req.Cmd, []string{"make", "test"}) {
			t.Errorf("Cmd = %q", req.Cmd)
		}
		if req.Workdir != "/workspace" {
			t.Errorf("Workdir from outside the project = %q, want /workspace", req.Workdir)
		}
		if !req.TTY || !slices.Contains(req.Env, "TERM=screen-256color") {
			t.Errorf("TTY %v Env %q: want a terminal with the host's TERM", req.TTY, req.Env)
		}
		if req.Stdin != in || req.Stdout != &out || req.Stderr != &errOut {
			t.Errorf("streams not passed through")
		}
	})

	t.Run("terminal without TERM", func(t *testing.T) {
		t.Setenv("TERM", "")
		req := RunRequest(p, RunOptions{TTY: true}, "linux")
		if !slices.Contains(req.Env, "TERM=xterm") {
			t.Errorf("Env = %q, want TERM=xterm", req.Env)
		}
	})

	t.Run("two runs get two containers", func(t *testing.T) {
		if a, b := RunRequest(p, RunOptions{}, "linux").Name, RunRequest(p, RunOptions{}, "linux").Name; a == b {
			t.Errorf("two runs share the container name %s", a)
		}
	})
}

func TestRunRequestRootAndCA(t *testing.T) {
	clearProxyEnv(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("cert"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := testProject(t, "workdir = \"/src\"\nuser = \"root\"\n", nil, Host{UID: 1000, GID: 1000, UserName: "dev", CABundle: ca})
	req := RunRequest(p, RunOptions{Cwd: p.Spec.Root}, "linux")
	if req.User != "0:0" || !slices.Contains(req.Env, "HOME=/root") || !slices.Contains(req.Env, "USER=root") {
		t.Errorf("User %q Env %q, want root", req.User, req.Env)
	}
	if req.Workdir != "/src" {
		t.Errorf("Workdir = %q, want /src", req.Workdir)
	}
	want := []engine.Mount{
		{Source: p.Spec.Root, Target: "/src"},
		{Source: ca, Target: CAPath, ReadOnly: true},
	}
	if !slices.Equal(req.Mounts, want) {
		t.Errorf("Mounts = %+v, want %+v", req.Mounts, want)
	}
	for _, kv := range CAEnv() {
		if !slices.Contains(req.Env, kv) {
			t.Errorf("Env = %q lacks %s", req.Env, kv)
		}
	}

	// On Windows the engine gets drive paths for both mounts.
	p.Spec.Root = `/c/Users/x/proj`
	p.Spec.CABundle = `C:/certs/ca.pem`
	req = RunRequest(p, RunOptions{}, "windows")
	if req.Mounts[0].Source != `C:\Users\x\proj` || req.Mounts[1].Source != `C:\certs\ca.pem` {
		t.Errorf("windows mounts = %+v", req.Mounts)
	}
}

func TestRunRequestNoCAWithoutBundle(t *testing.T) {
	clearProxyEnv(t)
	p := testProject(t, "", nil, testHost)
	req := RunRequest(p, RunOptions{}, "linux")
	if len(req.Mounts) != 1 {
		t.Errorf("Mounts = %+v, want only the project", req.Mounts)
	}
	for _, kv := range req.Env {
		if strings.Contains(kv, CAPath) {
			t.Errorf("Env %q points at a CA bundle that is not there", kv)
		}
	}
}

func TestEnsureImageUpToDate(t *testing.T) {
	p := testProject(t, "template = \"python\"\n", map[string]string{"requirements.txt": "x"}, testHost)
	eng := enginetest.New()
	eng.AddImage(p.Tag)
	built, err := EnsureImage(t.Context(), eng, p, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if built || len(eng.Builds()) != 0 {
		t.Errorf("built %v with %d builds, want nothing built when the image exists", built, len(eng.Builds()))
	}
	if asked := eng.Did("ImageExists"); !slices.Equal(asked, []string{"ImageExists " + p.Tag}) {
		t.Errorf("ImageExists asked for %q, want [%s]", asked, p.Tag)
	}
}

func TestEnsureImageBuilds(t *testing.T) {
	clearProxyEnv(t)
	t.Setenv("HTTP_PROXY", "http://proxy:3128")
	p := testProject(t, "template = \"python\"\nname = \"web\"\n", map[string]string{
		"requirements.txt": "flask\n",
		"app.py":           "print()\n",
		"data/big.bin":     strings.Repeat("x", 1<<20),
	}, testHost)
	eng := enginetest.New()
	var progress bytes.Buffer
	info := engine.Info{BuildKit: true}
	built, err := EnsureImage(t.Context(), eng, p, BuildOptions{Progress: &progress, Plain: true, Info: info})
	if err != nil {
		t.Fatal(err)
	}
	if !built || len(eng.Builds()) != 1 {
		t.Fatalf("built %v with %d builds, want one build", built, len(eng.Builds()))
	}
	req := eng.Builds()[0]
	if req.Tag != "devenv/web:"+p.Fingerprint || req.Tag != p.Tag {
		t.Errorf("Tag = %q, want devenv/web:%s", req.Tag, p.Fingerprint)
	}
	if req.Dockerfile != ".devenv/Dockerfile" {
		t.Errorf("Dockerfile = %q", req.Dockerfile)
	}
	if req.Labels[LabelProject] != p.Spec.Root || req.Labels[LabelName] != "web" || req.Labels[LabelFingerprint] != p.Fingerprint || req.Labels[LabelVersion] != Version {
		t.Errorf("Labels = %q", req.Labels)
	}
	// The output passes through a watch for a version devenv.lock pins that apt lacks
	// and one for a full disk, to the same writer.
	aw, _ := req.Progress.(*aptWatch)
	if aw == nil {
		aw = &aptWatch{}
	}
	if w, ok := aw.w.(*noSpaceWatch); !req.BuildKit || !req.Plain || !ok || w.w != &progress {
		t.Errorf("BuildKit %v Plain %v Progress %v: options not passed on", req.BuildKit, req.Plain, req.Progress)
	}
	if v := req.BuildArgs["HTTP_PROXY"]; v == nil || *v != "http://proxy:3128" || len(req.BuildArgs) != 1 {
		t.Errorf("BuildArgs = %v, want just the host's HTTP_PROXY", req.BuildArgs)
	}
	context := eng.Contexts()[0]
	if len(context.Names) != len(context.Files) {
		t.Fatalf("duplicate entries in the build context: %q", context.Names)
	}
	want := map[string]string{".devenv/Dockerfile": p.Dockerfile, "requirements.txt": "flask\n"}
	if !maps.Equal(context.Files, want) {
		t.Errorf("build context holds %q, want only %q", slices.Sorted(maps.Keys(context.Files)), slices.Sorted(maps.Keys(want)))
	}
}

func TestEnsureImageRebuild(t *testing.T) {
	p := testProject(t, "", nil, testHost)
	eng := enginetest.New()
	eng.AddImage(p.Tag)
	built, err := EnsureImage(t.Context(), eng, p, BuildOptions{Rebuild: true})
	if err != nil {
		t.Fatal(err)
	}
	if !built || len(eng.Builds()) != 1 {
		t.Errorf("built %v with %d builds, want a build though the image exists", built, len(eng.Builds()))
	}
	if len(eng.Calls("ImageExists")) != 0 {
		t.Errorf("Rebuild still asked whether the image exists")
	}
	if req := eng.Builds()[0]; req.Progress == nil {
		t.Errorf("Progress is nil without a writer: the engine would have nowhere to write")
	}
}

func TestEnsureImageCAMissingWarns(t *testing.T) {
	p := testProject(t, "", nil, testHost) // testHost has no CA bundle
	if !p.Spec.CAMissing {
		t.Fatal("CAMissing not set")
	}
	var progress bytes.Buffer
	if _, err := EnsureImage(t.Context(), enginetest.New(), p, BuildOptions{Progress: &progress}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "trust_host_ca is on but no CA bundle was found") {
		t.Errorf("progress = %q, want the CA warning", progress.String())
	}
}

func TestEnsureImageCAContext(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("cert"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := testProject(t, "", nil, Host{UID: 1000, GID: 1000, CABundle: ca})
	eng := enginetest.New()
	if _, err := EnsureImage(t.Context(), eng, p, BuildOptions{Info: engine.Info{BuildKit: true}}); err != nil {
		t.Fatal(err)
	}
	// The bundle travels as a BuildKit secret: the context holds the Dockerfile alone.
	want := map[string]string{".devenv/Dockerfile": p.Dockerfile}
	if files := eng.Contexts()[0].Files; !maps.Equal(files, want) {
		t.Errorf("build context holds %q, want %q", slices.Sorted(maps.Keys(files)), slices.Sorted(maps.Keys(want)))
	}
	wantSecrets := map[string][]byte{CASecret: []byte("cert"), CAScriptSecret: []byte(CAScript())}
	if got := eng.Builds()[0].Secrets; len(got) != 2 || string(got[CASecret]) != "cert" || string(got[CAScriptSecret]) != string(wantSecrets[CAScriptSecret]) {
		t.Errorf("build secrets = %q, want %q", got, wantSecrets)
	}
}

func TestEnsureImageErrors(t *testing.T) {
	p := testProject(t, "base = \"example.com/nope:1\"\n", nil, testHost)
	tests := []struct {
		name     string
		fails    string // the engine method that fails, with err
		err      error
		want     []string
		unwrapTo error
	}{
		{"base not pullable", "Build", &engine.BuildError{Msg: `failed to solve: example.com/nope:1: failed to resolve source metadata for example.com/nope:1: not found`},
			[]string{"base image example.com/nope:1 is not on this engine and could not be pulled: `docker pull example.com/nope:1`, or set base in " + p.Spec.ConfigPath + " to an image you have"}, nil},
		{"pull access denied", "Build", errors.New("pull access denied for nope, repository does not exist"),
			[]string{"base image example.com/nope:1 is not on this engine and could not be pulled"}, nil},
		{"step failed", "Build", &engine.BuildError{Msg: `process "/bin/sh -c make" did not complete successfully: exit code: 2`},
			[]string{"building " + p.Tag + ` failed: process "/bin/sh -c make" did not complete successfully: exit code: 2; the step's output is above; fix devenv.toml and run ` + "`devenv build`"}, nil},
		{"cancelled", "Build", fmt.Errorf("build: %w", context.Canceled), []string{"context canceled"}, context.Canceled},
		{"other", "Build", errors.New("disk full"), []string{"disk full"}, nil},
		{"image lookup", "ImageExists", &engine.UnreachableError{Endpoint: "unix:///var/run/docker.sock"}, []string{"cannot reach Docker at unix:///var/run/docker.sock"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := enginetest.New()
			eng.Fail(tt.fails, tt.err)
			built, err := EnsureImage(t.Context(), eng, p, BuildOptions{})
			wantErr(t, err, tt.want...)
			if built {
				t.Errorf("reports a build that failed as built")
			}
			if tt.unwrapTo != nil && !errors.Is(err, tt.unwrapTo) {
				t.Errorf("error %v does not wrap %v", err, tt.unwrapTo)
			}
			if tt.fails == "ImageExists" && len(eng.Builds()) != 0 {
				t.Errorf("built after the image look-up failed")
			}
		})
	}
}

func TestEnsureImageContextError(t *testing.T) {
	// The dependency disappears between loading and building: the engine sees the
	// context stream fail, and devenv reports why.
	p := testProject(t, "dependencies = [\"a.txt\"]\n", map[string]string{"a.txt": "x"}, testHost)
	if err := os.Remove(filepath.Join(p.Spec.Root, "a.txt")); err != nil {
		t.Fatal(err)
	}
	_, err := EnsureImage(t.Context(), enginetest.New(), p, BuildOptions{})
	wantErr(t, err, "cannot read dependency a.txt")
}

func TestRun(t *testing.T) {
	clearProxyEnv(t)
	p := testProject(t, "", nil, testHost)
	tests := []struct {
		name string
		code int    // the container's exit status
		err  error  // the engine's
		want string // "" for success
	}{
		{"success", 0, nil, ""},
		{"exit status", 3, nil, "the command in the container exited with status 3"},
		{"engine error", 0, errors.New("no such image"), "no such image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := enginetest.New()
			eng.OnRun = func(engine.RunRequest) (int, error) { return tt.code, tt.err }
			err := Run(t.Context(), eng, p, RunOptions{Cmd: []string{"true"}, Cwd: p.Spec.Root})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else {
				wantErr(t, err, tt.want)
			}
			if runs := eng.Runs(); len(runs) != 1 || !slices.Equal(runs[0].Cmd, []string{"true"}) || runs[0].Image != p.Tag {
				t.Errorf("runs = %+v", runs)
			}
			var exit *ExitError
			if tt.code != 0 && (!errors.As(err, &exit) || exit.Code != tt.code) {
				t.Errorf("error %v is not *ExitError{%d}", err, tt.code)
			}
		})
	}
}

func TestLoadProject(t *testing.T) {
	cfg := newProject(t, "template = \"go\"\n", map[string]string{"go.mod": "module x\n", "cmd/x/main.go": ""})
	root := filepath.Dir(cfg)
	p, err := LoadProject(filepath.Join(root, "cmd", "x"), testHost, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.Root != root || p.Tag != ImageTag("proj", p.Fingerprint) {
		t.Errorf("Root %s Tag %s", p.Spec.Root, p.Tag)
	}
	classic, err := NewProject(p.Spec, RenderOptions{BuildKit: false})
	if err != nil {
		t.Fatal(err)
	}
	if classic.Fingerprint == p.Fingerprint {
		t.Errorf("the Dockerfiles for BuildKit and the classic builder share fingerprint %s", p.Fingerprint)
	}

	_, err = LoadProject(t.TempDir(), testHost, RenderOptions{})
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Errorf("LoadProject without devenv.toml: %v, want *NotFoundError", err)
	}
}

// The image a failed pull names, for the template's base, a second stack's image, and a
// project's own Dockerfile, from the messages BuildKit gives.
func TestUnpullableImage(t *testing.T) {
	for _, tt := range []struct {
		msg        string
		candidates []string
		want       string
	}{
		{`failed to solve with frontend dockerfile.v0: failed to create LLB definition: failed to do request: Head "https://mcr.microsoft.com/v2/devcontainers/python/manifests/3.12": dial tcp: lookup mcr.microsoft.com on 10.0.0.53:53: no such host`, nil, "mcr.microsoft.com/devcontainers/python:3.12"},
		{`failed to solve: node:22-bookworm-slim: failed to resolve source metadata for docker.io/library/node:22-bookworm-slim: pull access denied`, []string{"python:3.11-slim", "node:22-bookworm-slim"}, "node:22-bookworm-slim"},
		{`failed to solve: failed to load metadata for docker.io/library/golang:1.99-bookworm: no such host`, nil, "golang:1.99-bookworm"},
		{`failed to do request: Head "https://registry-1.docker.io/v2/library/ruby/manifests/3.9-slim": no such host`, nil, "ruby:3.9-slim"},
	} {
		got, ok := unpullableImage(errors.New(tt.msg), tt.candidates)
		if !ok || got != tt.want {
			t.Errorf("%.60s...: %q %v, want %q", tt.msg, got, ok, tt.want)
		}
	}
	if _, ok := unpullableImage(errors.New("process \"/bin/sh -c make\" did not complete successfully: exit code: 2"), []string{"debian:bookworm"}); ok {
		t.Error("a failed step is taken for a failed pull")
	}
}

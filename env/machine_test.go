package env

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

func TestForwardGPUsPlatformKeys(t *testing.T) {
	s := mustResolve(t, "forward = [8888, \"5173\"]\ngpus = \"all\"\nplatform = \"linux/amd64\"\n", nil, testHost)
	if !slices.Equal(s.Forward, []int{8888, 5173}) || s.GPUs != (GPUs{Count: -1}) || s.Platform != "linux/amd64" {
		t.Errorf("forward %v, gpus %+v, platform %q", s.Forward, s.GPUs, s.Platform)
	}
	for text, want := range map[string]GPUs{`gpus = 2`: {Count: 2}, `gpus = "3"`: {Count: 3}, `gpus = "auto"`: {Auto: true}, ``: {}} {
		if got := mustResolve(t, text+"\n", nil, testHost).GPUs; got != want {
			t.Errorf("%s: gpus = %+v, want %+v", text, got, want)
		}
	}
	for _, tt := range []struct{ text, want string }{
		{`forward = 8888`, `"forward" must be a list of port numbers, like forward = [8888, 5173]`},
		{`forward = [0]`, `devenv.toml:1:12: forward item 1 (the number 0) must be a port number from 1 to 65535`},
		{`forward = ["http"]`, `forward item 1 (the string "http") must be a port number`},
		{`forward = [8888, 8888]`, `forward lists port 8888 twice`},
		{`gpus = 0`, `gpus must be gpus = "all", gpus = "auto" (when the engine has a GPU runtime) or a count like gpus = 1; got the number 0 (leave the key out for none)`},
		{`gpus = "some"`, `got the string "some"`},
		{`gpus = true`, `got the boolean true`},
		{`platform = "amd64"`, `platform "amd64" is not os/arch[/variant], like "linux/amd64" or "linux/arm64"`},
		{`platform = "windows/amd64"`, `devenv runs Linux containers only`},
		{`platform = 64`, `"platform" must be a string in quotes`},
	} {
		_, err := resolveErr(t, newProject(t, tt.text+"\n", nil), testHost)
		wantErr(t, err, tt.want)
	}
}

func TestPlatformInFingerprintAndRequests(t *testing.T) {
	clearProxyEnv(t)
	plain := testProject(t, "name = \"m\"\n", nil, testHost)
	amd := testProject(t, "name = \"m\"\nplatform = \"linux/amd64\"\n", nil, testHost)
	if plain.Tag == amd.Tag {
		t.Errorf("platform does not change the tag: %s", plain.Tag)
	}
	eng := enginetest.New()
	eng.SetDetails(engine.Details{Endpoint: "unix:///x", OS: "linux", Arch: "arm64"})
	var progress bytes.Buffer
	if _, err := EnsureImage(t.Context(), eng, amd, BuildOptions{Progress: &progress, Info: engine.Info{BuildKit: true}}); err != nil {
		t.Fatal(err)
	}
	if b := eng.Builds(); len(b) != 1 || b[0].Platform != "linux/amd64" {
		t.Errorf("builds = %+v", b)
	}
	if !strings.Contains(progress.String(), `devenv: platform = "linux/amd64" is not the engine's own (linux/arm64): everything in the environment runs under emulation, often 5 to 20 times slower`) {
		t.Errorf("build progress: %q", progress.String())
	}
	var stderr bytes.Buffer
	if err := Run(t.Context(), eng, amd, RunOptions{Cmd: []string{"true"}, Cwd: amd.Spec.Root, Stderr: &stderr}); err != nil {
		t.Fatal(err)
	}
	if r := eng.Runs(); len(r) != 1 || r[0].Platform != "linux/amd64" || r[0].GPUs != 0 {
		t.Errorf("runs = %+v", r)
	}
	if strings.Count(stderr.String(), "runs under emulation") != 1 {
		t.Errorf("run stderr: %q", stderr.String())
	}
	// The engine's own platform: no word.
	eng.SetDetails(engine.Details{OS: "linux", Arch: "amd64"})
	stderr.Reset()
	if err := Run(t.Context(), eng, amd, RunOptions{Cmd: []string{"true"}, Cwd: amd.Spec.Root, Stderr: &stderr}); err != nil || stderr.Len() != 0 {
		t.Errorf("native platform: %v %q", err, stderr.String())
	}
}

func TestGPURequests(t *testing.T) {
	clearProxyEnv(t)
	for _, tt := range []struct {
		toml     string
		runtimes []string
		want     int
		note     string
	}{
		{`gpus = "all"`, nil, -1, ""},
		{`gpus = 2`, nil, 2, ""},
		{`gpus = "auto"`, []string{"nvidia", "runc"}, -1, ""},
		{`gpus = "auto"`, []string{"runc"}, 0, `devenv: gpus = "auto": the engine at unix:///var/run/docker.sock has no GPU runtime (nvidia), so the environment runs without GPUs` + "\n"},
		{``, []string{"nvidia"}, 0, ""},
	} {
		p := testProject(t, tt.toml+"\n", nil, testHost)
		eng := enginetest.New()
		eng.SetDetails(engine.Details{Endpoint: "unix:///var/run/docker.sock", Runtimes: tt.runtimes})
		var stderr bytes.Buffer
		if err := Run(t.Context(), eng, p, RunOptions{Cmd: []string{"true"}, Cwd: p.Spec.Root, Stderr: &stderr}); err != nil {
			t.Fatal(err)
		}
		if r := eng.Runs(); len(r) != 1 || r[0].GPUs != tt.want {
			t.Errorf("%s with %v: runs = %+v", tt.toml, tt.runtimes, r)
		}
		if stderr.String() != tt.note {
			t.Errorf("%s with %v: stderr %q, want %q", tt.toml, tt.runtimes, stderr.String(), tt.note)
		}
		asked := slices.ContainsFunc(eng.Calls(), func(c enginetest.Call) bool { return c.Method == "Details" })
		if asked != strings.Contains(tt.toml, "auto") {
			t.Errorf("%s: asked the engine for details: %v", tt.toml, asked)
		}
	}
}

func TestDoctorMachine(t *testing.T) {
	eng, opt, _ := doctorFixture(t)
	if f := findings(Doctor(t.Context(), eng, opt))["gpu"]; f.Status != SeverityOK || f.Message != "the engine has no GPU runtime (nvidia); the project asks for no GPUs" {
		t.Errorf("no GPUs asked: %+v", f)
	}
	root := opt.Dir
	for _, tt := range []struct {
		toml   string
		status Severity
		msg    string
	}{
		{`gpus = "auto"`, SeverityWarn, `gpus = "auto" but the engine at unix:///var/run/docker.sock has no GPU runtime (nvidia): the environment runs without GPUs`},
		{`gpus = "all"`, SeverityFail, `gpus = "all" but the engine at unix:///var/run/docker.sock has no GPU runtime (nvidia): shell and run will fail to start`},
		{`gpus = 2`, SeverityFail, `gpus = 2 but the engine`},
	} {
		if err := os.WriteFile(filepath.Join(root, ConfigFile), []byte("name = \"doc\"\nbase = \"busybox:devenv\"\n"+tt.toml+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		f := findings(Doctor(t.Context(), eng, opt))["gpu"]
		if f.Status != tt.status || !strings.HasPrefix(f.Message, tt.msg) {
			t.Errorf("%s: %+v", tt.toml, f)
		}
	}
	eng.SetDetails(detailsWith(func(d *engine.Details) { d.Runtimes = []string{"nvidia", "runc"} }))
	if f := findings(Doctor(t.Context(), eng, opt))["gpu"]; f.Status != SeverityOK || f.Message != "the engine has a GPU runtime (nvidia)" {
		t.Errorf("with a runtime: %+v", f)
	}
	if err := os.WriteFile(filepath.Join(root, ConfigFile), []byte("name = \"doc\"\nbase = \"busybox:devenv\"\nplatform = \"linux/arm64\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if f := findings(Doctor(t.Context(), eng, opt))["platform"]; f.Status != SeverityWarn || !strings.Contains(f.Message, "runs under emulation") {
		t.Errorf("platform: %+v", f)
	}
}

// lockedBuffer is a bytes.Buffer safe for the forwarder's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestForwardRelaysThroughExec(t *testing.T) {
	clearProxyEnv(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	busy := taken.Addr().(*net.TCPAddr).Port
	free := freePort(t)
	p := testProject(t, "name = \"fw\"\nforward = ["+strconv.Itoa(free)+", "+strconv.Itoa(busy)+"]\n", nil, testHost)
	eng := enginetest.New()
	var fromRun []string
	eng.OnRun = func(req engine.RunRequest) (int, error) {
		// While the command runs, a client on the host's loopback reaches the port.
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(free)))
		if err != nil {
			return 1, err
		}
		_, _ = c.Read(make([]byte, 1)) // the fake's exec ends at once: the relay closes
		c.Close()
		fromRun = append(fromRun, req.Name)
		return 0, nil
	}
	var stderr lockedBuffer
	if err := Run(t.Context(), eng, p, RunOptions{Cmd: []string{"true"}, Cwd: p.Spec.Root, Stderr: &stderr}); err != nil {
		t.Fatal(err)
	}
	want := "devenv: forward: host port " + strconv.Itoa(busy) + " (used by process "
	if !strings.HasPrefix(stderr.String(), want) || !strings.HasSuffix(stderr.String(), ") is already in use on this machine, so 127.0.0.1:"+strconv.Itoa(busy)+" is not forwarded: stop what uses it, or change forward in devenv.toml\n") {
		t.Errorf("stderr = %q", stderr.String())
	}
	execs := eng.Execs()
	if len(execs) != 1 || len(fromRun) != 1 || execs[0].Container != fromRun[0] || !slices.Equal(execs[0].Cmd, RelayCommand(free)) || execs[0].User != "1000:1000" {
		t.Fatalf("execs = %+v, run = %v", execs, fromRun)
	}
	// The listener ended with the command.
	if c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(free))); err == nil {
		c.Close()
		t.Errorf("port %d still listens after the run", free)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

package env

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

func healthyDetails() engine.Details {
	return engine.Details{Endpoint: "unix:///var/run/docker.sock", ServerVersion: "20.10.24", APIVersion: "1.41", ClientAPIVersion: "1.41",
		OS: "linux", Arch: "amd64", OperatingSystem: "Debian GNU/Linux 12", RootDir: "/var/lib/docker", BuildKit: true}
}

// doctorFixture is a project in a temp dir, an engine that holds its current image,
// and a machine with plenty of disk and no proxies. The engine's container "writes"
// the file it is asked to touch, through the project's bind mount.
func doctorFixture(t *testing.T) (*enginetest.Engine, DoctorOptions, *Project) {
	t.Helper()
	cfg := newProject(t, "name = \"doc\"\nbase = \"busybox:devenv\"\n", nil)
	dir := filepath.Dir(cfg)
	host := testHost
	host.CABundle = "/etc/ssl/certs/ca-certificates.crt"
	p, err := LoadProject(dir, host, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	eng := enginetest.New()
	eng.SetDetails(healthyDetails())
	eng.SetImages(engine.ImageSummary{Image: engine.Image{ID: "sha256:cur", Tags: []string{p.Tag}, Labels: p.Labels(), Created: time.Now()}})
	eng.OnRun = func(req engine.RunRequest) (int, error) { return touchThroughMounts(t, req), nil }
	opt := DoctorOptions{
		Dir: dir, Host: host, GOOS: "linux",
		LookupEnv: func(string) (string, bool) { return "", false },
		DiskFree:  func(string) (uint64, error) { return 50_000_000_000, nil },
		FileOwner: func(path string) (int, int, bool, error) {
			if _, err := os.Stat(path); err != nil {
				return 0, 0, false, err
			}
			return host.UID, host.GID, true, nil
		},
	}
	return eng, opt, p
}

// touchThroughMounts does what `touch FILE` in the container would: create FILE on the
// host through the bind mount that holds it.
func touchThroughMounts(t *testing.T, req engine.RunRequest) int {
	if len(req.Cmd) != 2 || req.Cmd[0] != "touch" {
		t.Errorf("probe command = %q", req.Cmd)
		return 1
	}
	for _, m := range req.Mounts {
		if rel, ok := strings.CutPrefix(req.Cmd[1], m.Target+"/"); ok && !m.ReadOnly {
			if err := os.WriteFile(filepath.Join(m.Source, filepath.FromSlash(rel)), nil, 0o644); err != nil {
				return 1
			}
			return 0
		}
	}
	return 1 // no such directory in the container
}

// detailsWith is healthyDetails changed by change.
func detailsWith(change func(*engine.Details)) engine.Details {
	d := healthyDetails()
	change(&d)
	return d
}

func findings(r *DoctorReport) map[string]Finding {
	out := map[string]Finding{}
	for _, f := range r.Findings {
		out[f.Check] = f
	}
	return out
}

func TestDoctorHealthy(t *testing.T) {
	eng, opt, p := doctorFixture(t)
	r := Doctor(t.Context(), eng, opt)
	for _, f := range r.Findings {
		if f.Status != SeverityOK {
			t.Errorf("%s: %s %s (%s)", f.Check, f.Status, f.Message, f.Fix)
		}
	}
	if r.Problems != 0 || r.Warnings != 0 || len(r.Findings)-len(settingsFindings(p.Spec)) != 9 { // 9 with files
		t.Errorf("report = %+v", r)
	}
	got := findings(r)
	if m := got["engine"].Message; !strings.Contains(m, "Docker 20.10.24 at unix:///var/run/docker.sock") || !strings.Contains(m, "linux/amd64") {
		t.Errorf("engine: %q", m)
	}
	if m := got["bind mount"].Message; !strings.Contains(m, "uid 1000, gid 1000") {
		t.Errorf("bind mount: %q", m)
	}
	// The probe ran as the host user, in the project's image, with no ports to clash.
	if runs := eng.Runs(); len(runs) != 1 || runs[0].User != "1000:1000" || runs[0].Image != p.Tag || runs[0].Ports != nil {
		t.Errorf("probe runs = %+v", runs)
	}
	// And left nothing behind in the project.
	entries, _ := os.ReadDir(p.Spec.Root)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".devenv-doctor") {
			t.Errorf("left %s in the project", e.Name())
		}
	}
}

func TestDoctorEngineUnreachable(t *testing.T) {
	eng, opt, _ := doctorFixture(t)
	eng.Fail("Details", &engine.UnreachableError{Endpoint: "unix:///nonexistent.sock", Err: syscall.ENOENT})
	r := Doctor(t.Context(), eng, opt)
	got := findings(r)
	if f := got["engine"]; f.Status != SeverityFail || !strings.Contains(f.Message, "unix:///nonexistent.sock") || !strings.Contains(f.Fix, "daemon running") {
		t.Errorf("engine finding = %+v", f)
	}
	for _, c := range []string{"image", "disk", "bind mount"} {
		if got[c].Status != SeveritySkip {
			t.Errorf("%s = %+v, want skipped without the engine", c, got[c])
		}
	}
	if got["project"].Status != SeverityOK || r.Problems != 1 || len(eng.Runs()) != 0 {
		t.Errorf("problems %d, project %+v, runs %d", r.Problems, got["project"], len(eng.Runs()))
	}

	// Permission on the socket is its own problem, with its own fix.
	eng.Fail("Details", &engine.UnreachableError{Endpoint: "unix:///var/run/docker.sock", Err: errors.New("dial unix /var/run/docker.sock: connect: permission denied")})
	if f := findings(Doctor(t.Context(), eng, opt))["engine"]; !strings.Contains(f.Fix, "docker group") {
		t.Errorf("permission denied: %+v", f)
	}

	// No client at all.
	r = Doctor(t.Context(), nil, DoctorOptions{Dir: opt.Dir, Host: opt.Host, EngineErr: errors.New("bad DOCKER_HOST"), LookupEnv: opt.LookupEnv})
	if f := findings(r)["engine"]; f.Status != SeverityFail || f.Message != "bad DOCKER_HOST" {
		t.Errorf("no client: %+v", f)
	}
}

func TestDoctorFindings(t *testing.T) {
	tests := []struct {
		name   string
		change func(*enginetest.Engine, *DoctorOptions, *Project)
		check  string
		status Severity
		want   string
	}{
		{"owner remapped", func(_ *enginetest.Engine, o *DoctorOptions, _ *Project) {
			o.FileOwner = func(string) (int, int, bool, error) { return 101000, 101000, true, nil }
		}, "bind mount", SeverityFail, "owned by uid 101000 on the host"},
		{"write fails", func(e *enginetest.Engine, _ *DoctorOptions, _ *Project) {
			e.OnRun = func(engine.RunRequest) (int, error) { return 1, nil }
		}, "bind mount", SeverityFail, "failed with status 1"},
		{"file not seen on the host", func(e *enginetest.Engine, _ *DoctorOptions, _ *Project) {
			e.OnRun = func(engine.RunRequest) (int, error) { return 0, nil }
		}, "bind mount", SeverityFail, "did not appear"},
		{"image stale", func(e *enginetest.Engine, _ *DoctorOptions, p *Project) {
			e.SetImages(engine.ImageSummary{Image: engine.Image{ID: "sha256:old", Tags: []string{"devenv/doc:0000"}, Labels: map[string]string{LabelProject: p.Spec.Root, LabelName: "doc", LabelFingerprint: "0000"}, Created: time.Now()}})
		}, "image", SeverityWarn, "is not built"},
		{"image of another checkout", func(e *enginetest.Engine, _ *DoctorOptions, p *Project) {
			// The tag is there, but listed under another checkout's label.
			e.SetImages(engine.ImageSummary{Image: engine.Image{ID: "sha256:cur", Tags: []string{p.Tag}, Labels: map[string]string{LabelProject: "/elsewhere/doc", LabelName: "doc", LabelFingerprint: p.Fingerprint}}})
		}, "image", SeverityOK, "is up to date"},
		{"stale image: no probe", func(e *enginetest.Engine, _ *DoctorOptions, _ *Project) { e.SetImages() }, "bind mount", SeveritySkip, "devenv build"},
		{"low disk", func(_ *enginetest.Engine, o *DoctorOptions, _ *Project) {
			o.DiskFree = func(string) (uint64, error) { return 1_200_000_000, nil }
		}, "disk", SeverityWarn, "1.2GB free on the engine's data root /var/lib/docker"},
		{"remote engine", func(e *enginetest.Engine, _ *DoctorOptions, _ *Project) {
			e.SetDetails(detailsWith(func(d *engine.Details) { d.Endpoint = "tcp://build:2376" }))
		}, "disk", SeveritySkip, "not on this machine"},
		{"remote engine: no probe", func(e *enginetest.Engine, _ *DoctorOptions, _ *Project) {
			e.SetDetails(detailsWith(func(d *engine.Details) { d.Endpoint = "ssh://me@build" }))
		}, "bind mount", SeveritySkip, "remote"},
		{"docker desktop", func(e *enginetest.Engine, _ *DoctorOptions, _ *Project) {
			e.SetDetails(detailsWith(func(d *engine.Details) { d.OperatingSystem = "Docker Desktop" }))
		}, "disk", SeveritySkip, "VM"},
		{"old engine", func(e *enginetest.Engine, _ *DoctorOptions, _ *Project) {
			e.SetDetails(detailsWith(func(d *engine.Details) { d.APIVersion = "1.40" }))
		}, "engine", SeverityFail, "API 1.40"},
		{"no buildkit", func(e *enginetest.Engine, _ *DoctorOptions, _ *Project) {
			e.SetDetails(detailsWith(func(d *engine.Details) { d.BuildKit = false }))
		}, "engine", SeverityWarn, "no BuildKit"},
		{"no project", func(_ *enginetest.Engine, o *DoctorOptions, _ *Project) { o.Dir = t.TempDir() }, "project", SeveritySkip, "no devenv.toml"},
		{"bad config", func(_ *enginetest.Engine, o *DoctorOptions, _ *Project) {
			writeFiles(t, o.Dir, map[string]string{ConfigFile: "pacakges = []\n"})
		}, "project", SeverityFail, `unknown key "pacakges"`},
		{"no CA bundle", func(_ *enginetest.Engine, o *DoctorOptions, _ *Project) { o.Host.CABundle = "" }, "CA bundle", SeverityWarn, "no CA bundle found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng, opt, p := doctorFixture(t)
			tt.change(eng, &opt, p)
			r := Doctor(t.Context(), eng, opt)
			f := findings(r)[tt.check]
			if f.Status != tt.status || !strings.Contains(f.Message+" "+f.Fix, tt.want) {
				t.Errorf("%s = %+v, want %s saying %q", tt.check, f, tt.status, tt.want)
			}
			if tt.status == SeverityFail && r.Problems == 0 {
				t.Errorf("a failed check is not counted as a problem")
			}
			if tt.status != SeverityOK && f.Status != SeveritySkip && f.Fix == "" && f.Check != "project" {
				t.Errorf("%s says no fix", f.Check)
			}
		})
	}
}

func TestDoctorProxyNamesOnly(t *testing.T) {
	eng, opt, _ := doctorFixture(t)
	vars := map[string]string{"HTTPS_PROXY": "http://me:s3cret@127.0.0.1:3128", "NO_PROXY": "internal.example"}
	opt.LookupEnv = func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	r := Doctor(t.Context(), eng, opt)
	f := findings(r)["proxy"]
	if f.Status != SeverityWarn || !strings.Contains(f.Message, "HTTPS_PROXY, NO_PROXY set") || !strings.Contains(f.Fix, "HTTPS_PROXY points at") {
		t.Errorf("proxy = %+v", f)
	}
	for _, f := range r.Findings {
		if strings.Contains(f.Message+f.Fix, "s3cret") || strings.Contains(f.Message+f.Fix, "internal.example") {
			t.Errorf("%s shows a proxy value: %+v", f.Check, f)
		}
	}
	vars = map[string]string{"http_proxy": "proxy.corp:8080"}
	if f := findings(Doctor(t.Context(), eng, opt))["proxy"]; f.Status != SeverityOK {
		t.Errorf("a remote proxy: %+v", f)
	}
}

// API versions compare as numbers, part by part: 1.9 is older than 1.41.
func TestEngineFindingAPIVersion(t *testing.T) {
	for api, tooOld := range map[string]bool{"1.40": true, "1.41": false, "1.9": true, "1.43": false, "2.0": false} {
		f := engineFinding(engine.Details{APIVersion: api, OS: "linux", BuildKit: true})
		if got := f.Status == SeverityFail; got != tooOld {
			t.Errorf("API %s against minimum %s: %+v", api, MinAPIVersion, f)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0B", 999: "999B", 1_980_000: "1.98MB", 718_000_000: "718MB", 71_234_000_000: "71.2GB", 5_000_000_000: "5GB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

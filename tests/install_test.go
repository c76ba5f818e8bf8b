//go:build linux

package tests

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/devenv/devenv/env"
)

// The install scripts (install_*.txtar) run against the files scripts/release.sh
// builds, served by a loopback HTTP server each script starts.

// releaseVersion is the version the test release build stamps.
const releaseVersion = "1.2.3"

// releaseTargets keeps the test build short: the platform the tests run on, and
// Windows for the zip and the Scoop manifest. RELEASE_TARGETS asks for others.
const releaseTargets = "linux/amd64 windows/amd64"

var (
	releaseOnce sync.Once
	releaseDir  string
	releaseErr  error
)

func init() {
	scriptCmds["release"] = cmdRelease
	scriptCmds["releaseserve"] = cmdReleaseServe
}

// buildRelease runs scripts/release.sh once per test run, into the binary directory
// that TestMain removes at the end.
func buildRelease() (string, error) {
	releaseOnce.Do(func() {
		dir := filepath.Join(binDir, "release")
		targets := releaseTargets
		if v := os.Getenv("RELEASE_TARGETS"); v != "" {
			targets = v
		}
		cmd := exec.Command("bash", "../scripts/release.sh")
		cmd.Env = append(os.Environ(), "DEVENV_DIST="+dir, "DEVENV_VERSION="+releaseVersion, "DEVENV_TARGETS="+targets)
		out, err := cmd.CombinedOutput()
		if err != nil {
			releaseErr = fmt.Errorf("scripts/release.sh: %v\n%s", err, out)
			return
		}
		// World-readable: the non-root test user installs from it.
		releaseErr = filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Chmod(p, 0o755)
		})
		releaseDir = dir
	})
	return releaseDir, releaseErr
}

// release: build the release files (once per run) and set RELEASE to their directory,
// SCRIPTS to scripts/ and VERSION to the stamped version.
func cmdRelease(ts *testscript.TestScript, neg bool, args []string) {
	dir, err := buildRelease()
	if err != nil {
		ts.Fatalf("%v", err)
	}
	scripts, err := filepath.Abs("../scripts")
	ts.Check(err)
	ts.Setenv("RELEASE", dir)
	ts.Setenv("SCRIPTS", scripts)
	ts.Setenv("VERSION", releaseVersion)
}

// releaseserve [-down | -tamper | -truncate | -latest V]: serve $RELEASE on
// 127.0.0.1 and set BASE_URL to it, until the script ends. -down gives an address
// where nothing listens; -tamper flips a byte of every archive (same length);
// -truncate sends half of each archive under the whole one's Content-Length, then
// hangs up; -latest answers V to /latest.
func cmdReleaseServe(ts *testscript.TestScript, neg bool, args []string) {
	dir := ts.Getenv("RELEASE")
	if dir == "" {
		ts.Fatalf("releaseserve: run release first")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Setenv("BASE_URL", "http://"+l.Addr().String())
	mode, latest := "", ""
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-down", "-tamper", "-truncate":
			mode = args[i]
		case "-latest":
			if i+1 == len(args) {
				ts.Fatalf("usage: releaseserve -latest VERSION")
			}
			latest = args[i+1]
			i++
		default:
			ts.Fatalf("usage: releaseserve [-down | -tamper | -truncate | -latest V]")
		}
	}
	if mode == "-down" {
		l.Close()
		return
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if latest != "" && name == "latest" {
			_, _ = io.WriteString(w, latest+"\n")
			return
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.Base(name)))
		if err != nil || name == "" {
			http.NotFound(w, r)
			return
		}
		archive := strings.HasSuffix(name, ".tar.gz") || strings.HasSuffix(name, ".zip")
		switch {
		case archive && mode == "-tamper":
			data[len(data)/2] ^= 0xff
		case archive && mode == "-truncate":
			w.Header().Set("Content-Length", fmt.Sprint(len(data)))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(data[:len(data)/2])
			// Hang up mid-body, as a dropped connection does.
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
				}
			}
			return
		}
		_, _ = w.Write(data)
	})}
	go func() { _ = srv.Serve(l) }()
	ts.Defer(func() { srv.Close() })
}

// TestInstallPs1 checks install.ps1 by its text only: there is no PowerShell here. It
// must read the release page install.sh and `devenv version --check` read, ask for the
// files install.sh asks for, and refuse a checksum mismatch.
func TestInstallPs1(t *testing.T) {
	b, err := os.ReadFile("../scripts/install.ps1")
	if err != nil {
		t.Fatal(err)
	}
	ps := string(b)
	sh, err := os.ReadFile("../scripts/install.sh")
	if err != nil {
		t.Fatal(err)
	}
	// One release page for the two scripts and `devenv version --check`.
	if got := defaultBaseURL(t, string(sh)); got != env.ReleaseBaseURL {
		t.Errorf("install.sh's DEFAULT_BASE_URL %s, env.ReleaseBaseURL %s", got, env.ReleaseBaseURL)
	}
	for _, want := range []string{
		"$DefaultBaseUrl = '" + env.ReleaseBaseURL + "'",
		"$env:DEVENV_BASE_URL",
		`"$BaseUrl/checksums.txt"`,
		`$Archive = "devenv_windows_$Arch.zip"`,
		"Get-FileHash -Algorithm SHA256",
		"if ($Got -ne $Want)",
		"Join-Path $env:LOCALAPPDATA 'devenv\\bin'",
	} {
		if !strings.Contains(ps, want) {
			t.Errorf("install.ps1 lacks %s", want)
		}
	}
	for _, never := range []string{"RunAs", "Administrator", "Machine'"} {
		if strings.Contains(ps, never) {
			t.Errorf("install.ps1 mentions %s: it must never need an administrator", never)
		}
	}
}

func defaultBaseURL(t *testing.T, sh string) string {
	for _, line := range strings.Split(sh, "\n") {
		if v, ok := strings.CutPrefix(line, "DEFAULT_BASE_URL="); ok {
			return strings.Trim(v, `"`)
		}
	}
	t.Fatal("install.sh has no DEFAULT_BASE_URL")
	return ""
}

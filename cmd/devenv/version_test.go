package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

func TestVersion(t *testing.T) {
	eng := enginetest.New()
	eng.SetDetails(engine.Details{Endpoint: "unix:///var/run/docker.sock", ServerVersion: "20.10.24", APIVersion: "1.41", ClientAPIVersion: "1.41", OS: "linux", Arch: "arm64"})
	f, out, errOut := testFactory(eng)
	if code := runApp(t, f, nil, "version"); code != exitOK {
		t.Fatalf("exit status %d: %s", code, errOut)
	}
	want := "devenv   " + env.Version + "\n" +
		"go       " + runtime.Version() + "\n" +
		"os/arch  " + runtime.GOOS + "/" + runtime.GOARCH + "\n" +
		"engine   Docker 20.10.24, API 1.41 (negotiated 1.41), linux/arm64, at unix:///var/run/docker.sock\n"
	if out.String() != want {
		t.Errorf("version:\n%s\nwant:\n%s", out, want)
	}

	// An engine that does not answer is reported, not an error.
	eng.Fail("Details", &engine.UnreachableError{Endpoint: "unix:///nonexistent", Err: syscall.ENOENT})
	f, out, errOut = testFactory(eng)
	if code := runApp(t, f, nil, "version"); code != exitOK || errOut.Len() != 0 {
		t.Errorf("exit status %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out.String(), "engine   not reachable (cannot reach Docker at unix:///nonexistent: ") {
		t.Errorf("version without engine:\n%s", out)
	}

	f, out, _ = testFactory(eng)
	runApp(t, f, nil, "version", "--json")
	var v versionInfo
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || v.Version != env.Version || v.Engine != nil || !strings.Contains(v.EngineError, "unix:///nonexistent") {
		t.Errorf("version --json = %s (%v)", out, err)
	}
}

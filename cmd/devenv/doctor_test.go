package main

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

func TestDoctor(t *testing.T) {
	eng := enginetest.New()
	eng.SetDetails(engine.Details{Endpoint: "unix:///var/run/docker.sock", ServerVersion: "20.10.24", APIVersion: "1.41", ClientAPIVersion: "1.41",
		OS: "linux", Arch: "amd64", RootDir: t.TempDir(), BuildKit: true})
	dir := t.TempDir() // no project: the project's checks are skipped

	f, out, errOut := testFactory(eng)
	if code := runApp(t, f, nil, "-C", dir, "doctor"); code != exitOK {
		t.Fatalf("exit status %d: %s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.HasPrefix(lines[0], "ok    engine      Docker 20.10.24 at unix:///var/run/docker.sock") {
		t.Errorf("first line = %q", lines[0])
	}
	for _, check := range []string{"project", "CA bundle", "proxy", "disk", "bind mount"} {
		if !strings.Contains(out.String(), "  "+check+"  ") {
			t.Errorf("no %s line in:\n%s", check, out)
		}
	}
	if !strings.Contains(out.String(), "-> run `devenv init`") || !strings.HasPrefix(errOut.String(), "no problems found") {
		t.Errorf("stdout:\n%s\nstderr: %q", out, errOut)
	}

	// The engine does not answer: the endpoint is named, and doctor fails.
	eng.Fail("Details", &engine.UnreachableError{Endpoint: "unix:///nonexistent", Err: syscall.ENOENT})
	f, out, errOut = testFactory(eng)
	if code := runApp(t, f, nil, "-C", dir, "doctor"); code != exitError {
		t.Errorf("exit status %d, want %d", code, exitError)
	}
	if !strings.Contains(out.String(), "fail  engine      cannot reach Docker at unix:///nonexistent") || errOut.String() != "devenv: doctor found 1 problem\n" {
		t.Errorf("stdout:\n%s\nstderr: %q", out, errOut)
	}

	f, out, _ = testFactory(eng)
	if code := runApp(t, f, nil, "-C", dir, "doctor", "--json"); code != exitError {
		t.Errorf("--json: exit status %d, want %d", code, exitError)
	}
	var rep env.DoctorReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Problems != 1 || rep.Findings[0].Status != env.SeverityFail {
		t.Errorf("doctor --json = %s (%v)", out, err)
	}

	// No engine client at all.
	f, out, _ = testFactory(nil)
	if code := runApp(t, f, nil, "-C", dir, "doctor"); code != exitError || !strings.Contains(out.String(), "fail  engine") {
		t.Errorf("no engine: %d\n%s", code, out)
	}
}

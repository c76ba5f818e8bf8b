package main

import (
	"strings"
	"testing"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

// version names the engine's software: Podman through its Docker-compatible socket.
func TestVersionNamesPodman(t *testing.T) {
	eng := enginetest.New()
	eng.SetDetails(engine.Details{Kind: engine.KindPodman, Endpoint: "unix:///run/podman/podman.sock", ServerVersion: "4.3.1", APIVersion: "1.41", ClientAPIVersion: "1.41", OS: "linux", Arch: "amd64"})
	f, out, errOut := testFactory(eng)
	if code := runApp(t, f, nil, "version"); code != exitOK {
		t.Fatalf("exit status %d: %s", code, errOut)
	}
	if !strings.Contains(out.String(), "engine   Podman 4.3.1, API 1.41 (negotiated 1.41), linux/amd64, at unix:///run/podman/podman.sock\n") {
		t.Errorf("version:\n%s", out)
	}
}

package env

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devenv/devenv/env/engine"
)

func TestPodmanFindings(t *testing.T) {
	local := engine.Details{Kind: engine.KindPodman, Endpoint: "unix:///run/podman/podman.sock", RootDir: "/var/lib/containers/storage", OS: "linux"}
	if f := podmanFindings(engine.Details{Kind: engine.KindDocker}, findCatatonit); f != nil {
		t.Fatalf("findings for Docker: %v", f)
	}
	got := podmanFindings(local, func() string { return "/usr/libexec/podman/catatonit" })
	if len(got) != 2 || got[0].Check != "builder" || got[0].Status != SeverityOK || !strings.Contains(got[0].Message, "no BuildKit") ||
		!strings.Contains(got[0].Message, "buildah") || !strings.Contains(got[0].Message, "CA bundle") || got[1].Status != SeverityOK {
		t.Errorf("Podman with catatonit: %+v", got)
	}
	got = podmanFindings(local, func() string { return "" })
	if got[1].Status != SeverityFail || !strings.Contains(got[1].Fix, "apt-get install catatonit") {
		t.Errorf("Podman without catatonit: %+v", got[1])
	}
	remote := local
	remote.Endpoint = "tcp://10.0.0.2:8080"
	if got = podmanFindings(remote, func() string { return "" }); got[1].Status != SeveritySkip {
		t.Errorf("remote Podman: %+v", got[1])
	}
}

// A Podman socket in the user's runtime directory is named, with the setting that
// uses it; nothing is named when there is none.
func TestPodmanHint(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) (string, bool) {
		if k == "XDG_RUNTIME_DIR" {
			return dir, true
		}
		return "", false
	}
	if _, err := os.Stat("/run/podman/podman.sock"); err == nil {
		t.Skip("this machine has a system Podman socket")
	}
	if h := podmanHint(env); h != "" {
		t.Errorf("hint without a socket: %q", h)
	}
	sock := filepath.Join(dir, "podman", "podman.sock")
	if err := os.MkdirAll(filepath.Dir(sock), 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("cannot make a unix socket here: %v", err)
	}
	defer l.Close()
	if h := podmanHint(env); !strings.Contains(h, "export DOCKER_HOST=unix://"+sock) {
		t.Errorf("hint = %q", h)
	}
}

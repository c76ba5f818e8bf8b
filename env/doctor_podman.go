package env

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/devenv/devenv/env/engine"
)

// kindName is the engine's software for messages; an engine that did not say is
// taken for Docker, as the client does.
func kindName(k engine.Kind) string {
	if k == "" {
		return string(engine.KindDocker)
	}
	return string(k)
}

// podmanInitDirs are where Podman looks for its init binary (catatonit) before PATH:
// containers.conf's default init_path and helper_binaries_dir.
var podmanInitDirs = []string{"/usr/libexec/podman", "/usr/local/libexec/podman", "/usr/local/lib/podman", "/usr/lib/podman"}

// findCatatonit is the init binary Podman runs in containers created with Init, as
// Podman finds it on this machine; "" when there is none.
func findCatatonit() string {
	for _, dir := range podmanInitDirs {
		p := filepath.Join(dir, "catatonit")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	if p, err := exec.LookPath("catatonit"); err == nil {
		return p
	}
	return ""
}

// podmanFindings are what Podman does not do as Docker does: it builds with buildah,
// without a BuildKit session, and runs devenv's containers (created with Init) only
// with catatonit installed on the engine's machine.
func podmanFindings(d engine.Details, findInit func() string) []Finding {
	if d.Kind != engine.KindPodman {
		return nil
	}
	builder := Finding{
		Check: "builder", Status: SeverityOK,
		Message: "Podman serves no BuildKit: devenv builds with its buildah, which keeps package caches between builds (RUN --mount=type=cache) and gives build steps the host's CA bundle from the build context (RUN --mount=type=bind), never in a layer",
	}
	init := Finding{Check: "init"}
	switch path := findInit(); {
	case !engineIsLocal(d):
		init.Status, init.Message = SeveritySkip, fmt.Sprintf("the engine at %s is not on this machine: devenv's containers need catatonit installed there", d.Endpoint)
	case path == "":
		init.Status, init.Message = SeverityFail, "catatonit, the init Podman runs in devenv's containers, is not installed: `devenv run` and `devenv shell` fail"
		init.Fix = "install it: `sudo apt-get install catatonit` (Debian, Ubuntu) or `sudo dnf install catatonit` (Fedora)"
	default:
		init.Status, init.Message = SeverityOK, "catatonit, the init Podman runs in devenv's containers, is at "+path
	}
	return []Finding{builder, init}
}

// podmanSockets are where Podman's API socket usually listens: the user's (rootless)
// and the system's (rootful).
func podmanSockets(lookupEnv func(string) (string, bool)) []string {
	return engine.PodmanSockets(func(k string) string { v, _ := lookupEnv(k); return v })
}

// podmanHint, when no engine answered: devenv never falls back to another engine on
// its own when one is set (DOCKER_HOST, a context) or Docker's socket is there (it
// uses Podman's socket only when none of them is: engine.Resolve), but a Podman
// socket that exists is worth naming, with the setting that uses it.
func podmanHint(lookupEnv func(string) (string, bool)) string {
	for _, sock := range podmanSockets(lookupEnv) {
		if fi, err := os.Stat(sock); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return fmt.Sprintf("a Podman socket is at %s: to use Podman, `export DOCKER_HOST=unix://%s`", sock, sock)
		}
	}
	return ""
}

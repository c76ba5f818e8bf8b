package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"
)

// A rootless engine runs its containers in a user namespace of the user who started
// it: the container's root is that user on the host, and every other container UID
// is one of the user's subordinate IDs (/etc/subuid). A file a container's UID 1000
// writes into a bind mount belongs on the host to 100999 or so, not to the user.
// devenv reads the mode from the engine, never from its socket's path.

// engineInfo is the engine's /info: the Docker client's own type, and the field that
// says whether the engine is rootless. Docker lists "name=rootless" among its security
// options; Podman's compatible /info answers with a Rootless field of its own (the
// libpod API's host.security.rootless), which the Docker client's types do not decode.
type engineInfo struct {
	system.Info
	Rootless bool `json:"Rootless"`
}

func (i engineInfo) rootless() bool {
	return i.Rootless || slices.ContainsFunc(i.SecurityOptions, func(o string) bool {
		// "name=rootless", possibly followed by options of its own.
		name, _, _ := strings.Cut(o, ",")
		return name == "name=rootless"
	})
}

// readRootless asks the engine's /info whether it is rootless: a request of its own,
// on the client's connection, so that a field the Docker client drops is read too.
func (d *Docker) readRootless(ctx context.Context) (bool, error) {
	u, err := client.ParseHostURL(d.cli.DaemonHost())
	if err != nil {
		return false, err
	}
	host := u.Host
	if u.Scheme == "unix" || u.Scheme == "npipe" {
		host = "docker" // any name: the transport dials the socket
	}
	scheme := "http"
	if d.https {
		scheme = "https"
	}
	path := "/info"
	if v := d.cli.ClientVersion(); v != "" {
		path = "/v" + v + path
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+host+path, nil)
	if err != nil {
		return false, err
	}
	resp, err := d.cli.HTTPClient().Do(req)
	if err != nil {
		return false, d.wrap(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("the engine's /info answered %s", resp.Status)
	}
	var info engineInfo
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		return false, fmt.Errorf("the engine's /info: %w", err)
	}
	return info.rootless(), nil
}

// serverVersion is the engine's /version as identify read it (Podman takes a second
// to answer), else asked now. Its /info is asked each time: what it says changes.
func (d *Docker) serverVersion(ctx context.Context) (types.Version, error) {
	d.identMu.Lock()
	v := d.version
	d.identMu.Unlock()
	if v != nil {
		return *v, nil
	}
	return d.cli.ServerVersion(ctx)
}

// FromPodmanSocket is Target.From for an engine found at Podman's usual socket.
const FromPodmanSocket = "Podman's socket"

// isSocketFile reports whether a unix socket is at path; a variable for tests.
var isSocketFile = func(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode()&os.ModeSocket != 0
}

// PodmanSockets are where Podman's API socket usually listens: the user's own
// (rootless, $XDG_RUNTIME_DIR/podman/podman.sock) first, then the system's (rootful).
func PodmanSockets(getenv func(string) string) []string {
	var out []string
	if dir := getenv("XDG_RUNTIME_DIR"); dir != "" {
		out = append(out, filepath.Join(dir, "podman", "podman.sock"))
	}
	return append(out, "/run/podman/podman.sock")
}

// podmanSocket is the Podman socket to use when nothing chose an engine (no
// --context, DOCKER_HOST, DOCKER_CONTEXT or current context) and Docker's own
// socket is not there: the first of PodmanSockets that is a socket; "" otherwise.
// Where Docker's socket is, it is used, as the docker CLI would: devenv never picks
// another engine than the docker CLI's when that one exists.
func podmanSocket(getenv func(string) string) string {
	def, ok := strings.CutPrefix(client.DefaultDockerHost, "unix://")
	if !ok || isSocketFile(def) {
		return "" // Windows' named pipe, or Docker's socket is there
	}
	for _, sock := range PodmanSockets(getenv) {
		if isSocketFile(sock) {
			return sock
		}
	}
	return ""
}

// found names what chose the engine when no setting did, for version and doctor.
func (d *Docker) found() string {
	if d.target.From == FromPodmanSocket {
		return FromPodmanSocket
	}
	return ""
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/docker/docker/api/types"
)

// Kind is the software behind the engine's Docker-compatible API. What devenv does
// depends on what the engine serves, read from the engine itself, never from its
// address: Podman's socket looks like Docker's.
type Kind string

const (
	KindDocker Kind = "Docker"
	// KindPodman serves the API without BuildKit: no build session, no RUN --mount.
	KindPodman Kind = "Podman"
	// KindKubernetes is env/kube's engine: pods on a cluster, images built by Docker.
	KindKubernetes Kind = "Kubernetes"
)

// kindOf reads the engine's software from its version answer: Podman lists itself
// as the component "Podman Engine" (and its ping carries Libpod headers the client
// does not expose); everything else is taken for Docker.
func kindOf(v types.Version) Kind {
	for _, c := range v.Components {
		if strings.HasPrefix(c.Name, "Podman") {
			return KindPodman
		}
	}
	return KindDocker
}

// servesBuildKit: the engine runs BuildKit builds with a session, for RUN --mount
// caches and secrets. Every Linux Docker Engine since 18.09 does, whatever its
// default builder; Windows containers and Podman do not. DEVENV_BUILDKIT=0 turns it
// off for a Docker engine, to try the classic builder.
func servesBuildKit(kind Kind, osType string) bool {
	return kind == KindDocker && osType != "windows" && os.Getenv("DEVENV_BUILDKIT") != "0"
}

// identifyTimeout bounds identify, after the ping answered.
const identifyTimeout = 30 * time.Second

// identify asks the engine what it is, once per client: its kind, OS and whether it
// is rootless. The ping alone does not say (Podman's carries no OS type).
func (d *Docker) identify(ctx context.Context, pingOS string) (Kind, string, error) {
	d.identMu.Lock()
	defer d.identMu.Unlock()
	if d.kind != "" {
		return d.kind, d.osType, nil
	}
	// Both at once on a local socket: each can take a second on Podman. Over ssh or
	// TCP one after the other, on the one connection: a second one at once would be
	// a second ssh process or TLS handshake.
	type rootlessAnswer struct {
		rootless bool
		err      error
	}
	rl := make(chan rootlessAnswer, 1)
	askRootless := func() {
		r, err := d.readRootless(ctx)
		rl <- rootlessAnswer{r, err}
	}
	if isSocket(d.target.Host) {
		go askRootless()
	}
	v, err := d.cli.ServerVersion(ctx)
	if !isSocket(d.target.Host) && err == nil {
		askRootless()
	} else if !isSocket(d.target.Host) {
		rl <- rootlessAnswer{}
	}
	ra := <-rl
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return "", "", fmt.Errorf("the engine at %s answered its ping but not /version within %s: the engine is overloaded or stuck (devenv doctor)", d.target.where(), identifyTimeout)
		}
		return "", "", d.wrap(err)
	}
	kind, osType := kindOf(v), v.Os
	if osType == "" {
		osType = pingOS
	}
	// An engine whose /info does not answer is taken for a rootful one, as before
	// devenv asked; a cancelled command is not, and an engine too slow to say is an
	// error rather than a guess that would give the user's files to another UID.
	rootless, err := ra.rootless, ra.err
	switch {
	case err != nil && errors.Is(err, context.Canceled):
		return "", "", err
	case err != nil && errors.Is(err, context.DeadlineExceeded):
		return "", "", fmt.Errorf("the engine at %s did not say within %s whether it is rootless (its /info): the engine is overloaded or stuck (devenv doctor)", d.target.where(), identifyTimeout)
	}
	d.kind, d.osType, d.rootless, d.version = kind, osType, rootless, &v
	return d.kind, d.osType, nil
}

// FamiliarTag is how devenv writes an image's name: Podman reports the tags it
// stores as docker.io/devenv/app:1a2b (built through the API) or
// localhost/devenv/app:1a2b (built or loaded by its CLI), Docker as devenv/app:1a2b;
// all three are devenv/app:1a2b here, so listings compare tags with devenv's own.
// A tag that does not parse is returned as it is.
func FamiliarTag(tag string) string {
	named, err := reference.ParseNormalizedNamed(tag)
	if err != nil {
		return tag
	}
	if reference.Domain(named) == "localhost" {
		// Podman's name for an image of no registry; the path alone is Docker's.
		if again, err := reference.ParseNormalizedNamed(strings.TrimPrefix(tag, "localhost/")); err == nil {
			named = again
		}
	}
	return reference.FamiliarString(named)
}

// imageTags are an image's tags as devenv writes them (FamiliarTag), each once,
// without the "<none>:<none>" some engines list for an untagged image.
func imageTags(repoTags []string) []string {
	out := make([]string, 0, len(repoTags))
	for _, t := range repoTags {
		if t == "<none>:<none>" {
			continue
		}
		if t = FamiliarTag(t); !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

package env

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Every label devenv puts on what it makes, and every name it gives: clean-up,
// listing and reuse select by these labels alone, and a second engine must name its
// resources the same way for status and clean to find them.

// Labels devenv puts on every image and container it makes; clean-up selects by them.
const (
	LabelProject     = "dev.devenv.project"
	LabelName        = "dev.devenv.name"
	LabelFingerprint = "dev.devenv.fingerprint"
	LabelVersion     = "dev.devenv.version"
	// LabelContainer is set on the containers devenv creates and never on images, so
	// a container someone else starts from a devenv image (it inherits the image's
	// labels) is never taken for devenv's: run, persistent or service.
	LabelContainer = "dev.devenv.container"
	// LabelInputs holds, on each image, a digest per input, so that `devenv status`
	// can say which input made an image stale.
	LabelInputs = "dev.devenv.inputs"
	// LabelPersistent marks the warm container of a persistent environment.
	LabelPersistent = "dev.devenv.persistent"
	// LabelService and LabelConfigHash mark the resources of a project's services,
	// beside the project labels: which service, and the configuration it runs.
	LabelService    = "dev.devenv.service"
	LabelConfigHash = "dev.devenv.config-hash"
	// LabelMounts holds, on a warm container, a hash of what is mounted in it (mounts,
	// the agent's socket, ...): a change replaces the container, as a new image does.
	LabelMounts = "dev.devenv.mounts"
	// LabelHooks holds, on a warm container, a hash of the hooks it ran when it
	// started; LabelCreated, on a marker volume, the image, mounts and on_create a
	// fresh environment's on_create ran for (hooks.go).
	LabelHooks   = "dev.devenv.hooks"
	LabelCreated = "dev.devenv.created"
	// LabelEnv holds, on a warm container, a hash of the [env] values it started with.
	LabelEnv = "dev.devenv.env"
	// LabelClient names, on a fresh container, the devenv that waits for it (the
	// machine's boot id, its pid and start time): `devenv ps` marks the container
	// when that devenv is gone, and `devenv clean` removes it.
	LabelClient = "dev.devenv.client"
	// LabelSpare holds, on a spare (a container started ahead for the next command,
	// spare.go), the sum of everything it was made with: image ID, devenv.toml,
	// user, project path, mounts, ...; a spare is used only when it is still the sum
	// the command's container would have. LabelSpareImage is the image's ID.
	LabelSpare      = "dev.devenv.spare"
	LabelSpareImage = "dev.devenv.spare-image"
)

// ImageTag is the content-addressed tag of a spec's image.
func ImageTag(name, fingerprint string) string { return "devenv/" + name + ":" + fingerprint }

// OwnDockerfileTag is the image the project's own Dockerfile builds into, tagged by
// the sum of the Dockerfile and its context.
func OwnDockerfileTag(project, sum string) string {
	return "devenv/" + project + "-dockerfile:" + sum
}

// ServiceImageTag is the tag of a built service's image.
func ServiceImageTag(project, service, sum string) string {
	return "devenv/" + project + "-svc-" + service + ":" + sum
}

// ServiceNetwork is the network a project's services and environment share, named
// after the project and its root so two checkouts of one project do not meet.
func ServiceNetwork(s *Spec) string {
	sum := sha256.Sum256([]byte(s.Root))
	return "devenv-" + s.Name + "-" + hex.EncodeToString(sum[:])[:8]
}

// VolumeName is the engine's name of a project's named volume.
func VolumeName(project, volume string) string { return "devenv-" + project + "-" + volume }

// TreeVolume is the volume that holds the project's tree on an engine that cannot see
// the project's path (synced mode), one per checkout: named after the project and its
// root, as ServiceNetwork is.
func TreeVolume(s *Spec) string {
	sum := sha256.Sum256([]byte(s.Root))
	return "devenv-" + s.Name + "-tree-" + hex.EncodeToString(sum[:])[:8]
}

// LabelTree marks the volume of a project's synced tree; its value is the host root.
const LabelTree = "dev.devenv.tree"

// ServiceContainerName is the name of a service's container.
func ServiceContainerName(project, service string) string { return "devenv-" + project + "-" + service }

// persistentName is the warm container's name: one per project and image, so every
// terminal finds the same one.
func persistentName(p *Project) string {
	return "devenv-" + p.Spec.Name + "-" + p.Fingerprint[:12]
}

// containerName is a fresh name for a container that runs one command.
func containerName(name string) string {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("devenv-%s-%d", name, time.Now().UnixNano()%1e6)
	}
	return "devenv-" + name + "-" + hex.EncodeToString(b[:])
}

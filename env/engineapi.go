package env

import (
	"context"
	"io"
	"time"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/kube"
)

// What devenv asks of a container engine, one small interface per thing it acts on,
// composed into Engine here and nowhere else. engine.Docker implements all of it; a
// Podman or Kubernetes engine would implement the same methods on devenv's own types.
// Every command is handed the whole Engine; a core function takes the narrowest of
// these that it needs, so that what it can touch is plain from its signature.

// InfoEngine says whether the engine answers, and what it is.
type InfoEngine interface {
	Ping(ctx context.Context) (engine.Info, error)
	Details(ctx context.Context) (engine.Details, error)
}

// ImageEngine builds, finds, lists and removes images.
type ImageEngine interface {
	ImageExists(ctx context.Context, ref string) (bool, error)
	Build(ctx context.Context, req engine.BuildRequest) error
	Images(ctx context.Context, labels map[string]string) ([]engine.Image, error)
	ImageSummaries(ctx context.Context, labels map[string]string) ([]engine.ImageSummary, error)
	RemoveImageUnlessUsed(ctx context.Context, ref string) error
	// ImageIdentity is an image's ID and registry digests (devenv.lock, the fingerprint).
	ImageIdentity(ctx context.Context, ref string) (engine.ImageIdentity, bool, error)
}

// ContainerEngine runs containers, runs commands in them, lists them and ends them.
type ContainerEngine interface {
	Run(ctx context.Context, req engine.RunRequest) (int, error)
	StartDetached(ctx context.Context, req engine.RunRequest) (string, error)
	StartService(ctx context.Context, req engine.ServiceRequest) (string, error)
	Exec(ctx context.Context, container string, cmd []string, user string, env []string, out io.Writer) (int, error)
	ExecAttached(ctx context.Context, req engine.ExecRequest) (int, error)
	Logs(ctx context.Context, id string, tail int) (string, error)
	Containers(ctx context.Context, labels map[string]string) ([]engine.Container, error)
	StopContainer(ctx context.Context, id string, timeout time.Duration) error
	RestartContainer(ctx context.Context, id string, timeout time.Duration) error
	KillContainer(ctx context.Context, id, signal string) error
	RemoveContainer(ctx context.Context, id string, force bool) error
}

// NetworkEngine makes, lists and removes the networks services share.
type NetworkEngine interface {
	EnsureNetwork(ctx context.Context, name string, labels map[string]string) error
	Networks(ctx context.Context, labels map[string]string) ([]engine.Network, error)
	RemoveNetwork(ctx context.Context, id string) error
}

// VolumeEngine makes, lists and removes the named volumes services keep data in.
type VolumeEngine interface {
	EnsureVolume(ctx context.Context, name string, labels map[string]string) error
	Volumes(ctx context.Context, labels map[string]string) ([]engine.Volume, error)
	RemoveVolume(ctx context.Context, name string) error
}

// RegistryEngine tags, pushes and pulls images. Credentials are the engine's
// business: Docker's reads what `docker login` left.
type RegistryEngine interface {
	TagImage(ctx context.Context, src, dst string) error
	PushImage(ctx context.Context, ref string, out io.Writer) error
	PullImage(ctx context.Context, ref string, out io.Writer) error
}

// ArchiveEngine creates a container without starting it and copies files into and
// out of containers as tar streams: how devenv asks an engine whether it sees the
// project's path, and how it syncs the tree with one that does not.
type ArchiveEngine interface {
	CreateContainer(ctx context.Context, req engine.RunRequest) (string, error)
	CopyTo(ctx context.Context, container, dir string, content io.Reader) error
	CopyFrom(ctx context.Context, container, path string) (io.ReadCloser, error)
}

// CacheEngine lists and prunes the build cache, which keeps a removed image's
// layers on the engine's disk.
type CacheEngine interface {
	BuildCache(ctx context.Context) ([]engine.CacheRecord, error)
	PruneBuildCache(ctx context.Context, id string) (int64, error)
}

// SpareEngine keeps a container started ahead for the next command and hands it
// over (spare.go): started so that the engine removes it when it ends, claimed by a
// rename that only one client can win, matched against the image's ID.
type SpareEngine interface {
	StartSpare(ctx context.Context, req engine.RunRequest) (string, error)
	RenameContainer(ctx context.Context, id, name string) error
	ImageID(ctx context.Context, ref string) (string, error)
}

// ImageIOEngine writes an image to a tar stream and loads one (offline bundles), and
// makes an image of a created container (the host user's layer on a shared image,
// added without running a build step).
type ImageIOEngine interface {
	SaveImage(ctx context.Context, ref string) (io.ReadCloser, error)
	LoadImage(ctx context.Context, r io.Reader) error
	CommitContainer(ctx context.Context, container string, req engine.CommitRequest) error
	// RegistryHas asks a registry whether it holds ref, without pulling it (whether
	// the shared cache has a layer cache to offer).
	RegistryHas(ctx context.Context, ref string) (bool, error)
}

// ClusterEngine is an engine on a cluster with doctor's checks of its own (env/kube:
// the namespace, the rights devenv needs there, how images reach the nodes). It is not
// part of Engine: doctor asks for it with an interface check, and Docker has none.
type ClusterEngine interface {
	ClusterChecks(ctx context.Context) []kube.Check
}

// Engine is a whole container engine: what every command is handed.
type Engine interface {
	InfoEngine
	ImageEngine
	ContainerEngine
	NetworkEngine
	VolumeEngine
	RegistryEngine
	ArchiveEngine
	CacheEngine
	ImageIOEngine
	SpareEngine
}

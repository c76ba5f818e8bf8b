package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/errdefs"
)

// Container is a container as listed by the engine, running or not.
type Container struct {
	ID      string
	Name    string
	Image   string // the reference it was created from
	ImageID string
	// State is the engine's one word: running, exited, created, paused, restarting,
	// removing or dead.
	State string
	// Status is the engine's words for a person: "Up 3 minutes", "Exited (0) 1 hour ago".
	Status  string
	Created time.Time
	Labels  map[string]string
}

// listed is what the engine listed in devenv's types, or its error.
func listed[T, U any](d *Docker, list []T, err error, conv func(T) U) ([]U, error) {
	if err != nil {
		return nil, d.wrap(err)
	}
	out := make([]U, 0, len(list))
	for _, x := range list {
		out = append(out, conv(x))
	}
	return out, nil
}

// labelFilter selects by label: key=value, or only key when value is empty.
func labelFilter(labels map[string]string) filters.Args {
	args := filters.NewArgs()
	for k, v := range labels {
		if v == "" {
			args.Add("label", k)
		} else {
			args.Add("label", k+"="+v)
		}
	}
	return args
}

// Containers lists the containers, running or stopped, carrying every one of the
// labels (key=value; a key with an empty value only has to be present). No labels: every
// container on the engine.
func (d *Docker) Containers(ctx context.Context, labels map[string]string) ([]Container, error) {
	list, err := d.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: labelFilter(labels)})
	if err != nil {
		return nil, d.wrap(err)
	}
	out := make([]Container, 0, len(list))
	for _, c := range list {
		name := c.ID[:min(12, len(c.ID))]
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		out = append(out, Container{
			ID: c.ID, Name: name, Image: FamiliarTag(c.Image), ImageID: c.ImageID,
			State: string(c.State), Status: c.Status, Created: time.Unix(c.Created, 0), Labels: c.Labels,
		})
	}
	return out, nil
}

// StopContainer stops a container: SIGTERM, then SIGKILL after timeout. A container
// that removes itself when it exits (every one devenv runs) is waited for until it is
// gone, so that a listing right after does not show it. A container already gone is
// no error.
func (d *Docker) StopContainer(ctx context.Context, id string, timeout time.Duration) error {
	secs := int(timeout.Seconds())
	wait := d.waitRemoved(ctx, id)
	if err := d.cli.ContainerStop(ctx, id, container.StopOptions{Timeout: &secs}); err != nil && !errdefs.IsNotFound(err) {
		return d.wrap(err)
	}
	wait(timeout + 10*time.Second)
	return nil
}

// RestartContainer stops a container (SIGTERM, then SIGKILL after timeout) and starts
// it again; a stopped one is started.
func (d *Docker) RestartContainer(ctx context.Context, id string, timeout time.Duration) error {
	secs := int(timeout.Seconds())
	if err := d.cli.ContainerRestart(ctx, id, container.StopOptions{Timeout: &secs}); err != nil {
		return d.wrap(err)
	}
	return nil
}

// KillContainer sends signal (a name such as "SIGKILL" or "KILL", or a number) to a
// running container's main process. When it ends a container that removes itself, it
// is waited for until it is gone. A container already gone is no error.
func (d *Docker) KillContainer(ctx context.Context, id, signal string) error {
	wait := d.waitRemoved(ctx, id)
	if err := d.cli.ContainerKill(ctx, id, signal); err != nil && !errdefs.IsNotFound(err) {
		return d.wrap(err)
	}
	if sig := strings.TrimPrefix(strings.ToUpper(signal), "SIG"); sig == "KILL" || sig == "9" {
		wait(10 * time.Second)
	}
	return nil
}

// RemoveContainer removes a stopped container; force removes a running one too (it
// is killed first). A container already gone is no error.
func (d *Docker) RemoveContainer(ctx context.Context, id string, force bool) error {
	err := d.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: force})
	switch {
	case err == nil || errdefs.IsNotFound(err):
		return nil
	case errdefs.IsConflict(err) && strings.Contains(err.Error(), "already in progress"):
		return nil // it is removing itself
	}
	return d.wrap(err)
}

// waitRemoved starts waiting for a container that removes itself on exit to be gone;
// the function it returns waits at most d for that. For other containers it returns
// at once.
func (d *Docker) waitRemoved(ctx context.Context, id string) func(time.Duration) {
	inspect, err := d.cli.ContainerInspect(ctx, id)
	if err != nil || inspect.HostConfig == nil || !inspect.HostConfig.AutoRemove {
		return func(time.Duration) {}
	}
	waitCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	waitC, errC := d.cli.ContainerWait(waitCtx, id, container.WaitConditionRemoved)
	return func(limit time.Duration) {
		defer cancel()
		select {
		case <-waitC:
		case <-errC:
		case <-time.After(limit):
		case <-ctx.Done():
		}
	}
}

// ImageSummary is an image as listed by the engine, with its size.
type ImageSummary struct {
	Image
	Size int64 // bytes, shared layers included
}

// ImageSummaries lists the images carrying every one of the labels (key=value; a key
// with an empty value only has to be present), with their sizes. Tags are the image's
// own, as devenv writes them (imageTags): an untagged image has none.
func (d *Docker) ImageSummaries(ctx context.Context, labels map[string]string) ([]ImageSummary, error) {
	list, err := d.cli.ImageList(ctx, image.ListOptions{Filters: labelFilter(labels)})
	return listed(d, list, err, func(im image.Summary) ImageSummary {
		return ImageSummary{
			Image: Image{ID: im.ID, Tags: imageTags(im.RepoTags), Labels: im.Labels, Created: time.Unix(im.Created, 0)},
			Size:  im.Size,
		}
	})
}

// ImageInUseError is an image a container still uses.
type ImageInUseError struct {
	Ref string
	Msg string // the engine's words, which name the container
}

func (e *ImageInUseError) Error() string {
	return fmt.Sprintf("image %s is in use: %s", e.Ref, e.Msg)
}

// RemoveImageUnlessUsed removes the image under ref (a tag: the tag, and the image
// when no other tag holds it; or an untagged image's ID), never forcing: an image a
// container uses gives *ImageInUseError. An image already gone is no error.
func (d *Docker) RemoveImageUnlessUsed(ctx context.Context, ref string) error {
	_, err := d.cli.ImageRemove(ctx, ref, image.RemoveOptions{PruneChildren: true})
	switch {
	case err == nil || errdefs.IsNotFound(err):
		return nil
	case errdefs.IsConflict(err):
		return &ImageInUseError{Ref: ref, Msg: err.Error()}
	}
	return d.wrap(err)
}

// Details is what the engine says about itself, for `devenv doctor` and `devenv version`.
type Details struct {
	// Kind is the engine's software: Docker, or Podman through its compatible API.
	Kind     Kind   `json:"kind"`
	Endpoint string `json:"endpoint"`
	// Context is the docker context that chose the endpoint ("default": DOCKER_HOST
	// or the local socket).
	Context string `json:"context,omitempty"`
	// From says what chose the engine when no setting did: Podman's socket, found
	// where it usually is (connect.go). Rootless: the engine's user namespace makes
	// the container's root the user who runs it (rootless.go).
	From          string `json:"from,omitempty"`
	Rootless      bool   `json:"rootless,omitempty"`
	ServerVersion string `json:"server_version"`
	// APIVersion is the engine's own API version; ClientAPIVersion the one devenv
	// negotiated with it.
	APIVersion       string `json:"api_version"`
	MinAPIVersion    string `json:"min_api_version,omitempty"`
	ClientAPIVersion string `json:"client_api_version"`
	OS               string `json:"os"`   // linux, windows
	Arch             string `json:"arch"` // amd64, arm64
	KernelVersion    string `json:"kernel_version,omitempty"`
	// OperatingSystem is the engine host's: "Debian GNU/Linux 12", "Docker Desktop".
	OperatingSystem string `json:"operating_system,omitempty"`
	// RootDir is where the engine keeps images and containers, on its own machine.
	RootDir  string `json:"root_dir,omitempty"`
	BuildKit bool   `json:"buildkit"`
	// Runtimes are the engine's container runtimes, sorted: "nvidia" among them means
	// it can hand GPUs to containers.
	Runtimes []string `json:"runtimes,omitempty"`
	// MultiPlatform: the engine's image store holds images for several platforms
	// under one tag (Docker's containerd image store), so one build can make them.
	MultiPlatform bool `json:"multi_platform,omitempty"`
}

// GPURuntime reports whether the engine has the NVIDIA runtime that GPU requests need.
func (d Details) GPURuntime() bool { return slices.Contains(d.Runtimes, GPUDriver) }

// Details pings the engine (negotiating the API version) and asks for its version and
// its system information, within a few seconds. An engine that does not answer gives
// *UnreachableError.
func (d *Docker) Details(ctx context.Context) (Details, error) {
	info, err := d.Ping(ctx)
	if err != nil {
		return Details{}, err
	}
	// The engine answered its ping: Podman's /version and /info take a second each,
	// more under load (identifyTimeout, as for Ping's own questions).
	ctx, cancel := context.WithTimeout(ctx, identifyTimeout)
	defer cancel()
	v, err := d.serverVersion(ctx)
	if err != nil {
		return Details{}, d.wrap(err)
	}
	out := Details{
		Kind: info.Kind, Endpoint: info.Endpoint, Context: info.Context, From: d.found(), Rootless: info.Rootless, ServerVersion: v.Version, APIVersion: v.APIVersion, MinAPIVersion: v.MinAPIVersion,
		ClientAPIVersion: info.APIVersion, OS: v.Os, Arch: v.Arch, KernelVersion: v.KernelVersion, BuildKit: info.BuildKit,
	}
	sys, err := d.cli.Info(ctx)
	if err != nil {
		return Details{}, d.wrap(err)
	}
	out.OperatingSystem = sys.OperatingSystem
	out.RootDir = sys.DockerRootDir
	out.Runtimes = slices.Sorted(maps.Keys(sys.Runtimes))
	for _, kv := range sys.DriverStatus {
		if len(kv) == 2 && kv[0] == "driver-type" && kv[1] == "io.containerd.snapshotter.v1" {
			out.MultiPlatform = true
		}
	}
	return out, nil
}

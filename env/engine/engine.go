// Package engine is devenv's one door to the Docker Engine: the only package that
// imports the Docker client. It offers a handful of operations on devenv's own plain
// types (ping, find an image, build, run), so the rest of devenv is tested with a small
// fake, and this package against a real engine.
package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
)

// Docker talks to one Docker Engine.
type Docker struct {
	cli    *client.Client
	target Target

	// What the engine is, asked once (kind.go).
	identMu  sync.Mutex
	kind     Kind
	osType   string
	rootless bool
	// What identify read, for Details: nil until it did.
	version *types.Version

	// https: the client speaks TLS to the engine (readRootless's own request).
	https bool
}

// FromEnv connects as the docker CLI does without --context: DOCKER_HOST, then
// DOCKER_CONTEXT, then the Docker config's current context (see Connect).
func FromEnv() (*Docker, error) { return Connect("") }

// Close releases the client's connections.
func (d *Docker) Close() error { return d.cli.Close() }

// Endpoint is the engine's address as the user wrote it (ssh://, unix://, tcp://), for messages.
func (d *Docker) Endpoint() string { return d.target.Host }

// Target is the engine's endpoint and the context that chose it.
func (d *Docker) Target() Target { return d.target }

// Info is what devenv needs to know about the engine.
type Info struct {
	Endpoint   string
	Context    string
	APIVersion string
	OSType     string
	// Kind is the engine's software: Docker, or Podman through its compatible API.
	Kind Kind
	// BuildKit: the engine serves BuildKit builds with a session (RUN --mount caches
	// and secrets); without it devenv builds with the classic builder.
	BuildKit bool
	// Rootless: the engine runs containers in its user's user namespace, where the
	// container's root is that user on the host (rootless.go).
	Rootless bool
}

// Ping checks the engine answers, within a few seconds, and negotiates the API.
func (d *Docker) Ping(ctx context.Context) (Info, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	p, err := d.cli.Ping(ctx)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return Info{}, ctx.Err()
		}
		return Info{}, d.unreachable(err)
	}
	d.cli.NegotiateAPIVersionPing(p)
	// The engine answered: what it is may take longer to say (Podman's /version and
	// /info take a second each, more under load), so it gets a budget of its own.
	idCtx, cancelID := context.WithTimeout(context.WithoutCancel(ctx), identifyTimeout)
	defer cancelID()
	stop := context.AfterFunc(ctx, func() {
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			cancelID() // the command was cancelled, not the ping's bound reached
		}
	})
	defer stop()
	kind, osType, err := d.identify(idCtx, p.OSType)
	if err != nil {
		return Info{}, err
	}
	return Info{Endpoint: d.Endpoint(), Context: d.target.Context, APIVersion: d.cli.ClientVersion(), OSType: osType,
		Kind: kind, BuildKit: servesBuildKit(kind, osType), Rootless: d.rootless}, nil
}

// ImageExists reports whether the engine holds an image under ref.
func (d *Docker) ImageExists(ctx context.Context, ref string) (bool, error) {
	_, err := d.cli.ImageInspect(ctx, ref)
	if err == nil {
		return true, nil
	}
	if errdefs.IsNotFound(err) {
		return false, nil
	}
	return false, d.wrap(err)
}

// Image is an image as listed by the engine.
type Image struct {
	ID      string
	Tags    []string
	Labels  map[string]string
	Created time.Time
}

// Images lists the images carrying every one of the labels (key=value).
func (d *Docker) Images(ctx context.Context, labels map[string]string) ([]Image, error) {
	list, err := d.cli.ImageList(ctx, image.ListOptions{Filters: labelFilter(labels)})
	return listed(d, list, err, func(im image.Summary) Image {
		return Image{ID: im.ID, Tags: imageTags(im.RepoTags), Labels: im.Labels, Created: time.Unix(im.Created, 0)}
	})
}

// RemoveImage removes the image under ref (the tag, and the image when no other tag
// holds it). An image already gone is no error.
func (d *Docker) RemoveImage(ctx context.Context, ref string) error {
	_, err := d.cli.ImageRemove(ctx, ref, image.RemoveOptions{PruneChildren: true})
	if err != nil && !errdefs.IsNotFound(err) {
		return d.wrap(err)
	}
	return nil
}

package engine

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/jsonmessage"
)

// What offline bundles and the shared cache ask of the engine beyond build, push and
// pull: an image as a tar stream and back, and an image made from a created
// container (the host user's layer added to a shared image without running a step).

// CommitRequest makes an image of a created container's file system.
type CommitRequest struct {
	Tag    string
	Labels map[string]string // merged over the image's own labels
}

// CommitContainer makes an image of the container ctr, tagged req.Tag. The container
// was created with a command of devenv's; the image keeps its parent's command and
// entrypoint, as a build step would.
func (d *Docker) CommitContainer(ctx context.Context, ctr string, req CommitRequest) error {
	c, err := d.cli.ContainerInspect(ctx, ctr)
	if err != nil {
		return d.wrap(err)
	}
	cfg := &container.Config{Labels: req.Labels}
	if img, err := d.cli.ImageInspect(ctx, c.Image); err == nil && img.Config != nil {
		cfg.Cmd, cfg.Entrypoint = img.Config.Cmd, img.Config.Entrypoint
	}
	if _, err := d.cli.ContainerCommit(ctx, ctr, container.CommitOptions{Reference: req.Tag, Config: cfg, Pause: false}); err != nil {
		return d.wrap(err)
	}
	return nil
}

// SaveImage is the image ref as `docker save` writes it.
func (d *Docker) SaveImage(ctx context.Context, ref string) (io.ReadCloser, error) {
	rc, err := d.cli.ImageSave(ctx, []string{ref})
	if err != nil {
		return nil, d.wrap(err)
	}
	return rc, nil
}

// LoadImage loads a `docker save` stream into the engine.
func (d *Docker) LoadImage(ctx context.Context, r io.Reader) error {
	resp, err := d.cli.ImageLoad(ctx, r)
	if err != nil {
		return d.wrap(err)
	}
	defer resp.Body.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(resp.Body, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("the engine at %s could not load the image: %w", d.Endpoint(), err)
	}
	return nil
}

// RegistryHas asks ref's registry, through the engine and with the user's credentials,
// whether it holds ref; nothing is pulled.
func (d *Docker) RegistryHas(ctx context.Context, ref string) (bool, error) {
	auth, _, err := registryAuth(ref)
	if err != nil {
		return false, err
	}
	if _, err := d.cli.DistributionInspect(ctx, ref, auth); err != nil {
		if errdefs.IsNotFound(err) || errdefs.IsUnauthorized(err) || strings.Contains(err.Error(), "manifest unknown") {
			return false, nil
		}
		return false, d.wrap(err)
	}
	return true, nil
}

package engine

import (
	"context"

	"github.com/docker/docker/errdefs"
)

// ImageIdentity is who an image is, for devenv.lock and the fingerprint: its ID
// (the digest of its config, the same on every engine that holds the same image) and
// the registry digests it was pulled or pushed under (none for an image built or
// imported on this engine).
type ImageIdentity struct {
	ID          string
	RepoDigests []string // name@sha256:...
	OS, Arch    string
	Variant     string
}

// Platform is os/arch[/variant], as a build's --platform names it.
func (im ImageIdentity) Platform() string {
	p := im.OS + "/" + im.Arch
	if im.Variant != "" {
		p += "/" + im.Variant
	}
	return p
}

// ImageIdentity inspects ref; ok is false when the engine has no such image.
func (d *Docker) ImageIdentity(ctx context.Context, ref string) (ImageIdentity, bool, error) {
	in, err := d.cli.ImageInspect(ctx, ref)
	if errdefs.IsNotFound(err) {
		return ImageIdentity{}, false, nil
	}
	if err != nil {
		return ImageIdentity{}, false, d.wrap(err)
	}
	return ImageIdentity{ID: in.ID, RepoDigests: in.RepoDigests, OS: in.Os, Arch: in.Architecture, Variant: in.Variant}, true, nil
}

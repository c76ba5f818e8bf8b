package engine

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/errdefs"
)

// MountSourceMissingError is a bind mount whose source path does not exist on the
// engine's machine: the engine cannot see that path of the host devenv runs on.
type MountSourceMissingError struct{ Msg string }

func (e *MountSourceMissingError) Error() string { return e.Msg }

// CreateContainer creates req's container without starting it: its file system,
// mounts included, can still be read and written through CopyFrom and CopyTo.
func (d *Docker) CreateContainer(ctx context.Context, req RunRequest) (string, error) {
	req.TTY, req.Stdin = false, nil
	id, err := d.create(ctx, req, false)
	if err != nil {
		// Docker: "bind source path does not exist"; Podman: "statfs ...: no such file
		// or directory". Both refuse the mount, not the container.
		msg := strings.ToLower(err.Error())
		if strings.Contains(msg, "bind source path does not exist") || (strings.Contains(msg, "statfs") && strings.Contains(msg, "no such file")) {
			return "", &MountSourceMissingError{Msg: err.Error()}
		}
		return "", err
	}
	return id, nil
}

// CopyTo extracts a tar stream into dir of a container, started or not. Files keep
// the owners and modes their headers give.
func (d *Docker) CopyTo(ctx context.Context, ctr, dir string, content io.Reader) error {
	if err := d.cli.CopyToContainer(ctx, ctr, dir, content, container.CopyToContainerOptions{}); err != nil {
		return d.wrap(err)
	}
	return nil
}

// CopyFrom is a tar stream of path in a container, started or not. A path that does
// not exist gives *NotExistError.
func (d *Docker) CopyFrom(ctx context.Context, ctr, path string) (io.ReadCloser, error) {
	rc, _, err := d.cli.CopyFromContainer(ctx, ctr, path)
	if err != nil {
		if errdefs.IsNotFound(err) {
			return nil, &NotExistError{Path: path, Err: err}
		}
		return nil, d.wrap(err)
	}
	return rc, nil
}

// NotExistError is a path the container does not have.
type NotExistError struct {
	Path string
	Err  error
}

func (e *NotExistError) Error() string {
	return fmt.Sprintf("%s: no such file in the container", e.Path)
}
func (e *NotExistError) Unwrap() error { return e.Err }

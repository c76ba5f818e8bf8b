package engine

import (
	"bytes"
	"context"
	"io"
	"strings"

	"github.com/docker/docker/errdefs"
)

// StartSpare creates and starts a container that waits, with nobody attached, for a
// command to be handed to it by exec (env/spare.go). Unlike StartDetached the engine
// removes it when its init ends: stopping it is removing it, and a spare whose
// command ended while no devenv watched ends itself and leaves nothing.
func (d *Docker) StartSpare(ctx context.Context, req RunRequest) (string, error) {
	return d.startIdle(ctx, req, true)
}

// RenameContainer gives a container a new name. Docker renames under the
// container's lock and refuses a rename to the name it already has, so of two
// clients renaming the same container to the same new name exactly one succeeds:
// that is how a spare is claimed by one command only; any error means "not yours".
func (d *Docker) RenameContainer(ctx context.Context, id, name string) error {
	if err := d.cli.ContainerRename(ctx, id, name); err != nil {
		return d.wrap(err)
	}
	return nil
}

// ImageID is the ID of the image ref names, "" when there is none.
func (d *Docker) ImageID(ctx context.Context, ref string) (string, error) {
	im, err := d.cli.ImageInspect(ctx, ref)
	if errdefs.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", d.wrap(err)
	}
	return im.ID, nil
}

// ExecNotStartedError is an exec that the engine refused before the command
// started: the container is gone or stopped. Nothing of the command has run.
type ExecNotStartedError struct{ Err error }

func (e *ExecNotStartedError) Error() string { return e.Err.Error() }
func (e *ExecNotStartedError) Unwrap() error { return e.Err }

// execStatus is an exec's status as a container's would be. An exec whose command
// never started (no process: pid 0) has status 126 from the engine whatever the
// cause, where a container's init reports 127 for a command that is not there; so a
// runtime message saying so makes it 127, as the docker CLI decides for `docker run`.
func execStatus(code, pid int, head string) int {
	if code == 126 && pid == 0 && (strings.Contains(head, "executable file not found") || strings.Contains(head, "no such file or directory")) {
		return 127
	}
	return code
}

// headWriter passes writes on and keeps the first bytes, where the runtime's message
// is when it could not start the command.
type headWriter struct {
	w    io.Writer
	head bytes.Buffer
}

func (h *headWriter) Write(p []byte) (int, error) {
	if n := 512 - h.head.Len(); n > 0 {
		h.head.Write(p[:min(n, len(p))])
	}
	if h.w == nil {
		return len(p), nil
	}
	return h.w.Write(p)
}

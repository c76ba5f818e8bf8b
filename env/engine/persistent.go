package engine

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/docker/docker/api/types/container"
)

// StartDetached creates and starts a container that stays up with nobody attached, as
// a persistent environment does; the engine neither removes nor restarts it.
func (d *Docker) StartDetached(ctx context.Context, req RunRequest) (string, error) {
	return d.startIdle(ctx, req, false)
}

// startIdle creates and starts a container nobody attaches to (autoRemove: the
// engine removes it when its init ends); one that does not start is removed again.
func (d *Docker) startIdle(ctx context.Context, req RunRequest, autoRemove bool) (string, error) {
	req.TTY, req.Stdin = false, nil
	id, err := d.create(ctx, req, autoRemove)
	if err != nil {
		return "", err
	}
	if err := d.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = d.cli.ContainerRemove(rmCtx, id, container.RemoveOptions{Force: true})
		return "", d.runError(err, req)
	}
	return id, nil
}

// ExecRequest is one command run in a running container, attached to devenv's streams.
type ExecRequest struct {
	Container string
	Cmd       []string
	Workdir   string
	User      string
	Env       []string
	TTY       bool
	Stdin     io.Reader // nil: no stdin
	Stdout    io.Writer
	Stderr    io.Writer // unused with TTY
	Resize    <-chan [2]uint
}

// ExecAttached runs a command in a running container with devenv's streams attached
// (a terminal when TTY) and returns its exit status.
func (d *Docker) ExecAttached(ctx context.Context, req ExecRequest) (int, error) {
	created, err := d.cli.ContainerExecCreate(ctx, req.Container, container.ExecOptions{
		Cmd: req.Cmd, User: req.User, Env: req.Env, WorkingDir: req.Workdir, Tty: req.TTY,
		AttachStdin: req.Stdin != nil, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return 0, &ExecNotStartedError{Err: d.wrap(err)}
	}
	attach, err := d.cli.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{Tty: req.TTY})
	if err != nil {
		return 0, &ExecNotStartedError{Err: d.wrap(err)}
	}
	defer attach.Close()
	// The runtime's own words when it cannot start the command go to the streams.
	out, errOut := &headWriter{w: req.Stdout}, &headWriter{w: req.Stderr}
	outputDone := pipeStreams(attach, req.TTY, req.Stdin, out, errOut)
	for done := false; !done; {
		select {
		case size, ok := <-req.Resize:
			if !ok {
				req.Resize = nil
				continue
			}
			_ = d.cli.ContainerExecResize(ctx, created.ID, container.ResizeOptions{Height: size[0], Width: size[1]})
		case <-outputDone:
			done = true
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	// The stream ends a moment before the engine records the exit status.
	for range 250 {
		inspect, err := d.cli.ContainerExecInspect(context.WithoutCancel(ctx), created.ID)
		if err != nil {
			return 0, d.wrap(err)
		}
		if !inspect.Running {
			return execStatus(inspect.ExitCode, inspect.Pid, out.head.String()+errOut.head.String()), nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	return 0, fmt.Errorf("the command's stream ended but the engine still reports it running")
}

package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/moby/sys/signal"
)

// Mount is a host path, or a named volume, made visible in the container.
type Mount struct {
	Source, Target string
	ReadOnly       bool
	// Volume: Source is the name of a volume of the engine, not a host path.
	Volume bool
}

// RunRequest is one container run, attached to devenv's streams.
type RunRequest struct {
	Image   string
	Name    string
	Cmd     []string
	Workdir string
	User    string // "uid:gid"
	Env     []string
	Mounts  []Mount
	Ports   []string
	Labels  map[string]string
	// Network is a network to join instead of the default bridge: the project's
	// services are reachable there by name. Empty: the default.
	Network string
	// GPUs asks the engine for GPUs: 0 none, -1 all, N that many (runconfig.go).
	GPUs int
	// Platform is the image's platform, "linux/amd64"; empty: the engine's own.
	Platform string

	TTY    bool
	Stdin  io.Reader // nil: the container gets no stdin
	Stdout io.Writer
	Stderr io.Writer // unused with TTY: a terminal has one stream

	// Resize delivers the terminal's size (height, width) whenever it changes.
	Resize <-chan [2]uint
	// Signals are forwarded to the container's process.
	Signals <-chan os.Signal
}

// Run creates, attaches to, and starts a container, and waits for it to end. The
// container removes itself when it exits, also if devenv dies. The result is the
// container's exit status: 128+n when signal n ended it.
func (d *Docker) Run(ctx context.Context, req RunRequest) (int, error) {
	id, err := d.create(ctx, req, true)
	if err != nil {
		return 0, err
	}
	// From here on the container exists: every way out must leave it removed.
	started := false
	defer func() {
		if !started {
			rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_ = d.cli.ContainerRemove(rmCtx, id, container.RemoveOptions{Force: true})
		}
	}()

	attach, err := d.cli.ContainerAttach(ctx, id, container.AttachOptions{
		Stream: true, Stdin: req.Stdin != nil, Stdout: true, Stderr: true,
	})
	if err != nil {
		return 0, d.wrap(err)
	}
	defer attach.Close()

	// Wait is registered before start so a quick exit is not missed; "removed" because
	// the engine removes the container itself.
	waitCtx := context.WithoutCancel(ctx)
	waitC, waitErrC := d.cli.ContainerWait(waitCtx, id, container.WaitConditionRemoved)

	if err := d.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		return 0, d.runError(err, req)
	}
	started = true

	outputDone := pipeStreams(attach, req.TTY, req.Stdin, req.Stdout, req.Stderr)

	var stop sync.Once
	kill := func(sig string) {
		killCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = d.cli.ContainerKill(killCtx, id, sig)
	}
	for {
		select {
		case size, ok := <-req.Resize:
			if !ok {
				req.Resize = nil
				continue
			}
			_ = d.cli.ContainerResize(ctx, id, container.ResizeOptions{Height: size[0], Width: size[1]})
		case sig, ok := <-req.Signals:
			if !ok {
				req.Signals = nil
				continue
			}
			if s, isSys := sig.(syscall.Signal); isSys {
				kill(signalName(s))
			}
		case <-ctx.Done():
			// devenv itself is being stopped: stop the container, then report.
			stop.Do(func() { kill("SIGKILL") })
			ctx = context.WithoutCancel(ctx)
		case res := <-waitC:
			// Give the output a moment to drain: the last lines matter most.
			select {
			case <-outputDone:
			case <-time.After(2 * time.Second):
			}
			if res.Error != nil && res.Error.Message != "" {
				return 0, fmt.Errorf("container ended with an engine error: %s", res.Error.Message)
			}
			return int(res.StatusCode), nil
		case err := <-waitErrC:
			if err == nil {
				continue
			}
			return 0, fmt.Errorf("lost the container while waiting for it: %w", d.wrap(err))
		}
	}
}

// pipeStreams copies an attached connection to devenv's streams (one stream with a
// TTY, demultiplexed without) and devenv's stdin to it; the channel reports the end
// of the output.
func pipeStreams(attach types.HijackedResponse, tty bool, stdin io.Reader, stdout, stderr io.Writer) <-chan error {
	outputDone := make(chan error, 1)
	go func() {
		var err error
		if tty {
			_, err = io.Copy(stdout, attach.Reader)
		} else {
			_, err = stdcopy.StdCopy(stdout, stderr, attach.Reader)
		}
		outputDone <- err
	}()
	if stdin != nil {
		go func() {
			_, _ = io.Copy(attach.Conn, stdin)
			// End of our stdin is end of the container's: piped input works.
			_ = attach.CloseWrite()
		}()
	}
	return outputDone
}

// create makes the container of req; autoRemove: the engine removes it when it exits.
func (d *Docker) create(ctx context.Context, req RunRequest, autoRemove bool) (string, error) {
	cfg, host, netCfg, platform, err := createConfig(req, autoRemove)
	if err != nil {
		return "", err
	}
	created, err := d.cli.ContainerCreate(ctx, cfg, host, netCfg, platform, req.Name)
	if err != nil {
		return "", d.runError(err, req)
	}
	return created.ID, nil
}

func (d *Docker) runError(err error, req RunRequest) error {
	if errdefs.IsNotFound(err) && strings.Contains(err.Error(), "No such image") {
		return fmt.Errorf("image %s is missing: run `devenv build`", req.Image)
	}
	return d.startError(err, req.Name, req.Ports)
}

func signalName(s syscall.Signal) string {
	for name, sig := range signal.SignalMap {
		if sig == s {
			return "SIG" + name
		}
	}
	return fmt.Sprint(int(s))
}

// Exec runs cmd in a running container and waits for it; its output, both streams,
// goes to out. The result is the command's exit status.
func (d *Docker) Exec(ctx context.Context, containerName string, cmd []string, user string, env []string, out io.Writer) (int, error) {
	created, err := d.cli.ContainerExecCreate(ctx, containerName, container.ExecOptions{
		Cmd: cmd, User: user, Env: env, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return 0, d.wrap(err)
	}
	attach, err := d.cli.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return 0, d.wrap(err)
	}
	defer attach.Close()
	if _, err := stdcopy.StdCopy(out, out, attach.Reader); err != nil && ctx.Err() == nil {
		return 0, fmt.Errorf("reading the command's output: %w", err)
	}
	inspect, err := d.cli.ContainerExecInspect(ctx, created.ID)
	if err != nil {
		return 0, d.wrap(err)
	}
	return inspect.ExitCode, nil
}

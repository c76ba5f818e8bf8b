// Package engine is devenv's one door to the Docker Engine: the only package that
// imports the Docker client. It offers a handful of operations on devenv's own plain
// types (ping, find an image, build, run), so the rest of devenv is tested with a small
// fake, and this package against a real engine.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"
	"github.com/moby/sys/signal"
)

// Docker talks to one Docker Engine.
type Docker struct {
	cli *client.Client
}

// FromEnv connects as the docker CLI does: DOCKER_HOST, DOCKER_TLS_VERIFY and
// DOCKER_CERT_PATH, with the API version negotiated so old and new engines both work.
func FromEnv() (*Docker, error) {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("cannot set up the Docker client: %w (check DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH)", err)
	}
	return &Docker{cli: cli}, nil
}

// Close releases the client's connections.
func (d *Docker) Close() error { return d.cli.Close() }

// Endpoint is the engine's address, for messages.
func (d *Docker) Endpoint() string { return d.cli.DaemonHost() }

// Info is what devenv needs to know about the engine.
type Info struct {
	Endpoint   string
	APIVersion string
	OSType     string
	BuildKit   bool
}

// UnreachableError says the engine did not answer.
type UnreachableError struct {
	Endpoint string
	Err      error
}

func (e *UnreachableError) Error() string {
	hint := "is the Docker daemon running? Start Docker Desktop, or `sudo systemctl start docker` on Linux; or point DOCKER_HOST at a running engine"
	if e.Endpoint != "" && !strings.HasPrefix(e.Endpoint, "unix://") && !strings.HasPrefix(e.Endpoint, "npipe://") {
		hint = "is the engine at DOCKER_HOST running and reachable from here?"
	}
	return fmt.Sprintf("cannot reach Docker at %s: %s", e.Endpoint, hint)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Ping checks the engine answers, within a few seconds, and negotiates the API.
func (d *Docker) Ping(ctx context.Context) (Info, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	p, err := d.cli.Ping(ctx)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return Info{}, ctx.Err()
		}
		return Info{}, &UnreachableError{Endpoint: d.Endpoint(), Err: err}
	}
	d.cli.NegotiateAPIVersionPing(p)
	// BuildKit ships inside every Linux engine since 18.09, whatever its default
	// builder; Windows containers have none.
	buildKit := p.OSType != "windows" && os.Getenv("DEVENV_BUILDKIT") != "0"
	return Info{Endpoint: d.Endpoint(), APIVersion: d.cli.ClientVersion(), OSType: p.OSType, BuildKit: buildKit}, nil
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

func (d *Docker) wrap(err error) error {
	if client.IsErrConnectionFailed(err) || isConnError(err) {
		return &UnreachableError{Endpoint: d.Endpoint(), Err: err}
	}
	return err
}

func isConnError(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) || errors.Is(err, io.ErrUnexpectedEOF)
}

// BuildRequest is one image build.
type BuildRequest struct {
	Context    io.Reader // tar stream
	Dockerfile string    // path inside Context
	Tag        string
	Labels     map[string]string
	// BuildArgs are not part of the image: the proxy variables, which Docker keeps out
	// of the image's history.
	BuildArgs map[string]*string
	BuildKit  bool
	// Progress receives the build's progress for a person: live on a terminal,
	// plain lines otherwise.
	Progress io.Writer
	// Plain forces plain lines even on a terminal.
	Plain bool
	// Secrets are id -> contents, for `RUN --mount=type=secret,id=...` steps. They are
	// delivered through a BuildKit session, never in the context or the image. Only
	// with BuildKit: without it they are ignored. At most 500 KiB each.
	Secrets map[string][]byte
}

// BuildError is a build that ran and failed, with the engine's message (which names
// the failed step and its exit status).
type BuildError struct{ Msg string }

func (e *BuildError) Error() string { return e.Msg }

// Build builds and tags an image. The tag appears only when the whole build succeeds,
// so a failed or cancelled build leaves no half-made image under it.
func (d *Docker) Build(ctx context.Context, req BuildRequest) error {
	opts := build.ImageBuildOptions{
		Tags:        []string{req.Tag},
		Dockerfile:  req.Dockerfile,
		Labels:      req.Labels,
		BuildArgs:   req.BuildArgs,
		Remove:      true,
		ForceRemove: true,
	}
	if req.BuildKit {
		opts.Version = build.BuilderBuildKit
	}
	if req.BuildKit && len(req.Secrets) > 0 {
		sess, err := d.startSession(ctx, req.Tag, req.Secrets)
		if err != nil {
			return err
		}
		// Closed when the build ends, whether it succeeded, failed or was cancelled.
		defer func() { _ = sess.close() }()
		opts.SessionID = sess.s.ID()
	}
	resp, err := d.cli.ImageBuild(ctx, req.Context, opts)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return d.wrap(err)
	}
	defer resp.Body.Close()
	if req.BuildKit {
		err = showBuildKitProgress(ctx, resp.Body, req.Progress, req.Plain)
	} else {
		err = jsonmessage.DisplayJSONMessagesToStream(resp.Body, plainStream{req.Progress}, nil)
		var jm *jsonmessage.JSONError
		if errors.As(err, &jm) {
			err = &BuildError{Msg: jm.Message}
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil && !isBuildError(err) && isConnError(err) {
		return fmt.Errorf("the connection to Docker at %s broke during the build: %w", d.Endpoint(), err)
	}
	return err
}

func isBuildError(err error) bool {
	var be *BuildError
	return errors.As(err, &be)
}

type plainStream struct{ io.Writer }

func (plainStream) FD() uintptr      { return 0 }
func (plainStream) IsTerminal() bool { return false }

// Mount is a host path made visible in the container.
type Mount struct {
	Source, Target string
	ReadOnly       bool
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
	exposed, bindings, err := nat.ParsePortSpecs(req.Ports)
	if err != nil {
		return "", err
	}
	cfg := &container.Config{
		Image:        req.Image,
		Cmd:          req.Cmd,
		WorkingDir:   req.Workdir,
		User:         req.User,
		Env:          req.Env,
		Labels:       req.Labels,
		Tty:          req.TTY,
		OpenStdin:    req.Stdin != nil,
		StdinOnce:    req.Stdin != nil,
		AttachStdin:  req.Stdin != nil,
		AttachStdout: true,
		AttachStderr: true,
		ExposedPorts: exposed,
	}
	init := true
	host := &container.HostConfig{
		AutoRemove:   autoRemove,
		Init:         &init, // a real PID 1 that passes signals on and reaps zombies
		PortBindings: bindings,
	}
	for _, m := range req.Mounts {
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly})
	}
	var netCfg *network.NetworkingConfig
	if req.Network != "" {
		host.NetworkMode = container.NetworkMode(req.Network)
		netCfg = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{req.Network: {}}}
	}
	created, err := d.cli.ContainerCreate(ctx, cfg, host, netCfg, nil, req.Name)
	if err != nil {
		return "", d.runError(err, req)
	}
	return created.ID, nil
}

func (d *Docker) runError(err error, req RunRequest) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "port is already allocated") || strings.Contains(msg, "address already in use"):
		return &PortInUseError{Ports: req.Ports, Msg: msg}
	case errdefs.IsNotFound(err) && strings.Contains(msg, "No such image"):
		return fmt.Errorf("image %s is missing: run `devenv build`", req.Image)
	}
	return d.wrap(err)
}

func signalName(s syscall.Signal) string {
	for name, sig := range signal.SignalMap {
		if sig == s {
			return "SIG" + name
		}
	}
	return fmt.Sprint(int(s))
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
	args := filters.NewArgs()
	for k, v := range labels {
		args.Add("label", k+"="+v)
	}
	list, err := d.cli.ImageList(ctx, image.ListOptions{Filters: args})
	if err != nil {
		return nil, d.wrap(err)
	}
	out := make([]Image, 0, len(list))
	for _, im := range list {
		out = append(out, Image{ID: im.ID, Tags: im.RepoTags, Labels: im.Labels, Created: time.Unix(im.Created, 0)})
	}
	return out, nil
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

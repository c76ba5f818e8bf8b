package enginetest

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/devenv/devenv/env/engine"
)

// Run runs a container: while OnRun runs, the container is listed as running under
// req.Name, and it is gone after, as devenv's containers remove themselves.
func (e *Engine) Run(_ context.Context, req engine.RunRequest) (int, error) {
	e.mu.Lock()
	e.runs = append(e.runs, req)
	err := e.record("Run", nil, req.Image)
	hook := e.OnRun
	id := ""
	if err == nil {
		id = e.addContainerLocked(req.Name, req.Image, req.Labels)
	}
	e.mu.Unlock()
	if err != nil {
		return 0, err
	}
	defer func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.containers = slices.DeleteFunc(e.containers, func(c engine.Container) bool { return c.ID == id })
	}()
	if hook == nil {
		return 0, nil
	}
	code, err := hook(req)
	e.outcome("Run", err)
	return code, err
}

func (e *Engine) addContainerLocked(name, image string, labels map[string]string) string {
	e.madeCtrs++
	id := fmt.Sprintf("c%d", e.madeCtrs)
	if name == "" {
		name = id
	}
	imageID := ""
	if i := e.imageLocked(image); i >= 0 {
		imageID = e.images[i].ID
	}
	e.containers = append(e.containers, engine.Container{ID: id, Name: name, Image: image, ImageID: imageID,
		State: "running", Status: "Up Less than a second", Created: e.now(), Labels: maps.Clone(labels)})
	return id
}

// start makes a running container in the background, refusing a name in use.
func (e *Engine) start(method, name, image string, labels map[string]string) (string, error) {
	if err := e.record(method, nil, name); err != nil {
		return "", err
	}
	if e.containerLocked(name) >= 0 {
		err := fmt.Errorf("conflict: the container name %q is already in use", "/"+name)
		e.calls[len(e.calls)-1].Err = err
		return "", err
	}
	return e.addContainerLocked(name, image, labels), nil
}

// StartDetached starts a container in the background and returns its ID.
func (e *Engine) StartDetached(_ context.Context, req engine.RunRequest) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.detached = append(e.detached, req)
	return e.start("StartDetached", req.Name, req.Image, req.Labels)
}

// StartService starts a service's container and returns its ID.
func (e *Engine) StartService(_ context.Context, req engine.ServiceRequest) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.services = append(e.services, req)
	return e.start("StartService", req.Name, req.Image, req.Labels)
}

func (e *Engine) containerLocked(idOrName string) int {
	return slices.IndexFunc(e.containers, func(c engine.Container) bool { return c.ID == idOrName || c.Name == idOrName })
}

// exec runs OnExec for a command in a running container.
func (e *Engine) exec(method string, req engine.ExecRequest) (int, error) {
	e.mu.Lock()
	e.execs = append(e.execs, req)
	err := e.record(method, nil, append([]string{req.Container}, req.Cmd...)...)
	if err == nil {
		if i := e.containerLocked(req.Container); i < 0 || e.containers[i].State != "running" {
			err = &engine.ExecNotStartedError{Err: fmt.Errorf("container %s is not running", req.Container)}
			e.calls[len(e.calls)-1].Err = err
		}
	}
	hook := e.OnExec
	e.mu.Unlock()
	if err != nil || hook == nil {
		return 0, err
	}
	code, err := hook(req.Container, req.Cmd)
	e.outcome(method, err)
	return code, err
}

// Exec runs a command in a running container, by ID or name.
func (e *Engine) Exec(_ context.Context, container string, cmd []string, user string, env []string, _ io.Writer) (int, error) {
	return e.exec("Exec", engine.ExecRequest{Container: container, Cmd: cmd, User: user, Env: env})
}

// ExecAttached runs a command in a running container with streams attached.
func (e *Engine) ExecAttached(_ context.Context, req engine.ExecRequest) (int, error) {
	return e.exec("ExecAttached", req)
}

// Logs gives the last tail lines SetLogs set for the container, or OnLogs' answer.
func (e *Engine) Logs(_ context.Context, id string, tail int) (string, error) {
	e.mu.Lock()
	err := e.record("Logs", nil, id)
	hook := e.OnLogs
	text := e.logs[id]
	if i := e.containerLocked(id); i >= 0 && text == "" {
		text = e.logs[e.containers[i].Name]
	}
	e.mu.Unlock()
	if err != nil {
		return "", err
	}
	if hook != nil {
		return hook(id, tail)
	}
	if lines := strings.SplitAfter(text, "\n"); tail > 0 && len(lines) > tail+1 {
		text = strings.Join(lines[len(lines)-tail-1:], "")
	}
	return text, nil
}

// Containers lists the containers, running or not, carrying the labels.
func (e *Engine) Containers(_ context.Context, labels map[string]string) ([]engine.Container, error) {
	return list(e, "Containers", labels, func() []engine.Container { return e.containers },
		func(c engine.Container) map[string]string { return c.Labels }, cloneContainer)
}

// setState changes a container's state; a container already gone is no error, as with
// engine.Docker.
func (e *Engine) setState(method, id, state string, args ...string) error {
	return e.do(method, append([]string{id}, args...), func() error {
		if i := e.containerLocked(id); i >= 0 && state != "" {
			e.containers[i].State = state
		}
		return nil
	})
}

// StopContainer stops a container.
func (e *Engine) StopContainer(_ context.Context, id string, timeout time.Duration) error {
	return e.setState("StopContainer", id, "exited", timeout.String())
}

// RestartContainer restarts a container.
func (e *Engine) RestartContainer(_ context.Context, id string, timeout time.Duration) error {
	return e.setState("RestartContainer", id, "running", timeout.String())
}

// KillContainer sends a signal to a container; SIGKILL ends it.
func (e *Engine) KillContainer(_ context.Context, id, signal string) error {
	state := ""
	if s := strings.TrimPrefix(strings.ToUpper(signal), "SIG"); s == "KILL" || s == "9" {
		state = "exited"
	}
	return e.setState("KillContainer", id, state, signal)
}

// RemoveContainer removes a container; a running one only with force.
func (e *Engine) RemoveContainer(_ context.Context, id string, force bool) error {
	args := []string{id}
	if force {
		args = append(args, "force")
	}
	return e.do("RemoveContainer", args, func() error {
		i := e.containerLocked(id)
		if i < 0 {
			return nil
		}
		if e.containers[i].State == "running" && !force {
			return fmt.Errorf("conflict: cannot remove container %s: it is running: stop it first, or force the removal", id)
		}
		e.containers = slices.Delete(e.containers, i, i+1)
		return nil
	})
}

package env

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// ProjectRoot is the root of the project dir is in: the directory holding the nearest
// devenv.toml. It reads no configuration, so that the environment of a project whose
// devenv.toml is broken can still be listed, stopped and removed.
func ProjectRoot(dir string) (string, error) {
	cfg, err := FindConfig(dir)
	if err != nil {
		return "", err
	}
	return filepath.Dir(cfg), nil
}

// EnvContainer is one container devenv made.
type EnvContainer struct {
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	Image   string    `json:"image"`
	State   string    `json:"state"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
	Project string    `json:"project"`
	// Orphaned: a fresh container whose devenv is gone; nobody will remove it but
	// `devenv clean`.
	Orphaned bool `json:"orphaned,omitempty"`
	// Spare: started ahead for the next command, unused (spare.go).
	Spare bool `json:"spare,omitempty"`
}

// Running reports whether the container's process runs (or is paused or restarting).
func (c EnvContainer) Running() bool {
	return c.State == "running" || c.State == "paused" || c.State == "restarting"
}

// ListContainers lists the containers devenv made for the project at root, running or
// not, newest first; root "" lists those of every project. Only devenv's label selects
// them: a container's name proves nothing.
func ListContainers(ctx context.Context, eng ContainerEngine, root string) ([]EnvContainer, error) {
	list, err := eng.Containers(ctx, map[string]string{LabelProject: root})
	if err != nil {
		return nil, err
	}
	out := make([]EnvContainer, 0, len(list))
	for _, c := range list {
		project := c.Labels[LabelProject]
		if project == "" || (root != "" && project != root) || c.Labels[LabelContainer] == "" {
			// The engine filtered already; never act on a container not ours, nor on
			// one someone started from a devenv image (it inherits the image's labels).
			continue
		}
		ec := EnvContainer{Name: c.Name, ID: c.ID, Image: c.Image, State: c.State, Status: c.Status, Created: c.Created, Project: project, Orphaned: Orphaned(c.Labels)}
		if idleSpare(c) {
			ec.Spare, ec.Status = true, ec.Status+" (spare: the next command's)"
		}
		out = append(out, ec)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// Stop stops the project's running containers, SIGTERM first and SIGKILL after
// timeout, and returns those it stopped.
func Stop(ctx context.Context, eng ContainerEngine, root string, timeout time.Duration) ([]EnvContainer, error) {
	spares, err := removeSpares(ctx, eng, root)
	if err != nil {
		return spares, err
	}
	done, err := act(ctx, eng, root, EnvContainer.Running, func(c EnvContainer) error {
		return eng.StopContainer(ctx, c.ID, timeout)
	})
	return append(spares, done...), err
}

// Restart restarts the project's containers, running or stopped, and returns them.
func Restart(ctx context.Context, eng ContainerEngine, root string, timeout time.Duration) ([]EnvContainer, error) {
	// A spare is not restarted: the engine removes it when it stops.
	return act(ctx, eng, root, func(c EnvContainer) bool { return c.State != "removing" && c.State != "dead" && !c.Spare }, func(c EnvContainer) error {
		return eng.RestartContainer(ctx, c.ID, timeout)
	})
}

// Kill sends signal to the project's running containers and returns them.
func Kill(ctx context.Context, eng ContainerEngine, root, signal string) ([]EnvContainer, error) {
	// A spare runs nothing of the user's to signal.
	return act(ctx, eng, root, func(c EnvContainer) bool { return c.Running() && !c.Spare }, func(c EnvContainer) error {
		return eng.KillContainer(ctx, c.ID, signal)
	})
}

// RunningError is a command that would remove running containers without force.
type RunningError struct{ Names []string }

func (e *RunningError) Error() string {
	return fmt.Sprintf("%s running: stop it with `devenv stop`, or remove it anyway with `devenv rm -f`", Plural(len(e.Names), "container "+strings.Join(e.Names, ", ")+" is", "containers "+strings.Join(e.Names, ", ")+" are"))
}

// Remove removes the project's containers and returns them. Running ones are removed
// only with force (they are killed); without it nothing is removed and the error is
// *RunningError.
func Remove(ctx context.Context, eng ContainerEngine, root string, force bool) ([]EnvContainer, error) {
	// A spare is removed with the rest: it runs, but nothing of the user's runs in it.
	spares, err := removeSpares(ctx, eng, root)
	if err != nil {
		return spares, err
	}
	done, err := removeContainers(ctx, eng, root, force)
	return append(spares, done...), err
}

func removeContainers(ctx context.Context, eng ContainerEngine, root string, force bool) ([]EnvContainer, error) {
	if !force {
		list, err := ListContainers(ctx, eng, root)
		if err != nil {
			return nil, err
		}
		var running []string
		for _, c := range list {
			if c.Running() {
				running = append(running, c.Name)
			}
		}
		if len(running) > 0 {
			return nil, &RunningError{Names: running}
		}
	}
	return act(ctx, eng, root, func(c EnvContainer) bool { return c.State != "removing" }, func(c EnvContainer) error {
		return eng.RemoveContainer(ctx, c.ID, force)
	})
}

// act applies do to the project's containers that match, every one even when some
// fail, and returns those it was applied to without error.
func act(ctx context.Context, eng ContainerEngine, root string, match func(EnvContainer) bool, do func(EnvContainer) error) ([]EnvContainer, error) {
	if root == "" {
		return nil, errors.New("no project given") // never every project's by accident
	}
	list, err := ListContainers(ctx, eng, root)
	if err != nil {
		return nil, err
	}
	var done []EnvContainer
	var errs []error
	for _, c := range list {
		if !match(c) {
			continue
		}
		if err := do(c); err != nil {
			if ctx.Err() != nil {
				return done, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("%s: %w", c.Name, err))
			continue
		}
		done = append(done, c)
	}
	return done, errors.Join(errs...)
}

// Plural is one when n is 1, else many: the one choice of word form for a count.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

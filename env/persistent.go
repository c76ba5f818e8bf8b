package env

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"

	"github.com/devenv/devenv/env/engine"
)

// keepAlive is the persistent container's own command: it waits, and ends at once on
// SIGTERM, so `devenv stop` is quick.
var keepAlive = []string{"/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"}

// runPersistent runs the command with an exec in the project's warm container,
// starting it first when there is none for the current image. Warm containers of
// older images (or other [env] values) are removed: the environment follows the project.
func runPersistent(ctx context.Context, eng ContainerEngine, p *Project, opt RunOptions) (int, error) {
	req := RunRequest(p, opt, runtime.GOOS)
	target, err := warmContainer(ctx, eng, p, req)
	if err != nil {
		return 0, err
	}
	return execWithSignals(ctx, eng, opt.Signals, engine.ExecRequest{
		Container: target,
		Cmd:       req.Cmd,
		Workdir:   req.Workdir,
		User:      req.User,
		Env:       req.Env,
		TTY:       req.TTY,
		Stdin:     req.Stdin,
		Stdout:    req.Stdout,
		Stderr:    req.Stderr,
		Resize:    req.Resize,
	})
}

func warmContainer(ctx context.Context, pe ContainerEngine, p *Project, req engine.RunRequest) (string, error) {
	list, err := pe.Containers(ctx, map[string]string{LabelProject: p.Spec.Root, LabelPersistent: "true"})
	if err != nil {
		return "", err
	}
	target := ""
	for _, c := range list {
		// The engine filtered by label already; check again, as clean-up must.
		if c.Labels[LabelProject] != p.Spec.Root || c.Labels[LabelPersistent] != "true" {
			continue
		}
		if c.Labels[LabelFingerprint] == p.Fingerprint && c.Labels[LabelMounts] == mountsHash(req.Mounts) &&
			c.Labels[LabelHooks] == hooksHash(p.Spec) && c.Labels[LabelEnv] == envHash(p.Spec) && c.State == "running" {
			target = c.ID
			continue
		}
		// An older image's, other mounts' or hooks', or a stopped one: replaced.
		if err := pe.RemoveContainer(ctx, c.ID, true); err != nil {
			return "", fmt.Errorf("cannot replace the old environment container %s: %w", c.Name, err)
		}
	}
	if target != "" {
		return target, nil
	}
	start := req
	start.Name = persistentName(p)
	start.Cmd = keepAlive
	start.Labels = p.containerLabels("persistent")
	start.Labels[LabelPersistent] = "true"
	start.Labels[LabelMounts] = mountsHash(req.Mounts)
	start.Labels[LabelEnv] = envHash(p.Spec)
	if sum := hooksHash(p.Spec); sum != "" {
		start.Labels[LabelHooks] = sum
	}
	id, err := pe.StartDetached(ctx, start)
	var ne *engine.NameInUseError
	if errors.As(err, &ne) {
		// Another terminal started it a moment ago: use that one.
		return start.Name, nil
	}
	if err != nil {
		return "", err
	}
	// A new container: its hooks run once, now.
	return id, runWarmHooks(ctx, pe, p, id, req)
}

// mountsHash sums what is mounted where, for LabelMounts.
func mountsHash(mounts []engine.Mount) string {
	h := sha256.New()
	for _, m := range mounts {
		fmt.Fprintf(h, "%q %q %t %t\n", m.Source, m.Target, m.ReadOnly, m.Volume)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

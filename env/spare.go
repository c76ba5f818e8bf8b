package env

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/devenv/devenv/env/engine"
)

// A spare is the next command's container, started in the background after a
// command ends, so that the next `devenv run` or `devenv shell` costs an exec instead
// of a container start. The command is handed to it by exec (working directory,
// arguments, environment, terminal and its size, stdin) and the container is removed
// after the command, as a fresh one is: no command ever sees what another left in
// the container. It is claimed by a rename that only one client can win, and used
// only when everything the container was made with still holds (spareKey).

// spareInitScript holds a spare open until a command is handed to it, and ends it
// when nobody uses it. It runs under the engine's own init (docker-init, Podman's
// catatonit: devenv creates every container with Init), which is PID 1, reaps what
// the command leaves, and passes `devenv stop`'s SIGTERM on to this script; a script
// of devenv's own rather than a bare sleep because it also ends the container
// without devenv: when the command handed to it has ended and nothing of it is left
// (devenv died meanwhile, say) the container ends and the engine removes it, as a
// fresh container ends with its command; and an unused spare ends after an hour,
// so a project left alone (or moved away) keeps no container. `devenv stop` (SIGTERM
// from the engine, passed on by its init) reaches the command as in a fresh container:
// the script passes it to the command's own process (the one the engine started: its
// parent is outside, PPid 0) and ends once nothing is left, or the engine kills all
// after the stop's timeout. Only shell builtins run between sleeps: looking for the
// command's processes forks nothing.
const spareInitScript = `stopping=0
stop() {
	stopping=1
	kill $! 2>/dev/null; wait $! 2>/dev/null
	for p in /proc/[0-9]*; do
		case ${p#/proc/} in 1|$$) continue ;; esac
		while read -r k v; do
			[ "$k" = PPid: ] && { [ "$v" = 0 ] && kill -TERM "${p#/proc/}" 2>/dev/null; break; }
		done 2>/dev/null < "$p/status"
	done
}
trap stop TERM
trap 'exit 0' INT HUP
idle=0 seen=0 quiet=0
while :; do
	sleep 1 & wait $!
	others=0
	for p in /proc/[0-9]*; do
		case ${p#/proc/} in 1|$$) ;; *) others=1; break ;; esac
	done
	if [ $others = 1 ]; then seen=1 quiet=0
	elif [ $stopping = 1 ]; then exit 0
	elif [ $seen = 1 ]; then quiet=$((quiet + 1)); [ $quiet -ge 3 ] && exit 0
	else idle=$((idle + 1)); [ $idle -ge 3600 ] && exit 0
	fi
done`

var spareInit = []string{"/bin/sh", "-c", spareInitScript}

// SpareEnv switches spares on (1, true, on) or off (0, false, off) over devenv.toml
// and the user's config.
const SpareEnv = "DEVENV_SPARE"

// spareOn says whether the project's commands use spares: the environment variable
// first, then the spare key (devenv.toml over the user's config).
func spareOn(s *Spec) bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(SpareEnv))) {
	case "1", "true", "on", "yes":
		return true
	case "0", "false", "off", "no":
		return false
	}
	return s.Spare
}

// spareFits says whether a command of this project may run in a spare. Never with
// published ports (an idle spare would hold them while nobody runs), a synced tree
// (the sync starts with the command), a persistent environment (it has its warm
// container) or a container name fixed by the caller (a watching shell applies
// changes into it by name).
func spareFits(p *Project, opt RunOptions) bool {
	s := p.Spec
	return opt.LaunchSpare != nil && spareOn(s) && !s.Persistent && len(s.Ports) == 0 &&
		p.TreeVolume == "" && opt.Name == "" && s.ConfigPath != ""
}

// claimedSpare is a command that uses spares: the spare this devenv won (its ID and
// its new name), or none yet (id ""); nil: the command uses no spare at all.
type claimedSpare struct {
	id, name string
	// imageID is the image's ID when the command started, for the next spare's order;
	// started is when: a stop after it means no next spare, even one ordered later.
	imageID string
	started time.Time
}

// spareRequest is the container a spare is made as: the command's container, with
// the spare's init as its command, the project root as its working directory, and
// the environment of a command without a terminal (a terminal's TERM comes with the
// exec).
func spareRequest(p *Project) engine.RunRequest {
	req := RunRequest(p, RunOptions{Cwd: p.Spec.Root}, runtime.GOOS)
	req.Cmd = spareInit
	req.Ports = nil
	req.Stdin, req.Stdout, req.Stderr = nil, nil, nil
	return req
}

// spareKey sums everything a spare was made with that an exec cannot change: the
// image (by ID: a rebuild under the same tag is another image), devenv.toml's bytes,
// the user, the project's path, the mounts, the network, GPUs and platform, the names
// of the environment variables (an exec sets every value again, but cannot unset
// one), the init and devenv's version. Any change gives another key, and a spare of
// another key is never used.
func spareKey(p *Project, req engine.RunRequest, imageID string) (string, error) {
	toml, err := os.ReadFile(p.Spec.ConfigPath)
	if err != nil {
		return "", err
	}
	tomlSum := sha256.Sum256(toml)
	names := make([]string, 0, len(req.Env))
	for _, kv := range req.Env {
		k, _, _ := strings.Cut(kv, "=")
		names = append(names, k)
	}
	slices.Sort(names)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%x\n%s\n%s\n%s\n%s\n%d\n%s\n%q\n%q\n", Version, imageID, req.Image, tomlSum, p.Spec.Root,
		req.User, mountsHash(req.Mounts), req.Network, req.GPUs, req.Platform, names, spareInitScript)
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// spareName is the name of an unused spare of the project with this key: one per
// key, so two devenvs that start the same spare at once make one.
func spareName(project, key string) string { return "devenv-" + project + "-spare-" + key[:12] }

// claimedName is the name a spare takes when a command claims it. It comes from the
// container's ID alone, so two devenvs claiming the same spare rename it to the same
// name and the engine lets only the first do so.
func claimedName(project, id string) string {
	return "devenv-" + project + "-run-" + id[:min(12, len(id))]
}

// idleSpare reports whether c is an unused spare: a claimed one is renamed.
func idleSpare(c engine.Container) bool {
	key := c.Labels[LabelSpare]
	return c.Labels[LabelContainer] == "spare" && len(key) >= 12 && c.Name == spareName(c.Labels[LabelName], key)
}

// claimSpare finds the project's spare that matches the command's container exactly
// and claims it. Without one (id ""), the command runs in a container of its own, as
// without spares, and leaves a spare; errors finding one are not the user's concern.
// nil: the command uses no spare and leaves none.
func claimSpare(ctx context.Context, eng Engine, p *Project, opt RunOptions) *claimedSpare {
	if !spareFits(p, opt) {
		return nil
	}
	start := time.Now()
	// The image's ID and the project's spares, asked at once: one round trip less.
	var list []engine.Container
	var listErr error
	listed := make(chan struct{})
	go func() {
		defer close(listed)
		list, listErr = eng.Containers(ctx, map[string]string{LabelProject: p.Spec.Root, LabelContainer: "spare"})
	}()
	imageID, err := eng.ImageID(ctx, p.Tag)
	<-listed
	none := &claimedSpare{imageID: imageID, started: start}
	if err != nil || imageID == "" || listErr != nil {
		return none
	}
	key, err := spareKey(p, spareRequest(p), imageID)
	if err != nil {
		return none
	}
	for _, c := range list {
		// The engine filtered by label; check again, and the image by ID.
		if c.Labels[LabelProject] != p.Spec.Root || c.Labels[LabelSpare] != key || c.ImageID != imageID ||
			c.State != "running" || !idleSpare(c) {
			continue
		}
		name := claimedName(p.Spec.Name, c.ID)
		if eng.RenameContainer(ctx, c.ID, name) == nil {
			return &claimedSpare{id: c.ID, name: name, imageID: imageID, started: start}
		}
	}
	return none
}

// runFresh runs the command in a container of its own: the claimed spare, or a new
// container when there is none or it went away before the command started in it.
// Then the next command's spare is started in the background.
func runFresh(ctx context.Context, eng Engine, p *Project, opt RunOptions, sp *claimedSpare) (int, error) {
	req := withStartHooks(p.Spec, RunRequest(p, opt, runtime.GOOS))
	if sp == nil {
		return eng.Run(ctx, req)
	}
	defer leaveSpare(ctx, eng, p, opt, sp)
	if sp.id == "" {
		return eng.Run(ctx, req)
	}
	code, err := execInSpare(ctx, eng, opt.Signals, engine.ExecRequest{
		Container: sp.id, Cmd: req.Cmd, Workdir: req.Workdir, User: req.User, Env: req.Env,
		TTY: req.TTY, Stdin: req.Stdin, Stdout: req.Stdout, Stderr: req.Stderr, Resize: req.Resize,
	})
	var notStarted *engine.ExecNotStartedError
	if errors.As(err, &notStarted) && ctx.Err() == nil {
		// Killed, or its image removed, between the claim and the exec: the command
		// has not run, so it runs now in a new container under the same name.
		_ = eng.RemoveContainer(context.WithoutCancel(ctx), sp.id, true)
		return eng.Run(ctx, req)
	}
	return code, err
}

// execInSpare runs the command in the claimed spare: the signals devenv forwards
// reach the command's own process (as docker-init passes them to a fresh
// container's command), and when ctx ends (devenv hung up or was interrupted twice)
// the container is removed, which ends the command as it ends a fresh one.
func execInSpare(ctx context.Context, eng ContainerEngine, signals <-chan os.Signal, req engine.ExecRequest) (int, error) {
	mark, req := markExec(req)
	stop := relaySignals(ctx, eng, signals, req.Container, mark)
	defer stop()
	code, err := eng.ExecAttached(ctx, req)
	if ctx.Err() != nil {
		_ = eng.RemoveContainer(context.WithoutCancel(ctx), req.Container, true)
	}
	return code, err
}

package env

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/devenv/devenv/env/engine"
)

// SpareOrder is what a devenv hands the process that starts the next spare: the
// container to make, and the used one to remove first. It is made from the command
// that just ran, so the spare is exactly that command's container.
type SpareOrder struct {
	Root    string            `json:"root"`
	Key     string            `json:"key"`
	ImageID string            `json:"image_id"`
	Remove  string            `json:"remove,omitempty"`
	Ordered time.Time         `json:"ordered"`
	Image   string            `json:"image"`
	Name    string            `json:"name"`
	Cmd     []string          `json:"cmd"`
	Workdir string            `json:"workdir"`
	User    string            `json:"user"`
	Env     []string          `json:"env"`
	Mounts  []engine.Mount    `json:"mounts"`
	Labels  map[string]string `json:"labels"`
	Network string            `json:"network,omitempty"`
	GPUs    int               `json:"gpus,omitempty"`
	// Platform is the image's platform; empty: the engine's own.
	Platform string `json:"platform,omitempty"`
}

// leaveSpare hands the used spare's removal and the next spare's start to a process
// of their own, so that devenv exits as soon as the command has; when that cannot
// start, the used spare is removed here.
func leaveSpare(ctx context.Context, eng Engine, p *Project, opt RunOptions, sp *claimedSpare) {
	removeHere := func() {
		if sp.id != "" {
			_ = eng.RemoveContainer(context.WithoutCancel(ctx), sp.id, true)
		}
	}
	order, err := spareOrder(ctx, eng, p, sp.imageID)
	if err != nil {
		removeHere()
		return
	}
	order.Remove = sp.id
	if !sp.started.IsZero() {
		order.Ordered = sp.started
	}
	data, err := json.Marshal(order)
	if err == nil {
		err = opt.LaunchSpare(data)
	}
	if err != nil {
		removeHere()
	}
}

// spareOrder is the order for the project's next spare, of the image whose ID the
// command started with (asked again when that is unknown; the spare's process checks
// it once more before it starts the spare).
func spareOrder(ctx context.Context, eng Engine, p *Project, imageID string) (*SpareOrder, error) {
	if imageID == "" {
		var err error
		if imageID, err = eng.ImageID(context.WithoutCancel(ctx), p.Tag); err != nil {
			return nil, err
		}
	}
	if imageID == "" {
		return nil, fmt.Errorf("image %s is gone", p.Tag)
	}
	req := spareRequest(p)
	key, err := spareKey(p, req, imageID)
	if err != nil {
		return nil, err
	}
	labels := p.containerLabels("spare")
	labels[LabelSpare] = key
	labels[LabelSpareImage] = imageID
	return &SpareOrder{Root: p.Spec.Root, Key: key, ImageID: imageID, Ordered: time.Now(),
		Image: req.Image, Name: spareName(p.Spec.Name, key), Cmd: req.Cmd, Workdir: req.Workdir, User: req.User,
		Env: req.Env, Mounts: req.Mounts, Labels: labels, Network: req.Network, GPUs: req.GPUs, Platform: req.Platform}, nil
}

// StartSpare carries out an order, in the background process devenv started for it:
// the used spare is removed, the project's spares of other keys (another image,
// devenv.toml, user, ...) too, and the new one started unless it is there already or
// a `devenv stop`, `rm`, `down` or `clean` came after the order.
func StartSpare(ctx context.Context, eng Engine, data []byte) error {
	var o SpareOrder
	if err := json.Unmarshal(data, &o); err != nil {
		return fmt.Errorf("reading the spare's order: %w", err)
	}
	if o.Remove != "" {
		_ = eng.RemoveContainer(ctx, o.Remove, true)
	}
	release, stopped, err := holdSpares(ctx, o.Root, false)
	if err != nil {
		return err
	}
	defer release()
	if !stopped.Before(o.Ordered) {
		return nil // stopped since: no spare
	}
	have, err := eng.Containers(ctx, map[string]string{LabelProject: o.Root, LabelContainer: "spare"})
	if err != nil {
		return err
	}
	for _, c := range have {
		if c.Labels[LabelProject] != o.Root || !idleSpare(c) {
			continue // another project's, or in use by a command
		}
		if c.Labels[LabelSpare] == o.Key && c.State == "running" {
			return nil
		}
		_ = eng.RemoveContainer(ctx, c.ID, true)
	}
	// The image may have moved on since the order: a spare of an older image would
	// never be used.
	if id, err := eng.ImageID(ctx, o.Image); err != nil || id != o.ImageID {
		return err
	}
	_, err = eng.StartSpare(ctx, engine.RunRequest{Image: o.Image, Name: o.Name, Cmd: o.Cmd, Workdir: o.Workdir, User: o.User,
		Env: o.Env, Mounts: o.Mounts, Labels: o.Labels, Network: o.Network, GPUs: o.GPUs, Platform: o.Platform})
	var inUse *engine.NameInUseError
	if errors.As(err, &inUse) {
		return nil // another devenv started the same spare a moment ago
	}
	return err
}

// removeSpares removes the project's unused spares, for stop, rm, down and clean:
// none outlives them, also one whose start was ordered just before (holdSpares).
func removeSpares(ctx context.Context, eng ContainerEngine, root string) ([]EnvContainer, error) {
	if root == "" {
		return nil, nil
	}
	// Without the lock (no cache directory, say) the spares are still removed; only a
	// start ordered a moment before may then still come, and that spare ends itself
	// after an hour unused.
	if release, _, err := holdSpares(ctx, root, true); err == nil {
		defer release()
	}
	list, err := eng.Containers(ctx, map[string]string{LabelProject: root, LabelContainer: "spare"})
	if err != nil {
		return nil, err
	}
	var done []EnvContainer
	var errs []error
	for _, c := range list {
		if c.Labels[LabelProject] != root || !idleSpare(c) {
			continue
		}
		if err := eng.RemoveContainer(ctx, c.ID, true); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Name, err))
			continue
		}
		done = append(done, EnvContainer{Name: c.Name, ID: c.ID, Image: c.Image, State: c.State, Status: c.Status, Created: c.Created, Project: root, Spare: true})
	}
	return done, errors.Join(errs...)
}

// holdSpares takes the project's spare lock (a file in the user's cache) and says
// when spares were last stopped; stop records now as that time, so a spare ordered
// before it is never started after it. The returned func releases the lock.
func holdSpares(ctx context.Context, root string, stop bool) (func(), time.Time, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("no cache directory for the spare's lock: %w (set XDG_CACHE_HOME)", err)
	}
	sum := sha256.Sum256([]byte(root))
	base := filepath.Join(dir, "devenv", "spares", hex.EncodeToString(sum[:])[:16])
	if err := os.MkdirAll(filepath.Dir(base), 0o700); err != nil {
		return nil, time.Time{}, err
	}
	lock := flock.New(base + ".lock")
	lctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if ok, err := lock.TryLockContext(lctx, 20*time.Millisecond); err != nil || !ok {
		return nil, time.Time{}, fmt.Errorf("cannot lock %s: %v", base+".lock", err)
	}
	release := func() { _ = lock.Unlock() }
	var stopped time.Time
	if data, err := os.ReadFile(base + ".stopped"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil {
			stopped = time.Unix(0, n)
		}
	}
	if stop {
		stopped = time.Now()
		if err := WriteFileAtomic(base+".stopped", []byte(strconv.FormatInt(stopped.UnixNano(), 10)+"\n"), 0o600); err != nil {
			release()
			return nil, time.Time{}, err
		}
	}
	return release, stopped, nil
}

// SpareAfterBuild starts, after a build made a new image, the next command's spare
// of it in the background when the project uses spares, so the first command after a
// build finds one too. Not for a project not allowed what it asks, a tree the engine
// cannot see (synced) or dotfiles (they are cloned by the command that needs them).
func SpareAfterBuild(ctx context.Context, eng Engine, p *Project, launch func(order []byte) error) {
	if !spareFits(p, RunOptions{LaunchSpare: launch}) || p.Spec.Dotfiles != nil || CheckTrust(p.Spec) != nil {
		return
	}
	if a, err := DetectTreeMode(ctx, eng, p, false); err != nil || a.Mode == SyncedVolume {
		return
	}
	// Named volumes are made with devenv's labels first, as a command does.
	if ensureMountVolumes(ctx, eng, eng, p) != nil {
		return
	}
	p, _ = resolveMachine(ctx, eng, p)
	leaveSpare(ctx, eng, p, RunOptions{LaunchSpare: launch}, &claimedSpare{})
}

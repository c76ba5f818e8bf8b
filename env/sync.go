package env

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/filesync"
)

// SyncStatePath is where devenv keeps what it knows of the project's sync with the
// engine at endpoint.
func SyncStatePath(endpoint, root string) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the sync's state: %w (set XDG_CACHE_HOME)", err)
	}
	return filesync.StatePath(filepath.Join(dir, "devenv"), endpoint, root), nil
}

// startSync decides how the tree reaches the container. When the engine sees the
// project's path nothing changes: the root is bind mounted. Otherwise the project's
// volume is filled (a first upload that honours .gitignore), kept in sync both ways
// while the command runs, and the returned func ends the sync: a last full sync, and
// one line when that could not finish.
func startSync(ctx context.Context, eng Engine, p *Project, opt RunOptions) (func(), error) {
	a, err := DetectTreeMode(ctx, eng, p, false)
	if err != nil || a.Mode != SyncedVolume {
		return func() {}, err
	}
	s := p.Spec
	p.TreeVolume = TreeVolume(s)
	labels := map[string]string{LabelProject: s.Root, LabelName: s.Name, LabelVersion: Version, LabelTree: s.Root}
	if err := eng.EnsureVolume(ctx, p.TreeVolume, labels); err != nil {
		return nil, err
	}
	statePath, err := SyncStatePath(a.Endpoint, s.Root)
	if err != nil {
		return nil, err
	}
	notice := &crlfWriter{w: orDiscard(opt.Stderr), crlf: opt.TTY}
	if err := os.MkdirAll(filepath.Dir(statePath), 0o700); err != nil {
		return nil, err
	}
	lock := flock.New(statePath + ".lock")
	if ok, err := lock.TryLock(); err != nil || !ok {
		// Another devenv of this project syncs the same volume already.
		fmt.Fprintf(notice, "devenv sync: another devenv syncs %s with %s; this command uses the same volume\n", s.Root, a.Endpoint)
		return func() {}, nil
	}
	helper, err := eng.StartDetached(ctx, engine.RunRequest{
		Image:  p.Tag,
		Name:   containerName(s.Name) + "-sync",
		Cmd:    []string{"sh", "-c", "while sleep 3600; do :; done"},
		User:   "0:0",
		Mounts: []engine.Mount{{Source: p.TreeVolume, Target: s.Workdir, Volume: true}},
		Labels: p.containerLabels("sync"),
	})
	if err != nil {
		_ = lock.Unlock()
		return nil, fmt.Errorf("starting the sync's helper container on %s: %w", a.Endpoint, err)
	}
	stopHelper := func() {
		rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = eng.RemoveContainer(rmCtx, helper, true)
		_ = lock.Unlock()
	}
	remote := &engineRemote{eng: eng, container: helper, dir: s.Workdir}
	// A fresh volume's root belongs to whoever owns the workdir in the image.
	if _, err := remote.run(ctx, `chown "$2" "$1"`, []string{fmt.Sprintf("%d:%d", s.User.UID, s.User.GID)}); err != nil {
		stopHelper()
		return nil, fmt.Errorf("preparing the volume %s on %s: %w", p.TreeVolume, a.Endpoint, err)
	}
	syncer, err := filesync.New(filesync.Options{
		Root: s.Root, UID: s.User.UID, GID: s.User.GID, StatePath: statePath,
		Endpoint: a.Endpoint, Volume: p.TreeVolume, Notice: notice,
	}, remote)
	if err == nil {
		err = syncer.Full(ctx)
	}
	if err != nil {
		stopHelper()
		return nil, fmt.Errorf("uploading %s to the volume %s on %s: %w (no file was changed on the host)", s.Root, p.TreeVolume, a.Endpoint, err)
	}
	loopCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A failure that lasts is said once; a passing one, or the engine going away
		// with the command, is left to the last sync's line.
		var failing time.Time
		said := false
		_ = syncer.Loop(loopCtx, func(err error) {
			switch {
			case err == nil:
				failing = time.Time{}
			case failing.IsZero():
				failing = time.Now()
			case !said && time.Since(failing) > 5*time.Second:
				said = true
				fmt.Fprintf(notice, "devenv sync: syncing with %s has failed for %s (%v); retrying, and nothing is lost: each side keeps its changes until they reach the other\n", a.Endpoint, time.Since(failing).Round(time.Second), oneLine(err))
			}
		})
	}()
	return func() {
		cancel()
		<-done
		finalCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer stop()
		if err := syncer.Full(finalCtx); err != nil {
			cause := oneLine(err)
			var gone *engine.UnreachableError
			if errors.As(err, &gone) {
				cause = "the engine stopped answering"
			}
			fmt.Fprintf(notice, "devenv sync: the last sync with %s did not finish (%s): no file is lost: the host's changes are on the host, the container's in the volume %s; the next devenv run or shell syncs them (devenv sync shows what is pending)\n", a.Endpoint, cause, p.TreeVolume)
		}
		stopHelper()
	}, nil
}

// treeMounts puts the project's volume where the root's bind mount was; the other
// host paths (the CA bundle, the ssh agent, mounts = [...]) do not exist on an
// engine that cannot see the host, so they are left out, with one line saying which.
func treeMounts(p *Project, mounts []engine.Mount, goos string) ([]engine.Mount, string) {
	root := HostPathForEngine(p.Spec.Root, goos)
	var out []engine.Mount
	var left []string
	for _, m := range mounts {
		switch {
		case m.Volume:
			out = append(out, m)
		case m.Source == root && m.Target == p.Spec.Workdir:
			out = append(out, engine.Mount{Source: p.TreeVolume, Target: m.Target, Volume: true})
		default:
			left = append(left, m.Target)
		}
	}
	if len(left) == 0 {
		return out, ""
	}
	return out, "the engine cannot see this machine's files: not mounted: " + strings.Join(left, ", ")
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// crlfWriter ends lines with \r\n when the terminal is in raw mode.
type crlfWriter struct {
	mu   sync.Mutex
	w    io.Writer
	crlf bool
}

func (c *crlfWriter) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := b
	if c.crlf {
		out = []byte(strings.ReplaceAll(string(b), "\n", "\r\n"))
	}
	if _, err := c.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// syncedTree is RunRequest's mounts for a project in synced mode (unchanged
// otherwise), saying on stderr what is left out.
func syncedTree(p *Project, mounts []engine.Mount, goos string, opt RunOptions) []engine.Mount {
	if p.TreeVolume == "" {
		return mounts
	}
	out, note := treeMounts(p, mounts, goos)
	if note != "" {
		fmt.Fprint(&crlfWriter{w: orDiscard(opt.Stderr), crlf: opt.TTY}, "devenv: "+note+"\n")
	}
	return out
}

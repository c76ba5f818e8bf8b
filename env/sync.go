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
	notice := &crlfWriter{w: orDiscard(opt.Stderr), crlf: opt.TTY}
	ts, err := openTree(ctx, eng, a.Endpoint, TreeVolume(s), projectTarget(p), notice)
	var busy *errSyncBusy
	if errors.As(err, &busy) {
		// The other devenv keeps the volume in step; this command uses it as it is.
		p.TreeVolume = TreeVolume(s)
		fmt.Fprintf(notice, "devenv sync: %v already; this command uses the same volume\n", busy)
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	p.TreeVolume = ts.volume
	syncer := ts.syncer
	if err := ts.first(ctx); err != nil {
		ts.close(ctx)
		if strings.Contains(strings.ToLower(err.Error()), noSpace) {
			return nil, &DiskFullError{Err: err, Msg: fmt.Sprintf("the engine at %s ran out of disk space while the tree went to the volume %s (%s): free space there (`devenv clean --all`, `docker system df`), then run again: the sync resumes where it stopped; no file was changed on the host", a.Endpoint, p.TreeVolume, oneLine(err))}
		}
		return nil, fmt.Errorf("syncing %s with the volume %s on %s: %w (no file was changed on the host; the next devenv run or shell syncs again)", s.Root, p.TreeVolume, a.Endpoint, err)
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
			switch {
			case errors.As(err, &gone):
				cause = "the engine stopped answering"
			case strings.Contains(strings.ToLower(cause), noSpace):
				cause = "the engine's disk is full: free space there (`devenv clean --all`, `docker system df`)"
			}
			fmt.Fprintf(notice, "devenv sync: the last sync with %s did not finish (%s): no file is lost: the host's changes are on the host, the container's in the volume %s; the next devenv run or shell syncs them (devenv sync shows what is pending)\n", a.Endpoint, cause, p.TreeVolume)
		}
		ts.close(ctx)
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

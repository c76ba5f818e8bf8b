package kube

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/devenv/devenv/env/filesync"
)

// The project's tree is kept in two-way sync with the pod's copy while a command runs,
// with the remote engines' syncer (env/filesync): the first sync uploads it (honouring
// .gitignore), host edits reach the pod and files written in the pod come back, owned
// by the user; a file changed on both sides keeps both. The pod's side is its emptyDir,
// reached with exec as the pod's user. When the command ends a last full sync brings
// the pod's changes home, before a fresh pod is deleted.

// podRemote is filesync's container side: the tree at dir in the pod.
type podRemote struct {
	k        *Engine
	pod, dir string
}

// The listing: the pod's clock, then "size mtime mode(hex) name" per regular file.
const (
	listAll   = `cd "$1" && date +%s && find . -path ./.git -prune -o -type f -exec stat -c '%s %Y %f %n' {} + 2>/dev/null; true`
	listPaths = `cd "$1" && shift && date +%s && stat -c '%s %Y %f %n' -- "$@" 2>/dev/null; true`
	removeCmd = `cd "$1" && shift && rm -f -- "$@"`
	hashCmd   = `cd "$1" && shift && sha256sum -- "$@" 2>/dev/null; true`
	batch     = 500 // paths per exec, well inside the kernel's argument limit
)

func (r *podRemote) run(ctx context.Context, script string, args []string) (string, error) {
	var out, errOut bytes.Buffer
	code, err := r.k.exec(ctx, r.pod, append([]string{"sh", "-c", script, "sh", r.dir}, args...), streams{stdout: &out, stderr: &errOut})
	if err != nil {
		return "", err
	}
	if code != 0 {
		return "", fmt.Errorf("the sync's command in the pod %s exited with status %d: %s", r.pod, code, oneLine(errOut.String()))
	}
	return out.String(), nil
}

// batches runs script over paths, batch by batch, handing each output to each.
func (r *podRemote) batches(ctx context.Context, script string, paths []string, each func(string) error) error {
	for start := 0; start < len(paths); start += batch {
		out, err := r.run(ctx, script, paths[start:min(start+batch, len(paths))])
		if err != nil {
			return err
		}
		if err := each(out); err != nil {
			return err
		}
	}
	return nil
}

func (r *podRemote) List(ctx context.Context, paths []string) (map[string]filesync.FileStat, int64, error) {
	files := map[string]filesync.FileStat{}
	var now int64
	if paths == nil {
		out, err := r.run(ctx, listAll, nil)
		if err != nil {
			return nil, 0, err
		}
		now, err = parseListing(out, files)
		return files, now, err
	}
	err := r.batches(ctx, listPaths, paths, func(out string) (err error) {
		now, err = parseListing(out, files)
		return err
	})
	return files, now, err
}

func parseListing(out string, files map[string]filesync.FileStat) (int64, error) {
	return filesync.ParseListing(out, "the pod", files)
}

func (r *podRemote) Push(ctx context.Context, tar io.Reader) error {
	return r.k.CopyTo(ctx, r.pod, r.dir, tar)
}

func (r *podRemote) Pull(ctx context.Context, rel string) (io.ReadCloser, error) {
	return r.k.CopyFrom(ctx, r.pod, path.Join(r.dir, rel))
}

func (r *podRemote) Remove(ctx context.Context, paths []string) error {
	return r.batches(ctx, removeCmd, paths, func(string) error { return nil })
}

func (r *podRemote) Hash(ctx context.Context, paths []string) (map[string]string, error) {
	out := map[string]string{}
	err := r.batches(ctx, hashCmd, paths, func(text string) error {
		for _, line := range strings.Split(text, "\n") {
			if sum, name, ok := strings.Cut(line, "  "); ok && len(sum) == 64 {
				out[name] = sum
			}
		}
		return nil
	})
	return out, err
}

// treeSync is one command's sync with a pod.
type treeSync struct {
	syncer    *filesync.Syncer
	statePath string
	fresh     bool // the pod goes with the command: so does the state
	notice    io.Writer
	pod       string
	cancel    func() // set by loop
	done      chan struct{}
}

// syncState is where the sync with one pod keeps what it knows: per pod UID, so a new
// pod of the same name never inherits a gone pod's state (which would read as files
// deleted in the pod).
func syncState(podUID string) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the sync's state: %w (set XDG_CACHE_HOME)", err)
	}
	sum := sha256.Sum256([]byte(podUID))
	return filepath.Join(dir, "devenv", "kube-sync", hex.EncodeToString(sum[:])[:24]+".json"), nil
}

// startSync syncs root with dir in the pod once (the first time: uploads the tree);
// loop then keeps them in step until stop.
func (k *Engine) startSync(ctx context.Context, pod, podUID, root, dir, user string, fresh bool, notice io.Writer) (*treeSync, error) {
	state, err := syncState(podUID)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(state), 0o700); err != nil {
		return nil, err
	}
	uid, gid := ids(user)
	s, err := filesync.New(filesync.Options{Root: root, UID: uid, GID: gid, StatePath: state,
		Endpoint: k.Endpoint(), Volume: "pod " + pod, Notice: notice}, &podRemote{k: k, pod: pod, dir: dir})
	if err == nil {
		err = s.Full(ctx)
	}
	if err != nil {
		if fresh {
			_ = os.Remove(state)
		}
		return nil, fmt.Errorf("syncing %s with the pod %s: %w", root, pod, err)
	}
	return &treeSync{syncer: s, statePath: state, fresh: fresh, notice: notice, pod: pod}, nil
}

// loop keeps the two sides in step until stop; ctx is the command's.
func (ts *treeSync) loop(ctx context.Context) {
	s, notice, pod := ts.syncer, ts.notice, ts.pod
	loopCtx, cancel := context.WithCancel(ctx)
	ts.cancel, ts.done = cancel, make(chan struct{})
	go func() {
		defer close(ts.done)
		var failing time.Time
		said := false
		_ = s.Loop(loopCtx, func(err error) {
			switch {
			case err == nil:
				failing = time.Time{}
			case failing.IsZero():
				failing = time.Now()
			case !said && time.Since(failing) > 5*time.Second:
				said = true
				fmt.Fprintf(notice, "devenv sync: syncing with the pod %s has failed for %s (%s); retrying\n", pod, time.Since(failing).Round(time.Second), oneLine(err.Error()))
			}
		})
	}()
}

// stop ends the loop and brings the pod's changes home with a last full sync; a sync
// that cannot finish is one line saying what is where.
func (ts *treeSync) stop(ctx context.Context, pod string) {
	if ts.cancel != nil {
		ts.cancel()
		<-ts.done
	}
	finalCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if err := ts.syncer.Full(finalCtx); err != nil {
		fmt.Fprintf(ts.notice, "devenv sync: the last sync with the pod %s did not finish (%s): files written in the pod since the last sync are not on this machine\n", pod, oneLine(err.Error()))
	}
	if ts.fresh {
		_ = os.Remove(ts.statePath)
	}
}

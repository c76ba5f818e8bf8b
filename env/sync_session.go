package env

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/filesync"
)

// treeSession is one project's sync with one engine: the lock that makes it the only
// one, the helper container that holds the tree's volume, and the syncer. run, shell,
// watch and clean each open one.
type treeSession struct {
	eng      Engine
	endpoint string
	volume   string
	helper   string
	lock     *flock.Flock
	syncer   *filesync.Syncer
	// fresh: the volume did not exist before, so the first sync is an upload.
	fresh bool
}

// treeTarget says which project's tree to open a session on, and with what.
type treeTarget struct {
	root, name, workdir string
	uid, gid            int
	image               string            // any image with a POSIX sh, find and stat
	labels              map[string]string // the volume's
	containerLabels     map[string]string // the helper's
}

func projectTarget(p *Project) treeTarget {
	s := p.Spec
	return treeTarget{
		root: s.Root, name: s.Name, workdir: s.Workdir, uid: s.User.UID, gid: s.User.GID, image: p.Tag,
		labels:          map[string]string{LabelProject: s.Root, LabelName: s.Name, LabelVersion: Version, LabelTree: s.Root},
		containerLabels: p.containerLabels("sync"),
	}
}

// errSyncBusy is another devenv syncing the same project with the same engine.
type errSyncBusy struct{ root, endpoint string }

func (e *errSyncBusy) Error() string {
	return fmt.Sprintf("another devenv syncs %s with %s", e.root, e.endpoint)
}

// openTree takes the project's sync lock, makes the volume when there is none, and
// starts the helper container. The helper gives the volume's root to the user as it
// starts, so no command has to run in it before the first upload.
func openTree(ctx context.Context, eng Engine, endpoint, volume string, t treeTarget, notice io.Writer) (*treeSession, error) {
	statePath, err := SyncStatePath(endpoint, t.root)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(statePath), 0o700); err != nil {
		return nil, err
	}
	lock := flock.New(statePath + ".lock")
	if ok, err := lock.TryLock(); err != nil || !ok {
		return nil, &errSyncBusy{root: t.root, endpoint: endpoint}
	}
	ts := &treeSession{eng: eng, endpoint: endpoint, volume: volume, lock: lock}
	fail := func(err error) (*treeSession, error) {
		ts.close(ctx)
		return nil, err
	}
	vols, err := eng.Volumes(ctx, map[string]string{LabelTree: t.root})
	if err != nil {
		return fail(err)
	}
	ts.fresh = true
	for _, v := range vols {
		if v.Name == volume {
			ts.fresh = false
		}
	}
	if ts.fresh {
		if err := eng.EnsureVolume(ctx, volume, t.labels); err != nil {
			return fail(err)
		}
	}
	ts.helper, err = eng.StartDetached(ctx, engine.RunRequest{
		Image: t.image,
		Name:  containerName(t.name) + "-sync",
		// A fresh volume's root belongs to whoever owns the workdir in the image; only
		// the root: the files come owned by the user in the tar stream.
		Cmd:    []string{"sh", "-c", `chown "$1" "$2" && exec sh -c 'while sleep 3600; do :; done'`, "sh", fmt.Sprintf("%d:%d", t.uid, t.gid), t.workdir},
		User:   "0:0",
		Mounts: []engine.Mount{{Source: volume, Target: t.workdir, Volume: true}},
		Labels: t.containerLabels,
		// It only lists and moves files: no network to set up at its start and to
		// tear down at its end.
		Network: "none",
	})
	if err != nil {
		return fail(fmt.Errorf("starting the sync's helper container on %s: %w", endpoint, err))
	}
	ts.syncer, err = filesync.New(filesync.Options{
		Root: t.root, UID: t.uid, GID: t.gid, StatePath: statePath,
		Endpoint: endpoint, Volume: volume, Notice: notice,
	}, &engineRemote{eng: eng, container: ts.helper, dir: t.workdir})
	if err != nil {
		return fail(err)
	}
	return ts, nil
}

// first is the session's first sync: an upload into a fresh volume, else a full
// comparison of both sides.
func (ts *treeSession) first(ctx context.Context) error {
	if ts.fresh {
		return ts.syncer.Upload(ctx)
	}
	return ts.syncer.Full(ctx)
}

// close removes the helper and lets the lock go.
func (ts *treeSession) close(ctx context.Context) {
	if ts.helper != "" {
		rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = ts.eng.RemoveContainer(rmCtx, ts.helper, true)
		ts.helper = ""
	}
	_ = ts.lock.Unlock()
}

package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/devenv/devenv/env/engine"
)

// A fresh environment is a pod per command: created with a keep-alive, the working
// tree copied in, the command run with exec (terminal, resizes, stdin, exit status),
// and the pod deleted when the command ends, however it ends.

// Run runs req in a pod of its own and returns the command's exit status.
func (k *Engine) Run(ctx context.Context, req engine.RunRequest) (int, error) {
	// Ctrl-C (or SIGTERM) while the pod starts ends the start: the pod is deleted.
	startCtx, cancel := context.WithCancel(ctx)
	var got os.Signal
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case got = <-req.Signals: // a nil channel: never
			cancel()
		case <-startCtx.Done():
		}
	}()
	st, err := k.start(startCtx, req, keepAlive)
	var ts *treeSync
	if err == nil && st.tree != nil {
		ts, err = k.startSync(startCtx, st.name, st.uid, st.tree.source, st.tree.target, req.User, true, st.notice)
		if err != nil {
			k.deletePod(context.WithoutCancel(ctx), st.name)
		}
	}
	cancel()
	<-watched
	if n, ok := got.(syscall.Signal); ok {
		if err == nil {
			if ts != nil {
				ts.stop(ctx, st.name)
			}
			k.deletePod(context.WithoutCancel(ctx), st.name)
		}
		return 128 + int(n), nil
	}
	if err != nil {
		return 0, err
	}
	name := st.name
	defer k.deletePod(context.WithoutCancel(ctx), name)
	if ts != nil {
		ts.loop(ctx)
		// Deferred after the delete, so it runs first: the pod's changes come home.
		defer ts.stop(ctx, name)
	}
	stopForward, err := k.forward(ctx, name, req.Ports)
	if err != nil {
		return 0, err
	}
	defer stopForward()
	dir := req.Workdir
	if dir == "" {
		dir = "."
	}
	// The working directory is entered here, not by the pod: it is in the tree, which
	// is synced in after the pod starts. When the command ends, what it left running
	// in the background ends too, as in a container whose main process ended: the exec
	// ends only when every process holding its output has.
	cmd := append([]string{"sh", "-c", `cd "$0" || exit 1; "$@"; s=$?; kill -9 -1 2>/dev/null; exit $s`, dir}, req.Cmd...)
	stop := func() {}
	if !req.TTY {
		// Without a terminal a signal has no byte to travel as: devenv sends it to the
		// pod's processes (but its keep-alive, PID 1) with another exec.
		stop = k.relaySignals(ctx, name, req.Signals)
	}
	defer stop()
	return k.podGone(ctx, name)(k.exec(ctx, name, cmd, streams{stdin: req.Stdin, stdout: req.Stdout, stderr: req.Stderr, tty: req.TTY, resize: req.Resize}))
}

// StartDetached starts a pod that runs req.Cmd and returns its name once it runs.
func (k *Engine) StartDetached(ctx context.Context, req engine.RunRequest) (string, error) {
	cmd := req.Cmd
	if len(cmd) == 0 {
		cmd = keepAlive
	}
	st, err := k.start(ctx, req, cmd)
	if err != nil || st.tree == nil {
		return st.name, err
	}
	// The first sync now, so that the tree is there for the hooks and the first exec.
	ts, err := k.startSync(ctx, st.name, st.uid, st.tree.source, st.tree.target, req.User, false, st.notice)
	if err != nil {
		k.deletePod(context.WithoutCancel(ctx), st.name)
		return "", err
	}
	ts.stop(ctx, st.name)
	return st.name, nil
}

// started is a pod that runs, and its tree, which the sync fills.
type started struct {
	name, uid string
	tree      *upload
	notice    io.Writer
}

// start makes the image reachable, creates the pod and copies in the host
// directories other than the tree (one way).
func (k *Engine) start(ctx context.Context, req engine.RunRequest, cmd []string) (started, error) {
	note := &crlf{w: req.Stderr, on: req.TTY}
	if req.Stderr == nil {
		note.w = io.Discard
	}
	image, err := k.ensureImage(ctx, req.Image, note, "\n")
	if err != nil {
		return started{}, err
	}
	pod, uploads, left, err := k.podFor(req, image, cmd)
	if err != nil {
		return started{}, err
	}
	if len(left) > 0 {
		fmt.Fprintf(note, "devenv: the cluster cannot see this machine's files: not in the pod: %s\n", strings.Join(left, ", "))
	}
	pod.Annotations[annotationUploads] = uploadNotes(uploads, req.User)
	uid, err := k.createPod(ctx, pod)
	if err != nil {
		return started{}, err
	}
	st := started{name: pod.Name, uid: uid, notice: note}
	if len(uploads) > 0 {
		st.tree, uploads = &uploads[0], uploads[1:]
	}
	if err := k.uploadAll(ctx, pod.Name, uploads, req.User); err != nil {
		k.deletePod(context.WithoutCancel(ctx), pod.Name)
		return started{}, err
	}
	return st, nil
}

// crlf ends lines with \r\n on a terminal in raw mode.
type crlf struct {
	w  io.Writer
	on bool
}

func (c *crlf) Write(b []byte) (int, error) {
	if !c.on {
		return c.w.Write(b)
	}
	if _, err := c.w.Write(bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(b), nil
}

// relaySignals signals the command in the pod as devenv is signalled.
func (k *Engine) relaySignals(ctx context.Context, pod string, sigs <-chan os.Signal) func() {
	if sigs == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case s := <-sigs:
				n, ok := s.(syscall.Signal)
				if !ok {
					continue
				}
				sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				_, _ = k.exec(sctx, pod, []string{"kill", fmt.Sprintf("-%d", int(n)), "-1"}, streams{stdout: io.Discard, stderr: io.Discard})
				cancel()
			}
		}
	}()
	return func() { close(done) }
}

// CreateContainer would make a pod that never starts: nothing in devenv needs one on
// a cluster (the tree is copied, not probed).
func (k *Engine) CreateContainer(ctx context.Context, req engine.RunRequest) (string, error) {
	return "", errors.New("the Kubernetes engine does not create containers without starting them")
}

// StartService is not there yet: services need a Service object and DNS in the cluster.
func (k *Engine) StartService(ctx context.Context, req engine.ServiceRequest) (string, error) {
	return "", errors.New("[services] are not supported on the Kubernetes engine yet (docs/KUBERNETES.md); run them with the Docker engine")
}

// EnsureNetwork: pods of a namespace reach each other without a network of devenv's.
func (k *Engine) EnsureNetwork(ctx context.Context, name string, labels map[string]string) error {
	return nil
}

// Networks: devenv makes none on a cluster.
func (k *Engine) Networks(ctx context.Context, labels map[string]string) ([]engine.Network, error) {
	return nil, nil
}

// EnsureVolume is refused: named volumes would be PersistentVolumeClaims, not yet made.
func (k *Engine) EnsureVolume(ctx context.Context, name string, labels map[string]string) error {
	return fmt.Errorf("named volumes (%s) are not supported on the Kubernetes engine yet (docs/KUBERNETES.md)", name)
}

// Volumes: devenv makes none on a cluster yet.
func (k *Engine) Volumes(ctx context.Context, labels map[string]string) ([]engine.Volume, error) {
	return nil, nil
}

// StartSpare is refused: a spare pod would hold a node's resources for nobody.
func (k *Engine) StartSpare(ctx context.Context, req engine.RunRequest) (string, error) {
	return "", errors.New("the Kubernetes engine keeps no spare pod")
}

// RenameContainer is refused: a pod cannot be renamed.
func (k *Engine) RenameContainer(ctx context.Context, id, name string) error {
	return errors.New("a pod cannot be renamed")
}

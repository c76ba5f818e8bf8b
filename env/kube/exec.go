package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/devenv/devenv/env/engine"
)

// streams is one exec's plumbing.
type streams struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	tty            bool
	resize         <-chan [2]uint
}

// sizeQueue turns devenv's (height, width) channel into the executor's queue.
type sizeQueue struct {
	ctx context.Context
	c   <-chan [2]uint
}

func (q sizeQueue) Next() *remotecommand.TerminalSize {
	select {
	case s, ok := <-q.c:
		if !ok {
			return nil
		}
		return &remotecommand.TerminalSize{Height: uint16(s[0]), Width: uint16(s[1])}
	case <-q.ctx.Done():
		return nil
	}
}

// exec runs cmd in the pod's dev container and returns its exit status. Kubernetes'
// exec has no user, environment or working directory of its own: the pod's apply.
func (k *Engine) exec(ctx context.Context, pod string, cmd []string, s streams) (int, error) {
	req := k.api.podSub(k.ns, pod, "exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: containerName, Command: cmd,
			Stdin: s.stdin != nil, Stdout: s.stdout != nil, Stderr: s.stderr != nil && !s.tty, TTY: s.tty,
		}, parameterCodec)
	ws, err := remotecommand.NewWebSocketExecutor(k.rc, "GET", req.URL().String())
	if err != nil {
		return 0, err
	}
	spdy, err := remotecommand.NewSPDYExecutor(k.rc, "POST", req.URL())
	if err != nil {
		return 0, err
	}
	ex, err := remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return 0, err
	}
	opts := remotecommand.StreamOptions{Stdin: s.stdin, Stdout: s.stdout, Tty: s.tty}
	if !s.tty {
		opts.Stderr = s.stderr
	}
	if s.tty && s.resize != nil {
		opts.TerminalSizeQueue = sizeQueue{ctx: ctx, c: s.resize}
	}
	err = ex.StreamWithContext(ctx, opts)
	var exit utilexec.CodeExitError
	if errors.As(err, &exit) {
		return exit.Code, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, k.execError(ctx, pod, err)
	}
	return 0, nil
}

// execError says why an exec failed: mostly, the pod went away under it.
func (k *Engine) execError(ctx context.Context, pod string, err error) error {
	p, gerr := k.getPod(context.WithoutCancel(ctx), pod)
	switch {
	case gerr != nil && isNotFound(gerr):
		return fmt.Errorf("the pod %s was deleted while the command ran (namespace %s); run the command again", pod, k.ns)
	case gerr == nil && p.DeletionTimestamp != nil:
		return fmt.Errorf("the pod %s is being deleted (namespace %s); run the command again", pod, k.ns)
	case gerr == nil && p.Status.Phase == corev1.PodFailed:
		why := p.Status.Reason
		if p.Status.Message != "" {
			why += ": " + p.Status.Message
		}
		return fmt.Errorf("the pod %s failed while the command ran (%s); run the command again", pod, strings.TrimSpace(why))
	}
	return fmt.Errorf("exec in the pod %s: %w", pod, err)
}

// Exec runs cmd in a pod, with out taking stdout and stderr.
func (k *Engine) Exec(ctx context.Context, pod string, cmd []string, user string, env []string, out io.Writer) (int, error) {
	return k.exec(ctx, pod, withEnv(cmd, "", env), streams{stdout: out, stderr: out})
}

// ExecAttached runs a command in a running pod with devenv's streams attached.
// A kept pod's tree is synced both ways while the command runs.
func (k *Engine) ExecAttached(ctx context.Context, req engine.ExecRequest) (int, error) {
	tree, uid, err := k.keptTree(ctx, req.Container)
	if err != nil {
		return 0, err
	}
	if tree != nil {
		notice := &crlf{w: req.Stderr, on: req.TTY}
		if req.Stderr == nil {
			notice.w = io.Discard
		}
		ts, err := k.startSync(ctx, req.Container, uid, tree.Source, tree.Target, tree.User, false, notice)
		if err != nil {
			return 0, err
		}
		ts.loop(ctx)
		defer ts.stop(ctx, req.Container)
	}
	return k.podGone(ctx, req.Container)(k.exec(ctx, req.Container, withEnv(req.Cmd, req.Workdir, req.Env),
		streams{stdin: req.Stdin, stdout: req.Stdout, stderr: req.Stderr, tty: req.TTY, resize: req.Resize}))
}

// podGone turns a command killed with its pod (deleted, evicted) into one line: the
// kubelet ends the exec with the container's SIGTERM or SIGKILL status, not an error.
func (k *Engine) podGone(ctx context.Context, pod string) func(int, error) (int, error) {
	return func(code int, err error) (int, error) {
		if err != nil || code < 128 || ctx.Err() != nil {
			return code, err
		}
		p, gerr := k.getPod(context.WithoutCancel(ctx), pod)
		if (gerr != nil && isNotFound(gerr)) || (gerr == nil && (p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodFailed)) {
			return code, k.execError(ctx, pod, fmt.Errorf("status %d", code))
		}
		return code, nil
	}
}

// withEnv wraps cmd so that it runs in dir with env set: exec itself cannot.
func withEnv(cmd []string, dir string, env []string) []string {
	if dir == "" && len(env) == 0 {
		return cmd
	}
	script := `exec env "$@"`
	if dir != "" {
		script = `cd "$0" && exec env "$@"`
	} else {
		dir = "sh"
	}
	return append(append([]string{"sh", "-c", script, dir}, env...), cmd...)
}

package env

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/devenv/devenv/env/engine"
)

// The engine cannot signal an exec, and an exec's processes outlive a client that
// goes away. So the command's processes carry a mark in their environment, and a
// signal reaches them through a second exec that finds the mark.

// execMark is the environment variable that marks the processes of one exec.
const execMark = "DEVENV_EXEC"

// execWithSignals runs req in its container: the signals devenv forwards reach the
// command's own process, as docker-init passes them to a fresh container's command;
// once the command has ended after one, what it started is ended too, as a fresh
// container's end would. When ctx ends (devenv hung up) the command's processes are
// killed, so only this command ends and the container stays for the next one.
func execWithSignals(ctx context.Context, eng ContainerEngine, signals <-chan os.Signal, req engine.ExecRequest) (int, error) {
	mark, req := markExec(req)
	var signalled atomic.Bool
	stop := relaySignals(ctx, eng, signals, req.Container, mark, func() { signalled.Store(true) })
	code, err := eng.ExecAttached(ctx, req)
	stop()
	if ctx.Err() != nil || signalled.Load() {
		signalExec(ctx, eng, req.Container, mark, int(syscall.SIGKILL), false)
	}
	return code, err
}

// markExec gives req a mark of its own in the command's environment.
func markExec(req engine.ExecRequest) (string, engine.ExecRequest) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	mark := hex.EncodeToString(b[:])
	req.Env = append(req.Env[:len(req.Env):len(req.Env)], execMark+"="+mark)
	return mark, req
}

// relaySignals sends each signal from signals to the marked command's own process
// until the returned func is called; sent, if given, is told of each.
func relaySignals(ctx context.Context, eng ContainerEngine, signals <-chan os.Signal, container, mark string, sent ...func()) func() {
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-signals:
				if s, ok := sig.(syscall.Signal); ok {
					for _, f := range sent {
						f()
					}
					signalExec(ctx, eng, container, mark, int(s), true)
				}
			case <-done:
				return
			}
		}
	}()
	return func() { close(done) }
}

// signalScript sends signal $2 to the processes marked $1, as root in the
// container: with $3 = top only to the exec's own process, the marked one whose
// parent is outside the container (PPid 0: the engine started it), as the engine's
// init passes a signal to a fresh container's command alone. Builtins read the
// parent, so that an image without awk works.
const signalScript = `for p in /proc/[0-9]*; do
	tr '\0' '\n' < "$p/environ" 2>/dev/null | grep -qx "$1" || continue
	if [ "$3" = top ]; then
		ppid=
		while read -r k v; do [ "$k" = PPid: ] && ppid=$v && break; done 2>/dev/null < "$p/status"
		[ "$ppid" = 0 ] || continue
	fi
	kill -"$2" "${p#/proc/}" 2>/dev/null
done
exit 0`

// signalExec sends signal sig to the processes marked mark (top: to the command's
// own process only), and waits for that (a few seconds at most).
func signalExec(ctx context.Context, eng ContainerEngine, container, mark string, sig int, top bool) {
	which := "all"
	if top {
		which = "top"
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, _ = eng.Exec(sctx, container, []string{"/bin/sh", "-c", signalScript, "sh", execMark + "=" + mark, strconv.Itoa(sig), which}, "0", nil, io.Discard)
}

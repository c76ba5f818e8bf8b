package env

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"strconv"
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
// command's processes, and when ctx ends (devenv hung up) they are killed, so only
// this command ends and the container stays for the next one.
func execWithSignals(ctx context.Context, eng ContainerEngine, signals <-chan os.Signal, req engine.ExecRequest) (int, error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	mark := hex.EncodeToString(b[:])
	req.Env = append(req.Env[:len(req.Env):len(req.Env)], execMark+"="+mark)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case sig := <-signals:
				if s, ok := sig.(syscall.Signal); ok {
					signalExec(ctx, eng, req.Container, mark, int(s))
				}
			case <-done:
				return
			}
		}
	}()
	code, err := eng.ExecAttached(ctx, req)
	if ctx.Err() != nil {
		signalExec(ctx, eng, req.Container, mark, int(syscall.SIGKILL))
	}
	return code, err
}

// signalExec sends signal sig to the processes marked mark, as root in the
// container, and waits for that (a few seconds at most).
func signalExec(ctx context.Context, eng ContainerEngine, container, mark string, sig int) {
	script := `for p in /proc/[0-9]*; do if tr '\0' '\n' < "$p/environ" 2>/dev/null | grep -qx "$1"; then kill -"$2" "${p#/proc/}" 2>/dev/null; fi; done; exit 0`
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, _ = eng.Exec(sctx, container, []string{"/bin/sh", "-c", script, "sh", execMark + "=" + mark, strconv.Itoa(sig)}, "0", nil, io.Discard)
}

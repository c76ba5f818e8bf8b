//go:build linux

package tests

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/creack/pty"
	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// ptyDeadline bounds every wait for output in a dialog.
const ptyDeadline = 90 * time.Second

// cmdPty runs a command on a pseudo-terminal, as a person at a terminal would, and
// plays a dialog file against it:
//
//	pty [-exit=N|-anyexit] DIALOG CMD [ARGS...]
//
// Each dialog line is "expect REGEXP" (wait, with a deadline, for output matching it
// after the previous match), "send TEXT" (type TEXT and Enter) or "host CMD" (run CMD
// with sh on the host, as a person would in another terminal) or "hangup WITHIN"
// (close the terminal; the command must then exit within WITHIN). The whole output is
// saved to $WORK/pty.out. After the command ends, its exit status must be N (default 0)
// and the terminal's modes must be what they were before it started.
func cmdPty(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("pty", flag.ContinueOnError)
	wantExit := fs.Int("exit", 0, "expected exit status")
	anyExit := fs.Bool("anyexit", false, "any exit status (a wrapper's, as su's)")
	if err := fs.Parse(args); err != nil || fs.NArg() < 2 {
		ts.Fatalf("usage: pty [-exit=N] DIALOG CMD [ARGS...]")
	}
	dialog := strings.Split(strings.TrimSpace(ts.ReadFile(fs.Arg(0))), "\n")
	name := fs.Arg(1)
	if name == "devenv" {
		name = filepath.Join(binDir, "devenv")
	}
	cmd := exec.Command(name, fs.Args()[2:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = append(os.Environ(), "TERM=xterm", "PATH="+ts.Getenv("PATH"))
	// The engine the script chose, not the test process's (a script's own kubeconfig
	// and namespace, a second engine): later entries win.
	for _, k := range []string{"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "KUBECONFIG", "DEVENV_KUBE_LOAD", "DEVENV_KUBE_REGISTRY", "DEVENV_ENGINE"} {
		if v := ts.Getenv(k); v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}

	ptmx, tty, err := pty.Open()
	ts.Check(err)
	defer ptmx.Close()
	defer tty.Close()
	ts.Check(pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 100}))
	before, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	ts.Check(err)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	ts.Check(cmd.Start())

	var mu sync.Mutex
	var out bytes.Buffer
	readDone := make(chan struct{})
	var closing atomic.Bool // the reader stops, so that a hang-up can close the terminal
	go func() {
		defer close(readDone)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			// Answer "where is the cursor?" as a real terminal does: line editors
			// (busybox ash, readline) wait for the answer before taking input.
			for range bytes.Count(buf[:n], []byte("\x1b[6n")) {
				_, _ = ptmx.Write([]byte("\x1b[1;1R"))
			}
			if err != nil || closing.Load() {
				return
			}
		}
	}()
	saveOutput := func() {
		mu.Lock()
		defer mu.Unlock()
		_ = os.WriteFile(filepath.Join(ts.Getenv("WORK"), "pty.out"), out.Bytes(), 0o666)
	}
	defer saveOutput()

	var hungUp time.Time
	var hangupWithin time.Duration
	pos := 0
	for _, line := range dialog {
		verb, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch verb {
		case "expect":
			re, err := regexp.Compile(arg)
			ts.Check(err)
			deadline := time.Now().Add(ptyDeadline)
			for {
				mu.Lock()
				loc := re.FindIndex(out.Bytes()[pos:])
				mu.Unlock()
				if loc != nil {
					pos += loc[1]
					break
				}
				if time.Now().After(deadline) {
					saveOutput()
					_ = cmd.Process.Kill()
					ts.Fatalf("pty: no output matching %q within %s; output so far:\n%s", arg, ptyDeadline, out.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
		case "send":
			_, err := ptmx.Write([]byte(arg + "\r"))
			ts.Check(err)
		case "host":
			// host CMD: run a shell command on the host, in the script's directory.
			sh := exec.Command("sh", "-c", arg)
			sh.Dir = cmd.Dir
			if out, err := sh.CombinedOutput(); err != nil {
				ts.Fatalf("pty: host %q: %v: %s", arg, err, out)
			}
		case "hangup":
			// hangup WITHIN: close the terminal, as a closed window or a dropped
			// ssh session does; the command must exit within WITHIN (a Go duration).
			within, err := time.ParseDuration(arg)
			ts.Check(err)
			// A read in progress would keep the terminal open: wake the reader
			// with a byte from the other side, and let it stop.
			closing.Store(true)
			_, _ = tty.Write([]byte("\n"))
			<-readDone
			hungUp, hangupWithin = time.Now(), within
			ptmx.Close()
		case "", "#":
		default:
			ts.Fatalf("pty dialog: unknown verb %q", verb)
		}
	}

	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	var runErr error
	select {
	case runErr = <-waitErr:
	case <-time.After(ptyDeadline):
		_ = cmd.Process.Kill()
		ts.Fatalf("pty: %s did not exit within %s", fs.Arg(1), ptyDeadline)
	}
	code := 0
	var exitErr *exec.ExitError
	if errors.As(runErr, &exitErr) {
		code = exitErr.ExitCode()
	} else if runErr != nil {
		ts.Fatalf("pty: %v", runErr)
	}
	if (code == *wantExit || *anyExit) == neg {
		ts.Fatalf("pty: exit status %d, want %d; output:\n%s", code, *wantExit, out.String())
	}
	if !hungUp.IsZero() {
		// A hung-up terminal has no modes left to compare.
		took := time.Since(hungUp)
		ts.Logf("pty: %s exited %s after the hang-up", fs.Arg(1), took.Round(time.Millisecond))
		if took > hangupWithin {
			ts.Fatalf("pty: %s took %s to exit after the hang-up, want at most %s", fs.Arg(1), took.Round(time.Millisecond), hangupWithin)
		}
		return
	}
	after, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	ts.Check(err)
	if after.Lflag != before.Lflag || after.Iflag != before.Iflag || after.Oflag != before.Oflag {
		ts.Fatalf("pty: terminal modes not restored: lflag %#x -> %#x, iflag %#x -> %#x", before.Lflag, after.Lflag, before.Iflag, after.Iflag)
	}
}

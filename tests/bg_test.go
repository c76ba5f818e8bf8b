//go:build linux

package tests

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Long-running commands (devenv watch) are started in the background with their
// output in a log that the script can wait on, line by line, with a deadline.
var (
	bgMu    sync.Mutex
	bgProcs = map[string]*exec.Cmd{}
)

const logDeadline = 120 * time.Second

func bgKey(ts *testscript.TestScript, name string) string { return ts.Getenv("WORK") + "/" + name }

// bg NAME CMD [ARGS...]: start CMD in the current directory; its stdout and stderr go
// to $WORK/NAME.log.
func cmdBg(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: bg NAME CMD [ARGS...]")
	}
	name := args[1]
	if name == "devenv" {
		name = filepath.Join(binDir, "devenv")
	}
	logFile, err := os.Create(filepath.Join(ts.Getenv("WORK"), args[0]+".log"))
	ts.Check(err)
	cmd := exec.Command(name, args[2:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = append(os.Environ(), "PATH="+ts.Getenv("PATH"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	ts.Check(cmd.Start())
	bgMu.Lock()
	bgProcs[bgKey(ts, args[0])] = cmd
	bgMu.Unlock()
	ts.Defer(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logFile.Close()
	})
}

// waitlog [-count=N] NAME REGEXP: wait until NAME.log has at least N (default 1) lines
// matching REGEXP. ! waitlog [-count=N] checks the log has fewer than N (default 1)
// such lines now.
func cmdWaitLog(ts *testscript.TestScript, neg bool, args []string) {
	count := 1
	if len(args) > 0 && len(args[0]) > 7 && args[0][:7] == "-count=" {
		n, err := strconv.Atoi(args[0][7:])
		ts.Check(err)
		count, args = n, args[1:]
	}
	if len(args) != 2 {
		ts.Fatalf("usage: waitlog [-count=N] NAME REGEXP")
	}
	re, err := regexp.Compile("(?m)" + args[1])
	ts.Check(err)
	path := filepath.Join(ts.Getenv("WORK"), args[0]+".log")
	deadline := time.Now().Add(logDeadline)
	for {
		data, _ := os.ReadFile(path)
		n := len(re.FindAllIndex(data, -1))
		if neg {
			if n >= count {
				ts.Fatalf("%s.log has %d lines matching %q, want fewer than %d:\n%s", args[0], n, args[1], count, data)
			}
			return
		}
		if n >= count {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s.log: %d of %d lines matching %q after %s:\n%s", args[0], n, count, args[1], logDeadline, data)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// bgstop NAME: interrupt the command as Ctrl-C would and wait for it; it must exit 0
// within a few seconds.
func cmdBgStop(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: bgstop NAME")
	}
	bgMu.Lock()
	cmd := bgProcs[bgKey(ts, args[0])]
	bgMu.Unlock()
	if cmd == nil {
		ts.Fatalf("no background command %s", args[0])
	}
	ts.Check(cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) && !neg {
			ts.Fatalf("%s exited with status %d", args[0], exit.ExitCode())
		}
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		ts.Fatalf("%s did not stop within 5 s of SIGINT", args[0])
	}
}

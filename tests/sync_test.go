//go:build linux

package tests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Commands for testdata/sync_*.txtar: an engine that cannot see the project's path.
func init() {
	scriptCmds["remoteengine"] = cmdRemoteEngine
	scriptCmds["syncbg"] = cmdSyncBg
	scriptCmds["syncwait"] = cmdSyncWait
	scriptCmds["syncwaitfile"] = cmdSyncWaitFile
	scriptCmds["syncint"] = cmdSyncInt
}

// remoteengine start: a second dockerd in its own mount namespace, where the
// directory holding $WORK is an empty tmpfs, so the project's path does not exist for
// it, as for an engine on another machine. Its own data root, exec root, pid file and
// socket (outside $WORK, in a directory of its own), its own bridge, no iptables rules;
// busybox:devenv is loaded into it. It sets REMOTE_HOST (its unix:// socket) and
// REMOTE_DATA (its data root, readable here: it is not under the tmpfs). It ends, with
// everything it started, when the script ends.
// remoteengine start SIZE: the same with its data root on a tmpfs of SIZE (mount's
// size=, e.g. 200m), mounted here too, so that the engine's disk can fill up.
// remoteengine kill: SIGKILL the second dockerd and what it started (the engine gone
// mid-sync).
func cmdRemoteEngine(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 || (args[0] != "start" && args[0] != "kill") || (args[0] == "kill" && len(args) > 1) {
		ts.Fatalf("usage: remoteengine start [SIZE] | kill")
	}
	if args[0] == "kill" {
		killRemote(ts.Getenv("REMOTE_DIR"), syscall.SIGKILL)
		return
	}
	spec := testEngine{what: "second engine", dirPrefix: "devenv-remote-engine-",
		bridgePrefix: "dvsync", octet: 213, first: 200, last: 255, hide: filepath.Dir(ts.Getenv("WORK"))}
	if len(args) == 2 {
		spec.dataSize = args[1]
	}
	e := startTestEngine(ts, spec)
	ts.Setenv("REMOTE_HOST", e.host)
	ts.Setenv("REMOTE_DIR", e.dir)
	ts.Setenv("REMOTE_DATA", e.data)
}

// killRemote signals every process whose command line names the engine's directory:
// the unshare'd dockerd, its containerd and the containers' shims, which leave its
// process group.
func killRemote(dir string, sig syscall.Signal) {
	if dir == "" {
		return
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(dir)) {
			_ = syscall.Kill(pid, sig)
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// syncProcs are the syncbg devenvs, by $WORK/NAME: each one's end; syncPids their
// processes.
var syncProcs, syncPids sync.Map

// syncint NAME: Ctrl-C (SIGINT) for a syncbg devenv, as a user stops devenv watch.
func cmdSyncInt(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: syncint NAME")
	}
	v, ok := syncPids.Load(ts.Getenv("WORK") + "/" + args[0])
	if !ok {
		ts.Fatalf("no syncbg %s", args[0])
	}
	ts.Check(v.(*os.Process).Signal(os.Interrupt))
}

// syncbg NAME devenv ARGS...: devenv in the background with this script's
// environment (DOCKER_HOST, HOME, XDG_CACHE_HOME), its output in $WORK/NAME.log.
func cmdSyncBg(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || args[1] != "devenv" {
		ts.Fatalf("usage: syncbg NAME devenv ARGS...")
	}
	logFile, err := os.Create(filepath.Join(ts.Getenv("WORK"), args[0]+".log"))
	ts.Check(err)
	cmd := exec.Command(filepath.Join(binDir, "devenv"), args[2:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = os.Environ()
	for _, k := range []string{"PATH", "DOCKER_HOST", "HOME", "XDG_CACHE_HOME"} {
		cmd.Env = append(cmd.Env, k+"="+ts.Getenv(k))
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	ts.Check(cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	syncProcs.Store(ts.Getenv("WORK")+"/"+args[0], done)
	syncPids.Store(ts.Getenv("WORK")+"/"+args[0], cmd.Process)
	ts.Defer(func() {
		_ = cmd.Process.Kill()
		logFile.Close()
	})
}

// syncwait NAME: wait (up to 60 s) for a syncbg devenv to end with status 0;
// ! syncwait NAME: with another status.
func cmdSyncWait(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: syncwait NAME")
	}
	v, ok := syncProcs.Load(ts.Getenv("WORK") + "/" + args[0])
	if !ok {
		ts.Fatalf("no syncbg %s", args[0])
	}
	select {
	case err := <-v.(chan error):
		log, _ := os.ReadFile(filepath.Join(ts.Getenv("WORK"), args[0]+".log"))
		ts.Logf("%s.log:\n%s", args[0], log)
		if (err == nil) == neg {
			ts.Fatalf("devenv %s ended with %v", args[0], err)
		}
	case <-time.After(60 * time.Second):
		ts.Fatalf("devenv %s still running after 60 s", args[0])
	}
}

// syncwaitfile PATH [REGEXP]: wait up to 15 s for PATH to exist (and its content to
// match REGEXP).
func cmdSyncWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: syncwaitfile PATH [REGEXP]")
	}
	var re *regexp.Regexp
	if len(args) == 2 {
		re = regexp.MustCompile(args[1])
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, err := os.ReadFile(ts.MkAbs(args[0]))
		if err == nil && (re == nil || re.Match(b)) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear (or match %v) within 15 s: %q %v", args[0], re, b, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

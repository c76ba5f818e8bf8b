//go:build linux

package tests

import (
	"bytes"
	"fmt"
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
	if os.Getuid() != 0 {
		ts.Fatalf("a second dockerd needs root")
	}
	for _, bin := range []string{"dockerd", "unshare", "docker", "ip"} {
		if _, err := exec.LookPath(bin); err != nil {
			ts.Fatalf("%s is missing: run scripts/engine-up.sh", bin)
		}
	}
	dir, err := os.MkdirTemp("", "devenv-remote-engine-")
	ts.Check(err)
	ts.Check(os.Chmod(dir, 0o755))
	sock := filepath.Join(dir, "remote.sock")
	hide := filepath.Dir(ts.Getenv("WORK"))
	data := filepath.Join(dir, "data")
	ts.Check(os.Mkdir(data, 0o711))
	if len(args) == 2 {
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+args[1], "devenv-remote-data", data).CombinedOutput(); err != nil {
			ts.Fatalf("mount a tmpfs of %s: %v: %s", args[1], err, out)
		}
	}
	// A bridge of its own (build steps and containers need one; the host's docker0 is
	// the first engine's), on a free 10.213.N.0/24, removed at the end.
	bridge := engineBridge(ts, "dvsync", 213, 200, 255, "second engine")
	script := fmt.Sprintf(`mount -t tmpfs devenv-hide %q && exec dockerd --data-root %q --exec-root %q --pidfile %q -H %q --bridge=%s --iptables=false --ip6tables=false --ip-masq=false`,
		hide, data, filepath.Join(dir, "exec"), filepath.Join(dir, "dockerd.pid"), "unix://"+sock, bridge)
	logFile, err := os.Create(filepath.Join(dir, "dockerd.log"))
	ts.Check(err)
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", script)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	ts.Check(cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	ts.Defer(func() {
		killRemote(dir, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			killRemote(dir, syscall.SIGKILL)
			<-exited
		}
		logFile.Close()
		// Anything a killed engine left mounted lived in its namespace, gone with it;
		// the data root's tmpfs is ours.
		if len(args) == 2 {
			for i := 0; i < 50 && exec.Command("umount", data).Run() != nil; i++ {
				time.Sleep(100 * time.Millisecond)
			}
		}
		_ = os.RemoveAll(dir)
	})
	host := "unix://" + sock
	deadline := time.Now().Add(60 * time.Second)
	for exec.Command("docker", "-H", host, "version").Run() != nil {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "dockerd.log"))
			ts.Fatalf("the second dockerd did not answer within 60 s:\n%s", tail(string(log), 20))
		}
		time.Sleep(200 * time.Millisecond)
	}
	load := exec.Command("sh", "-c", `docker save busybox:devenv | docker -H "$1" load -q`, "sh", host)
	if out, err := load.CombinedOutput(); err != nil {
		ts.Fatalf("loading busybox:devenv into the second dockerd: %v: %s", err, out)
	}
	ts.Setenv("REMOTE_HOST", host)
	ts.Setenv("REMOTE_DIR", dir)
	ts.Setenv("REMOTE_DATA", filepath.Join(dir, "data"))
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

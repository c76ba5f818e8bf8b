//go:build linux

package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Commands of the hang-up scripts: a terminal that goes away under devenv.
func init() {
	scriptCmds["devenvpath"] = cmdDevenvPath
	scriptCmds["holds"] = cmdHolds
	scriptCmds["waitgone"] = cmdWaitGone
	scriptCmds["waitrunning"] = cmdWaitRunning
	scriptCmds["tmux"] = cmdTmux
	scriptCmds["leftover"] = cmdLeftover
	scriptCmds["sudoers"] = cmdSudoers
	scriptCmds["traversable"] = cmdTraversable
}

// sudoers USER: a sudoers rule, for the script's length, that lets USER run sh as root
// without a password, as a developer who runs `sudo devenv shell` has.
func cmdSudoers(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sudoers USER")
	}
	if _, err := exec.LookPath("sudo"); err != nil {
		ts.Fatalf("sudo is missing: run scripts/engine-up.sh (it installs sudo)")
	}
	if os.Getuid() != 0 {
		ts.Fatalf("sudoers: writing a sudoers rule needs root")
	}
	rule := fmt.Sprintf("/etc/sudoers.d/devenv-e2e-%d", os.Getpid())
	ts.Check(os.WriteFile(rule, []byte(args[0]+" ALL=(root) NOPASSWD: /bin/sh, /usr/bin/sh\n"), 0o440))
	ts.Defer(func() { _ = os.Remove(rule) })
	if out, err := exec.Command("visudo", "-c", "-f", rule).CombinedOutput(); err != nil {
		ts.Fatalf("visudo: %v: %s", err, out)
	}
}

// traversable PATH...: every directory from each PATH up to / may be read and entered
// by other users (o+rx), for commands run as another user. The script's own
// directories are restored when it ends; the test binary's shared temporary ones (the
// work root, the devenv binary's) stay open until the binary removes them, as a script
// running beside this one may still need them.
func cmdTraversable(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: traversable PATH...")
	}
	work := ts.Getenv("WORK")
	for _, p := range args {
		for d := ts.MkAbs(p); d != "/" && d != "."; d = filepath.Dir(d) {
			st, err := os.Stat(d)
			ts.Check(err)
			if !st.IsDir() || st.Mode().Perm()&0o005 == 0o005 {
				continue
			}
			mode := st.Mode().Perm()
			ts.Check(os.Chmod(d, mode|0o005))
			if d == work || strings.HasPrefix(d, work+string(filepath.Separator)) {
				ts.Defer(func() { _ = os.Chmod(d, mode) })
			}
		}
	}
}

// devenvpath VAR: set VAR to the devenv binary under test, for commands (su -c)
// that do not keep the script's PATH.
func cmdDevenvPath(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: devenvpath VAR")
	}
	ts.Setenv(args[0], filepath.Join(binDir, "devenv"))
}

// holds FILE TEXT WITHIN: FILE holds TEXT (spaces trimmed) within WITHIN.
func cmdHolds(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: holds FILE TEXT WITHIN")
	}
	within, err := time.ParseDuration(args[2])
	ts.Check(err)
	deadline := time.Now().Add(within)
	for {
		data, _ := os.ReadFile(ts.MkAbs(args[0]))
		if strings.TrimSpace(string(data)) == args[1] {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s holds %q after %s, want %q", args[0], data, within, args[1])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// projectContainers lists the containers of this script's projects: ID, state and
// the devenv waiting for each (dev.devenv.client).
func projectContainers(ts *testscript.TestScript) [][3]string {
	out, err := exec.Command("docker", "ps", "-a", "--format", `{{.ID}} {{.State}} {{.Label "dev.devenv.project"}} {{.Label "dev.devenv.client"}}`).Output()
	ts.Check(err)
	var list [][3]string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && strings.HasPrefix(f[2], ts.Getenv("WORK")) {
			client := ""
			if len(f) > 3 {
				client = f[3]
			}
			list = append(list, [3]string{f[0], f[1], client})
		}
	}
	return list
}

// waitrunning: wait (a minute at most) until a container of this script's projects
// runs.
func cmdWaitRunning(ts *testscript.TestScript, neg bool, args []string) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		for _, c := range projectContainers(ts) {
			if c[1] == "running" {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("no container of this project runs after a minute")
}

// waitgone WITHIN: within WITHIN, no container of this script's projects is left,
// nor the devenv processes that waited for them (named in their dev.devenv.client).
func cmdWaitGone(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitgone WITHIN")
	}
	within, err := time.ParseDuration(args[0])
	ts.Check(err)
	start := time.Now()
	var pids []int
	for _, c := range projectContainers(ts) {
		if parts := strings.Split(c[2], "/"); len(parts) == 3 {
			pid, _ := strconv.Atoi(parts[1])
			pids = append(pids, pid)
		}
	}
	var containersGone time.Duration
	for {
		left := len(projectContainers(ts))
		if left == 0 && containersGone == 0 {
			containersGone = time.Since(start)
		}
		alive := 0
		for _, pid := range pids {
			if processAlive(pid) {
				alive++
			}
		}
		if left == 0 && alive == 0 {
			ts.Logf("containers gone %s, devenv %s after waitgone", containersGone.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Since(start) > within {
			ts.Fatalf("after %s: %d containers and %d devenv processes (%v) left", within, left, alive, pids)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tmux new CMD | tmux kill: a tmux session of the script's own (its own server
// socket in $WORK) running CMD with sh; kill ends the session, as closing a tmux
// window or `tmux kill-session` does. The server goes with the script.
func cmdTmux(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: tmux new CMD | tmux kill")
	}
	sock := filepath.Join(ts.Getenv("WORK"), "tmux.sock")
	tmux := func(a ...string) {
		cmd := exec.Command("tmux", append([]string{"-S", sock}, a...)...)
		cmd.Dir = ts.MkAbs(".")
		cmd.Env = append(os.Environ(), "PATH="+ts.Getenv("PATH"), "TERM=xterm")
		if out, err := cmd.CombinedOutput(); err != nil {
			ts.Fatalf("tmux %v: %v: %s", a, err, out)
		}
	}
	switch {
	case args[0] == "new" && len(args) == 2:
		tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", args[1])
		ts.Defer(func() { _ = exec.Command("tmux", "-S", sock, "kill-server").Run() })
	case args[0] == "kill" && len(args) == 1:
		tmux("kill-session", "-t", "t")
	default:
		ts.Fatalf("usage: tmux new CMD | tmux kill")
	}
}

// leftover old|gone: start a container labelled as a fresh environment of the
// script's project whose devenv is gone: one of an older devenv (no
// dev.devenv.client), or one naming a devenv process of this boot that has ended.
func cmdLeftover(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || (args[0] != "old" && args[0] != "gone") {
		ts.Fatalf("usage: leftover old|gone")
	}
	labels := []string{"--label", "dev.devenv.project=" + ts.Getenv("WORK"), "--label", "dev.devenv.container=run", "--label", "dev.devenv.name=leftover"}
	if args[0] == "gone" {
		boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
		ts.Check(err)
		// A process that has ended: start one and wait for it.
		p := exec.Command("true")
		ts.Check(p.Run())
		labels = append(labels, "--label", fmt.Sprintf("dev.devenv.client=%s/%d/1", strings.TrimSpace(string(boot)), p.Process.Pid))
	}
	a := append([]string{"run", "-d", "--name", "devenv-leftover-" + args[0] + "-" + strconv.Itoa(os.Getpid())}, labels...)
	out, err := exec.Command("docker", append(a, "busybox:devenv", "sleep", "600")...).CombinedOutput()
	if err != nil {
		ts.Fatalf("docker run: %v: %s", err, out)
	}
}

// processAlive: pid runs (a zombie, ended but not yet reaped by whoever adopted it,
// does not count).
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] != 'Z'
}

//go:build linux

// Long days, shortened: a watcher through many saves and builds, and a persistent
// environment through many commands, with the resource figures read from /proc, at the
// counts of issue 17 (see docs/RELIABILITY.md, "Long days", for the time they take).
package tests

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// The counts: 2,000 saves, 200 builds, 1,000 commands (the time measured
	// is in docs/RELIABILITY.md, "Long days").
	soakBuilds        = 200  // 20 of them warm-up
	soakSavesPerBuild = 10   // 2,000 saves: each burst is debounced into one build
	soakWarmBuilds    = 20   // builds before the first sample (the heap and caches settle)
	soakRuns          = 1000 // commands in one persistent environment
	soakRSSMarginKB   = 10 * 1024
)

func soakPrereq(t *testing.T) {
	if engineErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("soak tests need a Docker Engine: %v", engineErr)
		}
		t.Skipf("soak tests need a Docker Engine: %v", engineErr)
	}
}

// soakProject writes a project into a directory removed, with its containers, at the end.
func soakProject(t *testing.T, toml string) string {
	dir, err := os.MkdirTemp("", "devenv-soak-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeContainersOf(dir); removeVolumesOf(dir); os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "devenv.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

type procSample struct{ rssKB, fds, inotify, threads int }

func (s procSample) String() string {
	return fmt.Sprintf("RSS %d kB, %d fds, %d inotify watches, %d threads", s.rssKB, s.fds, s.inotify, s.threads)
}

// sampleProc reads a process's resident set, open descriptors, inotify watches and
// threads from /proc.
func sampleProc(t *testing.T, pid int) procSample {
	var s procSample
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "VmRSS:" {
			s.rssKB, _ = strconv.Atoi(f[1])
		}
		if len(f) >= 2 && f[0] == "Threads:" {
			s.threads, _ = strconv.Atoi(f[1])
		}
	}
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(fdDir)
	if err != nil {
		t.Fatal(err)
	}
	s.fds = len(fds)
	for _, fd := range fds {
		info, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%s", pid, fd.Name()))
		if err != nil {
			continue // closed between the listing and the read
		}
		for _, line := range strings.Split(string(info), "\n") {
			if strings.HasPrefix(line, "inotify wd:") {
				s.inotify++
			}
		}
	}
	return s
}

// TestSoakWatch: devenv watch through 2,000 saves and 200 builds keeps its resident
// set within 10 MB of the figure after warm-up, and its descriptors and inotify
// watches exactly as they were.
func TestSoakWatch(t *testing.T) {
	soakPrereq(t)
	dir := soakProject(t, `name = "e2e-soak-watch"
base = "busybox:devenv"
dependencies = ["deps.txt"]
install = ["cat deps.txt"]
`)
	deps := filepath.Join(dir, "deps.txt")
	if err := os.WriteFile(deps, []byte(fmt.Sprintf("start %d\n", time.Now().UnixNano())), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(binDir, "devenv"), "watch")
	cmd.Dir = dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	ready := make(chan string, 1000)
	var lastLines []string
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if len(lastLines) < 20 {
				lastLines = append(lastLines, line)
			}
			if strings.Contains(line, "ready: ") {
				ready <- line
			}
		}
		done <- cmd.Wait()
		close(ready)
	}()
	waitReady := func(what string) {
		select {
		case _, ok := <-ready:
			if !ok {
				t.Fatalf("devenv watch ended during %s; its first lines: %q", what, lastLines)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("no ready line within 60 s after %s", what)
		}
	}
	waitReady("start-up")

	saves := 0
	build := func(i int) {
		for j := 0; j < soakSavesPerBuild; j++ {
			// Each save is a whole new file, as an editor writes it.
			body := fmt.Sprintf("build %d save %d %d\n", i, j, time.Now().UnixNano())
			if err := os.WriteFile(deps, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			saves++
			time.Sleep(2 * time.Millisecond)
		}
		waitReady(fmt.Sprintf("build %d", i))
	}
	start := time.Now()
	for i := 0; i < soakWarmBuilds; i++ {
		build(i)
	}
	pid := cmd.Process.Pid
	warm := sampleProc(t, pid)
	for i := soakWarmBuilds; i < soakBuilds; i++ {
		build(i)
	}
	// Let the last build's goroutines and buffers go before the last sample.
	time.Sleep(500 * time.Millisecond)
	end := sampleProc(t, pid)
	extra := len(ready) // builds beyond one per burst: a burst the debounce split
	t.Logf("%d saves, %d builds (+%d extra) in %s; after warm-up: %s; at the end: %s",
		saves, soakBuilds, extra, time.Since(start).Round(time.Second), warm, end)
	if end.rssKB > warm.rssKB+soakRSSMarginKB {
		t.Errorf("RSS grew from %d kB to %d kB, more than the %d kB margin", warm.rssKB, end.rssKB, soakRSSMarginKB)
	}
	// A leak grows; one fewer is a connection to the engine that was still open when
	// the warm-up sample was taken (seen once in CI: 12 then 11).
	if end.fds > warm.fds {
		t.Errorf("open descriptors grew from %d to %d", warm.fds, end.fds)
	}
	if end.inotify != warm.inotify || end.inotify == 0 {
		t.Errorf("inotify watches went from %d to %d", warm.inotify, end.inotify)
	}
}

// TestSoakPersistent: many commands in one persistent environment leave no exec
// process behind: the warm container holds only its keep-alive.
func TestSoakPersistent(t *testing.T) {
	soakPrereq(t)
	dir := soakProject(t, `name = "e2e-soak-warm"
base = "busybox:devenv"
persistent = true
`)
	bin := filepath.Join(binDir, "devenv")
	start := time.Now()
	for i := 0; i < soakRuns; i++ {
		cmd := exec.Command(bin, "run", "--", "true")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("command %d: %v: %s", i, err, out)
		}
	}
	elapsed := time.Since(start)
	id, err := exec.Command("docker", "ps", "-q", "--filter", "label=dev.devenv.name=e2e-soak-warm",
		"--filter", "label=dev.devenv.persistent=true").Output()
	if err != nil || len(strings.Fields(string(id))) != 1 {
		t.Fatalf("want one warm container, docker ps said %q (%v)", id, err)
	}
	top, err := exec.Command("docker", "top", strings.TrimSpace(string(id)), "-o", "pid,args").Output()
	if err != nil {
		t.Fatal(err)
	}
	// The keep-alive: the init, its shell loop and the loop's sleep.
	var stray []string
	for _, line := range strings.Split(strings.TrimSpace(string(top)), "\n")[1:] {
		if strings.Contains(line, "docker-init") || strings.Contains(line, "while :; do sleep 3600") ||
			strings.HasSuffix(strings.TrimSpace(line), "sleep 3600") {
			continue
		}
		stray = append(stray, line)
	}
	t.Logf("%d commands in %s (%s each)", soakRuns, elapsed.Round(time.Second), (elapsed / soakRuns).Round(time.Millisecond))
	if len(stray) > 0 {
		t.Errorf("processes left in the warm container after %d commands: %q", soakRuns, stray)
	}
	rm := exec.Command(bin, "rm", "--force")
	rm.Dir = dir
	if out, err := rm.CombinedOutput(); err != nil {
		t.Errorf("devenv rm --force: %v: %s", err, out)
	}
}

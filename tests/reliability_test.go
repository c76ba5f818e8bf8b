//go:build linux

package tests

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/rogpeppe/go-internal/testscript"
)

// Signals sent to background commands, and when, so bgwait can time the exit from
// the signal rather than from when it is called.
var (
	bgSigMu   sync.Mutex
	bgSigTime = map[string]time.Time{}
)

// bgsignal NAME SIGNAL: send SIGINT, SIGTERM, SIGHUP or SIGKILL to a command bg started.
func cmdBgSignal(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: bgsignal NAME SIGINT|SIGTERM|SIGHUP|SIGKILL")
	}
	sigs := map[string]syscall.Signal{"SIGINT": syscall.SIGINT, "SIGTERM": syscall.SIGTERM, "SIGHUP": syscall.SIGHUP, "SIGKILL": syscall.SIGKILL}
	sig, ok := sigs[args[1]]
	if !ok {
		ts.Fatalf("unknown signal %q", args[1])
	}
	bgMu.Lock()
	cmd := bgProcs[bgKey(ts, args[0])]
	bgMu.Unlock()
	if cmd == nil {
		ts.Fatalf("no background command %s", args[0])
	}
	bgSigMu.Lock()
	bgSigTime[bgKey(ts, args[0])] = time.Now()
	bgSigMu.Unlock()
	ts.Check(cmd.Process.Signal(sig))
}

// bgwait NAME STATUS WITHIN: the command bg started exits with STATUS within WITHIN
// (a Go duration) of the last bgsignal to it (or of now, when none was sent).
func cmdBgWait(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: bgwait NAME STATUS WITHIN")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	within, err := time.ParseDuration(args[2])
	ts.Check(err)
	key := bgKey(ts, args[0])
	bgMu.Lock()
	cmd := bgProcs[key]
	bgMu.Unlock()
	if cmd == nil {
		ts.Fatalf("no background command %s", args[0])
	}
	bgSigMu.Lock()
	start, ok := bgSigTime[key]
	bgSigMu.Unlock()
	if !ok {
		start = time.Now()
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Wait well past the limit, so a late exit is reported with how late it was.
	select {
	case err := <-done:
		took := time.Since(start)
		got := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			got = exit.ExitCode()
			if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				got = 128 + int(ws.Signal())
			}
		} else if err != nil {
			ts.Fatalf("%s: %v", args[0], err)
		}
		ts.Logf("%s exited with status %d %s after the signal", args[0], got, took.Round(time.Millisecond))
		if got != want {
			ts.Fatalf("%s exited with status %d, want %d", args[0], got, want)
		}
		if took > within {
			ts.Fatalf("%s took %s to exit, want at most %s", args[0], took.Round(time.Millisecond), within)
		}
	case <-time.After(within + 30*time.Second):
		_ = cmd.Process.Kill()
		ts.Fatalf("%s did not exit within %s", args[0], within+30*time.Second)
	}
}

// TestZReliabilityEngineFaults stops the engine under devenv. It is a top-level test
// after TestScripts (Go runs top-level tests in file order, and this file sorts after
// e2e_test.go) and never parallel, so no script loses its engine.
func TestZReliabilityEngineFaults(t *testing.T) {
	requireEngineFaults(t)
	devenv := filepath.Join(binDir, "devenv")
	work := t.TempDir()
	toml := "name = \"e2e-rel-fault\"\nbase = \"busybox:devenv\"\n"
	if err := os.WriteFile(filepath.Join(work, "devenv.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Whatever happened, leave an engine behind for whoever comes next.
		if exec.Command("docker", "version").Run() != nil {
			restartEngine(t)
		}
		out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=dev.devenv.project="+work).Output()
		for _, id := range strings.Fields(string(out)) {
			_ = exec.Command("docker", "rm", "-f", id).Run()
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		cmd := exec.Command(devenv, "run", "--", "true")
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "DOCKER_HOST=unix:///nonexistent/dead.sock")
		start := time.Now()
		out, err := cmd.CombinedOutput()
		took := time.Since(start)
		checkClearFailure(t, err, out)
		checkOneLine(t, string(out))
		if !strings.Contains(string(out), "cannot reach Docker at unix:///nonexistent/dead.sock") {
			t.Errorf("message does not name the endpoint:\n%s", out)
		}
		if took > 2*time.Second {
			t.Errorf("took %s, want under 2 s", took)
		}
	})

	// The image for the run case, built while the engine is up.
	mustRun(t, work, devenv, "build", "--progress", "quiet")

	t.Run("during build", func(t *testing.T) {
		dir := t.TempDir()
		nonce := strconv.FormatInt(time.Now().UnixNano(), 10)
		toml := "name = \"e2e-rel-fault-build\"\nbase = \"busybox:devenv\"\nsetup = [\"echo fault-build-" + nonce + "; sleep 30\"]\n"
		if err := os.WriteFile(filepath.Join(dir, "devenv.toml"), []byte(toml), 0o644); err != nil {
			t.Fatal(err)
		}
		out := faultDuring(t, dir, "fault-build-"+nonce, devenv, "build", "--progress", "plain")
		checkOneLine(t, out)
		mustRun(t, work, devenv, "run", "--", "true")
		if ids, _ := exec.Command("docker", "images", "-q", "devenv/e2e-rel-fault-build").Output(); len(bytes.TrimSpace(ids)) != 0 {
			t.Errorf("an image was tagged for the interrupted build: %s", ids)
		}
	})

	t.Run("during run", func(t *testing.T) {
		out := faultDuring(t, work, "fault-run-ready", devenv, "run", "--no-tty", "--", "sh", "-c", "echo fault-run-ready; exec sleep 30")
		mustRun(t, work, devenv, "run", "--", "true")
		ids, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=dev.devenv.project="+work).Output()
		if len(bytes.TrimSpace(ids)) != 0 {
			t.Errorf("a container of the project is left after the engine restart: %s", ids)
		}
		t.Run("message", func(t *testing.T) {
			// A graceful dockerd shutdown stops the container with SIGTERM first:
			// devenv must not pass that off as the command's own status.
			if !strings.Contains(out, "devenv: the Docker engine stopped while the command ran") {
				t.Errorf("devenv did not say the engine went away; output was: %s", strings.TrimSpace(out))
			}
			checkOneLine(t, out)
		})
	})
}

// TestZReliabilityEngineFaults's shell case: the engine stops under an interactive
// shell on a terminal; devenv ends with a clear line and the terminal's modes are as
// they were.
func TestZZReliabilityEngineStopsUnderShell(t *testing.T) {
	requireEngineFaults(t)
	devenv := filepath.Join(binDir, "devenv")
	work := t.TempDir()
	toml := "name = \"e2e-rel-fault-shell\"\nbase = \"busybox:devenv\"\n"
	if err := os.WriteFile(filepath.Join(work, "devenv.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, work, devenv, "build", "--progress", "quiet")

	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	defer tty.Close()
	before, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(devenv, "shell")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "TERM=xterm")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			_, _ = out.Write(buf[:n])
			if bytes.Contains(buf[:n], []byte("\x1b[6n")) {
				_, _ = ptmx.Write([]byte("\x1b[1;1R"))
			}
			if err != nil {
				return
			}
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "# ") {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("no prompt within 60 s:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := stopEngine(t)
	defer restartEngine(t)
	select {
	case err := <-done:
		t.Logf("devenv shell ended %s after dockerd was sent SIGTERM: %v", time.Since(stopped).Round(time.Millisecond), err)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Errorf("want a non-zero exit, got %v", err)
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("devenv shell still running 30 s after the engine stopped:\n%s", out.String())
	}
	time.Sleep(100 * time.Millisecond) // the last output
	t.Logf("the terminal showed:\n%s", out.String())
	if s := out.String(); !strings.Contains(s, "devenv: ") || strings.Contains(s, "goroutine ") {
		t.Errorf("want one devenv line and no stack trace; the terminal showed:\n%s", s)
	}
	after, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if after.Lflag != before.Lflag || after.Iflag != before.Iflag || after.Oflag != before.Oflag {
		t.Errorf("terminal modes not restored: lflag %#x -> %#x", before.Lflag, after.Lflag)
	}
}

// requireEngineFaults runs the test only where it may stop the engine: under CI=true
// (where it must run) or DEVENV_TEST_ENGINE_FAULTS=1, as root.
func requireEngineFaults(t *testing.T) {
	t.Helper()
	if os.Getenv("CI") != "true" && os.Getenv("DEVENV_TEST_ENGINE_FAULTS") != "1" {
		t.Skip("stops the Docker Engine: set CI=true or DEVENV_TEST_ENGINE_FAULTS=1 to run it")
	}
	if engineErr != nil {
		t.Fatalf("needs a Docker Engine: %v", engineErr)
	}
	if os.Getuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("needs root to stop and restart dockerd")
		}
		t.Skip("needs root to stop and restart dockerd")
	}
}

// faultDuring starts devenv, waits for marker in its output, stops dockerd, and
// checks devenv fails promptly with one clear line; then brings the engine back.
func faultDuring(t *testing.T, dir, marker, name string, args ...string) string {
	t.Helper()
	var buf syncBuffer
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(120 * time.Second)
	for !strings.Contains(buf.String(), marker) {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("no %q in the output after 120 s:\n%s", marker, buf.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopped := stopEngine(t)
	defer restartEngine(t)
	select {
	case err := <-done:
		took := time.Since(stopped)
		out := buf.String()
		t.Logf("devenv ended %s after dockerd was sent SIGTERM: %v\n%s", took.Round(time.Millisecond), err, out)
		checkClearFailure(t, err, []byte(out))
		if took > 5*time.Second {
			t.Errorf("devenv took %s after dockerd was sent SIGTERM, want at most 5 s", took)
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Errorf("devenv still running 60 s after the engine stopped:\n%s", buf.String())
	}
	return buf.String()
}

// checkClearFailure: non-zero, a last line that says devenv failed, and no Go panic.
func checkClearFailure(t *testing.T, err error, out []byte) {
	t.Helper()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Errorf("want a non-zero exit, got %v", err)
	}
	s := string(out)
	for _, bad := range []string{"goroutine ", "panic:", "runtime error"} {
		if strings.Contains(s, bad) {
			t.Errorf("output has %q (a stack trace):\n%s", bad, s)
		}
	}
}

// checkOneLine: the output ends with one line from devenv saying what went wrong.
func checkOneLine(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "devenv: ") {
		t.Errorf("last line is not one devenv error line: %q\n%s", last, out)
	}
}

// stopEngine stops dockerd with SIGTERM by its pid file, waits for it to exit, and
// returns when the signal was sent.
func stopEngine(t *testing.T) time.Time {
	t.Helper()
	data, err := os.ReadFile("/var/run/docker.pid")
	if err != nil {
		t.Fatalf("no dockerd pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM dockerd %d: %v", pid, err)
	}
	for i := 0; i < 600; i++ {
		if syscall.Kill(pid, 0) != nil {
			return sent
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("dockerd %d still running 30 s after SIGTERM", pid)
	return time.Time{}
}

func restartEngine(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "../scripts/engine-up.sh")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("restarting the engine: %v\n%s", err, out)
	}
}

func mustRun(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

//go:build linux

package tests

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The podman_*.txtar scripts run devenv against Podman from Debian's packages
// (installed by scripts/engine-up.sh), rootful, through its Docker-compatible socket:
// each script starts its own `podman system service` with `podmanup`.

func init() {
	scriptCmds["podmanup"] = cmdPodmanUp
	scriptCmds["podmancli"] = cmdPodmanCLI
}

// podmanMu is held by the script whose Podman service uses podmanStorage.
var podmanMu sync.Mutex

// podmanStorage is where the test's Podman keeps its images, outside the checkout
// and kept between runs, so that the base image is loaded once: the first run pays.
func podmanStorage() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "devenv-e2e-podman")
}

// podmanArgs are the global flags every podman of the tests runs with: the tests'
// own storage, run and state directories, never the machine's.
func podmanArgs() []string {
	st := podmanStorage()
	return []string{"--root", filepath.Join(st, "storage"), "--runroot", filepath.Join(st, "run"), "--tmpdir", filepath.Join(st, "tmp")}
}

// podmanEnv is the environment of the tests' podman: the sandboxes here refuse
// Podman's default ulimits (nofile and nproc above the hard limits), so a
// containers.conf lowers them.
func podmanEnv(ts *testscript.TestScript) []string {
	conf := filepath.Join(podmanStorage(), "containers.conf")
	if _, err := os.Stat(conf); err != nil {
		ts.Check(os.MkdirAll(filepath.Dir(conf), 0o755))
		ts.Check(os.WriteFile(conf, []byte("[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=8192:8192\"]\n"), 0o644))
	}
	return append(os.Environ(), "CONTAINERS_CONF="+conf)
}

func podman(ts *testscript.TestScript, args ...string) *exec.Cmd {
	cmd := exec.Command("podman", append(podmanArgs(), args...)...)
	cmd.Env = podmanEnv(ts)
	return cmd
}

// waitPodmanService waits until the Podman service on sock answers /_ping, or fails
// the script when it exits or stays silent for 30 s.
func waitPodmanService(ts *testscript.TestScript, sock string, exited <-chan struct{}, what, logName string) {
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}, Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := hc.Get("http://podman/_ping")
		if err == nil {
			resp.Body.Close()
			return
		}
		select {
		case <-exited:
			ts.Fatalf("%s exited (log: %s)", what, logName)
		default:
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not answer on %s within 30s: %v", what, sock, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// podmanup [SOCKET]: start a rootful Podman API service on a unix socket
// ($WORK/podman/podman.sock unless given), holding busybox:devenv, and point the
// script's DOCKER_HOST at it. The socket belongs to the docker group, as a system's
// Podman socket given to a group does, so `asuser` reaches it. At script end the
// script's containers and images are removed from it and the service stopped.
func cmdPodmanUp(ts *testscript.TestScript, neg bool, args []string) {
	// One script at a time on the shared storage: two Podman services on one storage
	// race on its overlay layers ("merged: no such file or directory").
	podmanMu.Lock()
	ts.Defer(podmanMu.Unlock)
	// ... and one test binary at a time, for helpers and people run packages side by side.
	lock, err := os.OpenFile("/tmp/devenv-e2e-podman.lock", os.O_RDWR|os.O_CREATE, 0o666)
	ts.Check(err)
	ts.Check(syscall.Flock(int(lock.Fd()), syscall.LOCK_EX))
	ts.Defer(func() { lock.Close() })
	if neg || len(args) > 1 {
		ts.Fatalf("usage: podmanup [SOCKET]")
	}
	// Never a skip: scripts/engine-up.sh installs what these scripts need. Scripts
	// start with `[!root] skip`, for Podman here is rootful.
	if _, err := exec.LookPath("podman"); err != nil {
		ts.Fatalf("podman is not installed: run scripts/engine-up.sh")
	}
	sock := ts.MkAbs("podman/podman.sock")
	if len(args) == 1 {
		sock = ts.MkAbs(args[0])
	}
	ts.Check(os.MkdirAll(filepath.Dir(sock), 0o755))
	loadPodmanBase(ts)

	logf, err := os.Create(ts.MkAbs("podman-service.log"))
	ts.Check(err)
	cmd := podman(ts, "system", "service", "--time=0", "unix://"+sock)
	cmd.Stdout, cmd.Stderr = logf, logf
	ts.Check(cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	work := ts.Getenv("WORK")
	ts.Defer(func() {
		removePodmanLeftovers(ts, work)
		_ = cmd.Process.Kill()
		<-exited
		logf.Close()
	})
	// Poll with a deadline: the service answers /_ping once it listens.
	waitPodmanService(ts, sock, exited, "podman system service", "podman-service.log")
	if g, err := user.LookupGroup("docker"); err == nil {
		gid, _ := strconv.Atoi(g.Gid)
		ts.Check(os.Chown(sock, 0, gid))
		ts.Check(os.Chmod(sock, 0o660))
	}
	ts.Setenv("DOCKER_HOST", "unix://"+sock)
	ts.Setenv("PODMAN_SOCK", sock)
}

// loadPodmanBase copies busybox:devenv from the Docker engine into the tests'
// Podman storage, once: Podman can pull nothing here either.
func loadPodmanBase(ts *testscript.TestScript) {
	if podman(ts, "image", "exists", "busybox:devenv").Run() == nil {
		return
	}
	save := exec.Command("docker", "save", "busybox:devenv")
	load := podman(ts, "load")
	pipe, err := save.StdoutPipe()
	ts.Check(err)
	load.Stdin = pipe
	var out bytes.Buffer
	load.Stdout, load.Stderr = &out, &out
	ts.Check(save.Start())
	if err := load.Run(); err != nil {
		_ = save.Wait()
		ts.Fatalf("podman load busybox:devenv: %v: %s", err, out.String())
	}
	ts.Check(save.Wait())
}

// removePodmanLeftovers removes the containers and images of the script's projects
// (labelled with a project in work) from the tests' Podman. Images go one by one
// with --no-prune: the unlabelled layers under them are build cache that another
// script's build may be using at this moment (Podman removes a parent in use).
func removePodmanLeftovers(ts *testscript.TestScript, work string) {
	for _, kind := range []string{"ps", "images"} {
		args := []string{kind, "-a", "--filter", "label=dev.devenv.project", "--format", `{{.ID}} {{index .Labels "dev.devenv.project"}}`}
		out, _ := podman(ts, args...).Output()
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Fields(line)
			if len(f) != 2 || (f[1] != work && !strings.HasPrefix(f[1], work+"/")) {
				continue
			}
			rm := []string{"rm", "-f", f[0]}
			if kind == "images" {
				rm = []string{"rmi", "-f", "--no-prune", f[0]}
			}
			_ = podman(ts, rm...).Run()
		}
	}
}

// podmancli ARGS...: run podman on the tests' storage (what the service sees); its
// standard output goes to $WORK/podman.out, for grep (only exec feeds stdout).
func cmdPodmanCLI(ts *testscript.TestScript, neg bool, args []string) {
	var stdout, stderr bytes.Buffer
	cmd := podman(ts, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	ts.Logf("[podman %s]\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
	ts.Check(os.WriteFile(ts.MkAbs("podman.out"), stdout.Bytes(), 0o644))
	if (err != nil) != neg {
		ts.Fatalf("podman %v: %v\n%s", args, err, stderr.String())
	}
}

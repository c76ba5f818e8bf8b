//go:build linux

package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// rootless_docker.txtar runs devenv as the test user against rootless Docker that
// user runs (rootless_test.go has the user's environment and asrootless).

func init() {
	scriptCmds["rootlessdocker"] = cmdRootlessDocker
}

// rootlessDockerXDG and rootlessDockerData are the runtime directory and data root of
// the test user's rootless dockerd: one script at a time, the data root kept between
// runs (busybox:devenv is loaded once).
const (
	rootlessDockerXDG  = "/tmp/devenv-e2e-rdocker-xdg"
	rootlessDockerData = "/var/cache/devenv-ci/docker-rootless"
)

var rootlessDockerMu sync.Mutex

// rootlessdocker: start rootless Docker as the test user, as Docker's own
// dockerd-rootless.sh does it (Debian ships it in docker.io's contrib; rootlesskit runs
// dockerd in a user and network namespace of the user's, slirp4netns its network), on
// $XDG_RUNTIME_DIR/docker.sock, and point DOCKER_HOST and XDG_RUNTIME_DIR at it. $WORK
// is given to the user, as for rootlesspodman. Everything it started ends with the
// script.
func cmdRootlessDocker(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 0 {
		ts.Fatalf("usage: rootlessdocker")
	}
	if testUserUID <= 0 {
		ts.Fatalf("no test user: %s", testUserNote)
	}
	rootlessDockerMu.Lock()
	ts.Defer(rootlessDockerMu.Unlock)
	lock, err := os.OpenFile("/tmp/devenv-e2e-docker-rootless.lock", os.O_RDWR|os.O_CREATE, 0o666)
	ts.Check(err)
	ts.Check(syscall.Flock(int(lock.Fd()), syscall.LOCK_EX))
	ts.Defer(func() { lock.Close() })
	script := "/usr/share/docker.io/contrib/dockerd-rootless.sh"
	if _, err := os.Stat(script); err != nil {
		ts.Fatalf("%s is missing: install docker.io (scripts/engine-up.sh)", script)
	}
	for _, bin := range []string{"rootlesskit", "newuidmap", "slirp4netns", "dockerd"} {
		if _, err := exec.LookPath(bin); err != nil {
			ts.Fatalf("%s is not installed: run scripts/engine-up.sh", bin)
		}
	}
	ensureSubIDs(ts)
	xdg := rootlessDockerXDG
	ts.Check(os.RemoveAll(xdg))
	ts.Check(os.Mkdir(xdg, 0o700))
	ts.Check(os.Chown(xdg, testUserUID, testUserGID))
	ts.Check(os.MkdirAll(rootlessDockerData, 0o755))
	ts.Check(os.Chown(rootlessDockerData, testUserUID, testUserGID))
	work := ts.Getenv("WORK")
	ts.Check(filepath.Walk(work, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, testUserUID, testUserGID)
	}))
	sock := filepath.Join(xdg, "docker.sock")
	host := "unix://" + sock
	logf, err := os.Create(ts.MkAbs("dockerd-rootless.log"))
	ts.Check(err)
	cmd := exec.Command("sh", script, "--data-root", rootlessDockerData, "--exec-root", filepath.Join(xdg, "exec"),
		"--pidfile", filepath.Join(xdg, "docker.pid"), "-H", host, "--iptables=false")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/home/" + testUser, "USER=" + testUser, "XDG_RUNTIME_DIR=" + xdg}
	cmd.Stdout, cmd.Stderr = logf, logf
	asTestUser(cmd)
	cmd.SysProcAttr.Setpgid = true
	ts.Check(cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	docker := func(args ...string) *exec.Cmd {
		c := exec.Command("docker", append([]string{"-H", host}, args...)...)
		c.Env = append(os.Environ(), "DOCKER_CONFIG="+filepath.Join(xdg, "docker-config"))
		return c
	}
	ts.Defer(func() {
		for _, kind := range [][]string{{"ps", "-aq"}, {"images", "-q"}} {
			out, _ := docker(append(kind, "--filter", "label=dev.devenv.project")...).Output()
			for _, id := range strings.Fields(string(out)) {
				label, _ := docker("inspect", "--format", `{{index .Config.Labels "dev.devenv.project"}}`, id).Output()
				if l := strings.TrimSpace(string(label)); l != work && !strings.HasPrefix(l, work+"/") {
					continue
				}
				if kind[0] == "ps" {
					_ = docker("rm", "-f", id).Run()
				} else {
					_ = docker("rmi", "-f", id).Run()
				}
			}
		}
		// dockerd's TERM ends rootlesskit and its namespaces; what is left of the
		// process group (slirp4netns) and of the engine's own (containerd and its
		// shims name the runtime directory) goes by force.
		killRemote(xdg, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
		}
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		killRemote(xdg, syscall.SIGKILL)
		<-exited
		logf.Close()
		_ = os.RemoveAll(xdg)
	})
	deadline := time.Now().Add(60 * time.Second)
	for docker("version").Run() != nil {
		select {
		case <-exited:
			log, _ := os.ReadFile(ts.MkAbs("dockerd-rootless.log"))
			ts.Fatalf("rootless dockerd exited:\n%s", tail(string(log), 20))
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(ts.MkAbs("dockerd-rootless.log"))
			ts.Fatalf("rootless dockerd did not answer within 60 s:\n%s", tail(string(log), 20))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if docker("image", "inspect", "busybox:devenv").Run() != nil {
		tarball := ts.MkAbs("busybox-devenv.tar")
		if out, err := exec.Command("docker", "save", "-o", tarball, "busybox:devenv").CombinedOutput(); err != nil {
			ts.Fatalf("docker save busybox:devenv: %v: %s", err, out)
		}
		if out, err := docker("load", "-q", "-i", tarball).CombinedOutput(); err != nil {
			ts.Fatalf("loading busybox:devenv into rootless Docker: %v: %s", err, out)
		}
		ts.Check(os.Remove(tarball))
	}
	ts.Setenv("DOCKER_HOST", host)
	ts.Setenv("ROOTLESS_XDG", xdg)
	ts.Setenv("XDG_RUNTIME_DIR", xdg)
}

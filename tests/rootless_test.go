//go:build linux

package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
)

// The rootless_*.txtar scripts run devenv as the test user (devenv-e2e) against a
// rootless engine that user runs: Podman's `podman system service` on a socket in the
// user's own runtime directory, in the user's user namespace (subordinate IDs from
// /etc/subuid, newuidmap from Debian's uidmap, slirp4netns for the network; all
// installed by scripts/engine-up.sh).

func init() {
	scriptCmds["rootlesspodman"] = cmdRootlessPodman
	scriptCmds["asrootless"] = cmdAsRootless
	scriptCmds["rootlesspodmancli"] = cmdRootlessPodmanCLI
}

// rootlessMu is held by the script whose rootless Podman uses rootlessStorage.
var rootlessMu sync.Mutex

// rootlessStorage is where the test user's Podman keeps its images: outside the
// checkout, kept between runs (busybox:devenv is loaded once), owned by that user.
const rootlessStorage = "/var/cache/devenv-ci/podman-rootless"

// rootlessXDG is the test user's runtime directory while a script runs.
const rootlessXDG = "/tmp/devenv-e2e-rootless-xdg"

// rootlessEnv is the test user's environment for podman and devenv: its home, its
// runtime directory (ROOTLESS_XDG, made by rootlesspodman) and the containers.conf
// every test Podman needs here (podmanEnv).
func rootlessEnv(ts *testscript.TestScript) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=/home/" + testUser, "USER=" + testUser, "LOGNAME=" + testUser,
		"XDG_RUNTIME_DIR=" + ts.Getenv("ROOTLESS_XDG"), "CONTAINERS_CONF=" + filepath.Join(rootlessStorage, "containers.conf"),
	}
}

// rootlessPodman is podman as the test user on its own storage.
func rootlessPodman(ts *testscript.TestScript, args ...string) *exec.Cmd {
	xdg := ts.Getenv("ROOTLESS_XDG")
	all := append([]string{"--root", filepath.Join(rootlessStorage, "storage"), "--runroot", filepath.Join(xdg, "containers")}, args...)
	cmd := exec.Command("podman", all...)
	cmd.Env = rootlessEnv(ts)
	cmd.Dir = ts.MkAbs(".")
	asTestUser(cmd)
	return cmd
}

// asTestUser makes cmd run as the test user, with its own group only: a rootless
// engine needs no group of the engine's.
func asTestUser(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
		Uid: uint32(testUserUID), Gid: uint32(testUserGID), Groups: []uint32{uint32(testUserGID)}}}
}

// rootlesspodman: start a rootless Podman API service as the test user on
// $XDG_RUNTIME_DIR/podman/podman.sock (the place Podman's own socket unit uses; the
// runtime directory is made for the script), holding busybox:devenv, and point DOCKER_HOST at it. $WORK is
// given to the user: in a rootless engine the container's root is that user, and
// it writes into the project. At script end the script's containers and images are
// removed, the service stopped and the user namespace's pause process ended.
func cmdRootlessPodman(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 0 {
		ts.Fatalf("usage: rootlesspodman")
	}
	if testUserUID <= 0 {
		ts.Fatalf("no test user: %s", testUserNote)
	}
	rootlessMu.Lock()
	ts.Defer(rootlessMu.Unlock)
	lock, err := os.OpenFile("/tmp/devenv-e2e-podman-rootless.lock", os.O_RDWR|os.O_CREATE, 0o666)
	ts.Check(err)
	ts.Check(syscall.Flock(int(lock.Fd()), syscall.LOCK_EX))
	ts.Defer(func() { lock.Close() })
	// Never a skip: scripts/engine-up.sh installs these.
	for _, bin := range []string{"podman", "newuidmap", "newgidmap", "slirp4netns"} {
		if _, err := exec.LookPath(bin); err != nil {
			ts.Fatalf("%s is not installed: run scripts/engine-up.sh", bin)
		}
	}
	ensureSubIDs(ts)

	ts.Check(os.MkdirAll(filepath.Join(rootlessStorage, "storage"), 0o755))
	ts.Check(os.WriteFile(filepath.Join(rootlessStorage, "containers.conf"),
		[]byte("[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=8192:8192\"]\n"), 0o644))
	ts.Check(os.Chown(rootlessStorage, testUserUID, testUserGID))
	ts.Check(os.Chown(filepath.Join(rootlessStorage, "storage"), testUserUID, testUserGID))
	// The user's runtime directory, as /run/user/UID would be: one path for every
	// script (Podman's database records its run root and refuses another one, and
	// a run root of more than 50 characters), made afresh, one script at a time.
	xdg := rootlessXDG
	ts.Check(os.RemoveAll(xdg))
	ts.Check(os.Mkdir(xdg, 0o700))
	ts.Defer(func() { os.RemoveAll(xdg) })
	ts.Setenv("ROOTLESS_XDG", xdg)
	ts.Check(os.MkdirAll(filepath.Join(xdg, "podman"), 0o700))
	ts.Check(os.Chown(filepath.Join(xdg, "podman"), testUserUID, testUserGID))
	ts.Check(os.Chown(xdg, testUserUID, testUserGID))
	work := ts.Getenv("WORK")
	ts.Check(filepath.Walk(work, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, testUserUID, testUserGID)
	}))
	ts.Check(os.Chmod(xdg, 0o700))

	if rootlessPodman(ts, "image", "exists", "busybox:devenv").Run() != nil {
		// Through a file the user may read: a pipe would hide why a load failed.
		tarball := ts.MkAbs("busybox-devenv.tar")
		if out, err := exec.Command("docker", "save", "-o", tarball, "busybox:devenv").CombinedOutput(); err != nil {
			ts.Fatalf("docker save busybox:devenv: %v: %s", err, out)
		}
		ts.Check(os.Chmod(tarball, 0o644))
		if out, err := rootlessPodman(ts, "load", "-i", tarball).CombinedOutput(); err != nil {
			ts.Fatalf("rootless podman load busybox:devenv: %v: %s", err, out)
		}
		ts.Check(os.Remove(tarball))
	}

	sock := filepath.Join(xdg, "podman", "podman.sock")
	logf, err := os.Create(ts.MkAbs("podman-rootless.log"))
	ts.Check(err)
	cmd := rootlessPodman(ts, "system", "service", "--time=0", "unix://"+sock)
	cmd.Stdout, cmd.Stderr = logf, logf
	ts.Check(cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	ts.Defer(func() {
		for _, kind := range []string{"ps", "images"} {
			out, _ := rootlessPodman(ts, kind, "-a", "--filter", "label=dev.devenv.project", "--format", `{{.ID}} {{index .Labels "dev.devenv.project"}}`).Output()
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				f := strings.Fields(line)
				if len(f) != 2 || (f[1] != work && !strings.HasPrefix(f[1], work+"/")) {
					continue
				}
				rm := []string{"rm", "-f", f[0]}
				if kind == "images" {
					rm = []string{"rmi", "-f", f[0]}
				}
				_ = rootlessPodman(ts, rm...).Run()
			}
		}
		_ = cmd.Process.Kill()
		<-exited
		logf.Close()
		// The user namespace lives on in Podman's pause process, started by the
		// service: it must not outlive the script.
		if b, err := os.ReadFile(filepath.Join(xdg, "libpod", "tmp", "pause.pid")); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	waitPodmanService(ts, sock, exited, "rootless podman system service", "podman-rootless.log")
	ts.Setenv("DOCKER_HOST", "unix://"+sock)
	ts.Setenv("XDG_RUNTIME_DIR", xdg)
	ts.Setenv("PODMAN_SOCK", sock)
}

// ensureSubIDs gives the test user subordinate UIDs and GIDs when it has none (useradd
// gives them on Debian; a user made otherwise may lack them).
func ensureSubIDs(ts *testscript.TestScript) {
	for _, f := range []string{"/etc/subuid", "/etc/subgid"} {
		b, _ := os.ReadFile(f)
		if strings.Contains("\n"+string(b), "\n"+testUser+":") {
			continue
		}
		flag := "--add-subuids"
		if strings.HasSuffix(f, "gid") {
			flag = "--add-subgids"
		}
		if out, err := exec.Command("usermod", flag, "300000-365535", testUser).CombinedOutput(); err != nil {
			ts.Fatalf("usermod %s for %s: %v: %s", flag, testUser, err, out)
		}
	}
}

// asrootless [-nodockerhost] [-hide-docker] CMD ARGS...: run CMD (devenv is the built
// binary) as the test user with the rootless environment: DOCKER_HOST from the script
// unless -nodockerhost; with -hide-docker in a mount namespace where Docker's socket
// is an empty file, as on a machine with Podman and no Docker. Output goes to
// asuser.out and asuser.err, as asuser's.
func cmdAsRootless(ts *testscript.TestScript, neg bool, args []string) {
	dockerHost, hide := true, false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-nodockerhost":
			dockerHost = false
		case "-hide-docker":
			hide = true
		default:
			ts.Fatalf("asrootless: unknown flag %s", args[0])
		}
		args = args[1:]
	}
	if len(args) == 0 {
		ts.Fatalf("usage: asrootless [-nodockerhost] [-hide-docker] CMD [ARGS...]")
	}
	path, err := exec.LookPath(args[0])
	if args[0] == "devenv" {
		path, err = filepath.Join(binDir, "devenv"), nil
	}
	ts.Check(err)
	env := rootlessEnv(ts)
	if dockerHost {
		env = append(env, "DOCKER_HOST="+ts.Getenv("DOCKER_HOST"))
	}
	var cmd *exec.Cmd
	if hide {
		empty := ts.MkAbs("no-docker.sock")
		ts.Check(os.WriteFile(empty, nil, 0o644))
		// Root makes the namespace and the mount, then becomes the user.
		script := fmt.Sprintf(`mount --bind %s /run/docker.sock && exec setpriv --reuid=%d --regid=%d --clear-groups -- "$@"`, empty, testUserUID, testUserGID)
		cmd = exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "sh", "-c", script, "sh", path}, args[1:]...)...)
	} else {
		cmd = exec.Command(path, args[1:]...)
		asTestUser(cmd)
	}
	cmd.Env = env
	cmd.Dir = ts.MkAbs(".")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	ts.Logf("[asrootless %s]\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
	ts.Check(os.WriteFile(ts.MkAbs("asuser.out"), stdout.Bytes(), 0o666))
	ts.Check(os.WriteFile(ts.MkAbs("asuser.err"), stderr.Bytes(), 0o666))
	if (err != nil) != neg {
		ts.Fatalf("asrootless %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, stdout.String(), stderr.String())
	}
}

// rootlesspodmancli ARGS...: podman as the test user on its rootless storage; its
// standard output goes to $WORK/podman.out, for grep.
func cmdRootlessPodmanCLI(ts *testscript.TestScript, neg bool, args []string) {
	var stdout, stderr bytes.Buffer
	cmd := rootlessPodman(ts, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	ts.Logf("[podman (rootless) %s]\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
	ts.Check(os.WriteFile(ts.MkAbs("podman.out"), stdout.Bytes(), 0o644))
	if (err != nil) != neg {
		ts.Fatalf("podman %v: %v\n%s", args, err, stderr.String())
	}
}

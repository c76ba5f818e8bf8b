//go:build linux

// End-to-end tests: testscript scripts in testdata/ drive the built devenv binary
// against a real Docker Engine. Under CI=true a missing engine fails the run; it is
// never a silent skip.
package tests

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// testUser is the non-root host user the ownership tests run devenv as.
const testUser = "devenv-e2e"

var (
	binDir       string
	engineErr    error
	testUserUID  = -1
	testUserGID  = -1
	testUserNote string
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "devenv-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// World-readable, so the non-root test user can run the binary too.
	_ = os.Chmod(dir, 0o755)
	binDir = dir
	build := exec.Command("go", "build", "-o", filepath.Join(binDir, "devenv"), "../cmd/devenv")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building devenv:", err)
		return 1
	}
	engineErr = checkEngine()
	if engineErr == nil {
		setUpTestUser()
		runLock := holdRunLock()
		defer removeTestImages(runLock)
	}
	return m.Run()
}

// runLockPath is shared by every test binary of this repository on the machine: each
// holds it shared while it runs, so that the one that ends last removes the images.
const runLockPath = "/tmp/devenv-e2e-run.lock"

// holdRunLock takes runLockPath shared; nil when it cannot be opened.
func holdRunLock() *os.File {
	f, err := os.OpenFile(runLockPath, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil
	}
	_ = os.Chmod(runLockPath, 0o666)
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		return nil
	}
	return f
}

// checkEngine makes sure an engine answers and holds the base image the scripts use.
func checkEngine() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Version}}").CombinedOutput(); err != nil {
		return fmt.Errorf("no Docker Engine answers (%v: %s); run scripts/engine-up.sh", err, bytes.TrimSpace(out))
	}
	if err := exec.CommandContext(ctx, "docker", "image", "inspect", "busybox:devenv").Run(); err != nil {
		return fmt.Errorf("base image busybox:devenv is missing; run scripts/engine-up.sh")
	}
	return nil
}

// setUpTestUser makes a non-root user that may use the engine, when running as root.
func setUpTestUser() {
	if os.Getuid() != 0 {
		testUserNote = "not root: cannot make a second user"
		return
	}
	if _, err := user.Lookup(testUser); err != nil {
		if out, err := exec.Command("useradd", "--create-home", "--user-group", testUser).CombinedOutput(); err != nil {
			testUserNote = fmt.Sprintf("useradd: %v: %s", err, out)
			return
		}
	}
	u, err := user.Lookup(testUser)
	if err != nil {
		testUserNote = err.Error()
		return
	}
	testUserUID, _ = strconv.Atoi(u.Uid)
	testUserGID, _ = strconv.Atoi(u.Gid)
}

// removeTestImages removes the images the scripts built (every script names its
// project e2e-*), unless another test binary still runs: removing its images under
// it would fail its scripts, and it removes them itself when it ends.
func removeTestImages(runLock *os.File) {
	if runLock != nil {
		defer runLock.Close()
		if syscall.Flock(int(runLock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			return
		}
	}
	out, err := exec.Command("docker", "images", "-q", "--filter", "reference=devenv/e2e-*").Output()
	if err != nil {
		return
	}
	ids := strings.Fields(string(out))
	if len(ids) > 0 {
		_ = exec.Command("docker", append([]string{"rmi", "-f"}, ids...)...).Run()
	}
}

func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams(t, "testdata"))
}

// TestStacks runs testdata/stacks: one script per package manager and repository
// layout, each on a fixture project of its own.
func TestStacks(t *testing.T) {
	testscript.Run(t, scriptParams(t, "testdata/stacks"))
}

// scriptCmds are the commands scripts may use beyond testscript's own; files that
// serve one kind of test (a package index, say) add theirs in an init function.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"pty":          cmdPty,
	"bg":           cmdBg,
	"waitlog":      cmdWaitLog,
	"bgstop":       cmdBgStop,
	"asuser":       cmdAsUser,
	"nocontainers": cmdNoContainers,
	"imagelabel":   cmdImageLabel,
	"bgsignal":     cmdBgSignal,
	"bgwait":       cmdBgWait,
}

// scriptParams runs the scripts in dir against the engine, as the built binary.
func scriptParams(t *testing.T, dir string) testscript.Params {
	if engineErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("end-to-end tests need a Docker Engine: %v", engineErr)
		}
		t.Skipf("end-to-end tests need a Docker Engine: %v", engineErr)
	}
	// Work directories must be reachable by the non-root test user, so they live under
	// a root of our own rather than the test's private temp dir.
	workRoot, err := os.MkdirTemp("", "devenv-e2e-work-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(workRoot, 0o755)
	t.Cleanup(func() { os.RemoveAll(workRoot) })
	return testscript.Params{
		Dir:         dir,
		WorkdirRoot: workRoot,
		Setup: func(e *testscript.Env) error {
			e.Setenv("PATH", binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
			examples, err := filepath.Abs("../examples")
			if err != nil {
				return err
			}
			e.Setenv("EXAMPLES", examples)
			for _, k := range []string{"DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "SSL_CERT_FILE"} {
				if v, ok := os.LookupEnv(k); ok {
					e.Setenv(k, v)
				}
			}
			// The work dir is shared with the non-root user of the ownership tests.
			if err := os.Chmod(e.WorkDir, 0o777); err != nil {
				return err
			}
			e.Defer(func() { removeContainersOf(e.WorkDir); removeVolumesOf(e.WorkDir) })
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "testuser":
				return testUserUID > 0, nil
			case "root":
				return os.Getuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds:                scriptCmds,
		RequireExplicitExec: true,
	}
}

// removeContainersOf removes what a failed script may have left running.
func removeContainersOf(workDir string) {
	out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=dev.devenv.project").Output()
	for _, id := range strings.Fields(string(out)) {
		label, _ := exec.Command("docker", "inspect", "--format", `{{index .Config.Labels "dev.devenv.project"}}`, id).Output()
		if strings.HasPrefix(strings.TrimSpace(string(label)), workDir) {
			_ = exec.Command("docker", "rm", "-f", id).Run()
		}
	}
}

// removeVolumesOf removes the named volumes a failed script may have left.
func removeVolumesOf(workDir string) {
	out, _ := exec.Command("docker", "volume", "ls", "-q", "--filter", "label=dev.devenv.project").Output()
	for _, name := range strings.Fields(string(out)) {
		label, _ := exec.Command("docker", "volume", "inspect", "--format", `{{index .Labels "dev.devenv.project"}}`, name).Output()
		if strings.HasPrefix(strings.TrimSpace(string(label)), workDir) {
			_ = exec.Command("docker", "volume", "rm", "-f", name).Run()
		}
	}
}

// nocontainers: no container of this script's projects exists, running or not.
func cmdNoContainers(ts *testscript.TestScript, neg bool, args []string) {
	work := ts.Getenv("WORK")
	out, err := exec.Command("docker", "ps", "-a", "--format", `{{.ID}} {{.Label "dev.devenv.project"}}`).Output()
	ts.Check(err)
	var left []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(line); len(f) == 2 && strings.HasPrefix(f[1], work) {
			left = append(left, line)
		}
	}
	if neg != (len(left) == 0) {
		return
	}
	if neg {
		ts.Fatalf("expected a container of this project, found none")
	}
	ts.Fatalf("containers left behind: %v", left)
}

// imagelabel REF KEY VALUE: the image carries the label (VALUE may hold $WORK).
func cmdImageLabel(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: imagelabel REF KEY VALUE")
	}
	out, err := exec.Command("docker", "image", "inspect", "--format", fmt.Sprintf(`{{index .Config.Labels %q}}`, args[1]), args[0]).Output()
	ts.Check(err)
	got := strings.TrimSpace(string(out))
	if (got == args[2]) == neg {
		ts.Fatalf("image %s label %s = %q, want %q", args[0], args[1], got, args[2])
	}
}

// asuser CMD ARGS...: run a command as the non-root test user, with its own HOME
// (or the variables ASUSER_ENV names);
// stdout and stderr are checked with the usual stdout/stderr commands afterwards only
// through files: they go to $WORK/asuser.out and $WORK/asuser.err.
func cmdAsUser(ts *testscript.TestScript, neg bool, args []string) {
	if testUserUID <= 0 {
		ts.Fatalf("no test user: %s", testUserNote)
	}
	if len(args) == 0 {
		ts.Fatalf("usage: asuser CMD [ARGS...]")
	}
	path, err := exec.LookPath(args[0])
	if args[0] == "devenv" {
		path, err = filepath.Join(binDir, "devenv"), nil
	}
	ts.Check(err)
	cmd := exec.Command(path, args[1:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/home/" + testUser, "USER=" + testUser}
	if v := ts.Getenv("DOCKER_HOST"); v != "" {
		cmd.Env = append(cmd.Env, "DOCKER_HOST="+v)
	}
	// ASUSER_ENV names more of the script's variables to pass (HOME among them: the
	// last value wins), for a script that gives the user a home and an agent of its own.
	for _, k := range strings.Fields(ts.Getenv("ASUSER_ENV")) {
		cmd.Env = append(cmd.Env, k+"="+ts.Getenv(k))
	}
	groups := []uint32{uint32(testUserGID)}
	if g, err := user.LookupGroup("docker"); err == nil {
		gid, _ := strconv.Atoi(g.Gid)
		groups = append(groups, uint32(gid))
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(testUserUID), Gid: uint32(testUserGID), Groups: groups}}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	ts.Check(os.WriteFile(ts.MkAbs("asuser.out"), stdout.Bytes(), 0o666))
	ts.Check(os.WriteFile(ts.MkAbs("asuser.err"), stderr.Bytes(), 0o666))
	if (err != nil) != neg {
		ts.Fatalf("asuser %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, stdout.String(), stderr.String())
	}
}

//go:build linux

package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// testEngine is a dockerd a script starts beside the host's, sharing nothing with it:
// its own data root, exec root, pid file, socket and bridge (engineBridge: never
// --bridge=none), in a mount namespace of its own so that its mounts go with it,
// busybox:devenv loaded into it. Everything it started ends with the script.
type testEngine struct {
	what      string // how failures name it: "second engine"
	dirPrefix string // its directory's name in the temporary folder
	// Its bridge, on a free 10.octet.N.0/24 with N in [first, last).
	bridgePrefix       string
	octet, first, last int
	listen             string   // -H; empty: a unix socket in its directory
	dataSize           string   // a tmpfs of this size (mount's size=) as its data root, mounted here too
	hide               string   // a folder that is an empty tmpfs for the engine, as on another machine
	flags              []string // more dockerd flags (TLS)
	needs              []string // more programs it needs
	// docker runs the docker CLI against it; nil: `docker -H HOST`.
	docker func(host string, args ...string) *exec.Cmd
}

// startedEngine is where a testEngine answers.
type startedEngine struct {
	dir  string // its state, named on every process it started (killRemote)
	host string // DOCKER_HOST for it
	data string // its data root
	sock string // its unix socket, when it listens on one
}

func startTestEngine(ts *testscript.TestScript, e testEngine) startedEngine {
	if os.Getuid() != 0 {
		ts.Fatalf("a second dockerd needs root")
	}
	for _, bin := range append([]string{"dockerd", "unshare", "docker", "ip"}, e.needs...) {
		if _, err := exec.LookPath(bin); err != nil {
			ts.Fatalf("%s is missing: run scripts/engine-up.sh", bin)
		}
	}
	dir, err := os.MkdirTemp("", e.dirPrefix)
	ts.Check(err)
	ts.Check(os.Chmod(dir, 0o755))
	s := startedEngine{dir: dir, host: e.listen, data: filepath.Join(dir, "data")}
	if s.host == "" {
		s.sock = filepath.Join(dir, "engine.sock")
		s.host = "unix://" + s.sock
	}
	ts.Check(os.Mkdir(s.data, 0o711))
	if e.dataSize != "" {
		// Mounted here, not only in the engine's namespace, so that devenv sees the
		// engine's data root as the engine does.
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+e.dataSize, "devenv-engine-data", s.data).CombinedOutput(); err != nil {
			ts.Fatalf("mount a tmpfs of %s: %v: %s", e.dataSize, err, out)
		}
	}
	bridge := engineBridge(ts, e.bridgePrefix, e.octet, e.first, e.last, e.what)
	dockerd := append([]string{"dockerd", "--data-root", s.data, "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "dockerd.pid"), "-H", s.host, "--bridge=" + bridge,
		"--iptables=false", "--ip6tables=false", "--ip-masq=false"}, e.flags...)
	argv := append([]string{"--mount", "--propagation", "private"}, dockerd...)
	if e.hide != "" {
		argv = append([]string{"--mount", "--propagation", "private", "sh", "-c",
			fmt.Sprintf(`mount -t tmpfs devenv-hide %q && exec "$@"`, e.hide), "sh"}, dockerd...)
	}
	logPath := filepath.Join(dir, "dockerd.log")
	logFile, err := os.Create(logPath)
	ts.Check(err)
	cmd := exec.Command("unshare", argv...)
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
		if e.dataSize != "" {
			for i := 0; i < 50 && exec.Command("umount", s.data).Run() != nil; i++ {
				time.Sleep(100 * time.Millisecond)
			}
		}
		_ = os.RemoveAll(dir)
	})
	docker := e.docker
	if docker == nil {
		docker = func(host string, args ...string) *exec.Cmd {
			return exec.Command("docker", append([]string{"-H", host}, args...)...)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for docker(s.host, "version").Run() != nil {
		select {
		case <-exited:
			log, _ := os.ReadFile(logPath)
			ts.Fatalf("the %s exited:\n%s", e.what, tail(string(log), 20))
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			ts.Fatalf("the %s did not answer within 60 s:\n%s", e.what, tail(string(log), 20))
		}
		time.Sleep(200 * time.Millisecond)
	}
	save := exec.Command("docker", "save", "busybox:devenv")
	load := docker(s.host, "load", "-q")
	pipe, err := save.StdoutPipe()
	ts.Check(err)
	load.Stdin = pipe
	ts.Check(save.Start())
	out, err := load.CombinedOutput()
	pipe.Close()
	if werr := save.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		ts.Fatalf("loading busybox:devenv into the %s: %v: %s", e.what, err, out)
	}
	return s
}

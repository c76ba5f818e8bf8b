//go:build linux

package tests

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Commands for testdata/engines_*.txtar: engines reached as the docker CLI reaches them.
func init() {
	scriptCmds["sshd"] = cmdSshd
	scriptCmds["enginehost"] = cmdEngineHost
}

// enginehost: set ENGINE_HOST to the test engine's endpoint (DOCKER_HOST, or the local
// socket), for contexts that point at it.
func cmdEngineHost(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: enginehost")
	}
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = "unix:///var/run/docker.sock"
	}
	ts.Setenv("ENGINE_HOST", host)
}

// sshUser is the user the test's sshd logs in when the tests run as root: one who may
// use the engine's socket, as on a remote engine (scripts/engine-up.sh makes it).
// Without root, sshd can only log in the user running it.
const sshUser = "devenv-ssh"

// sshd: start a real sshd on a free loopback port, with a host key, a client key and
// an authorized key made here, ended when the script ends. It puts an `ssh` wrapper
// first on PATH that uses this script's key, known_hosts ($WORK/ssh/known_hosts, which
// trusts the host key) and no prompts, so docker/cli's connection helper and the
// docker CLI reach it as they would a configured host. It sets SSH_URL
// (ssh://USER@127.0.0.1:PORT), SSH_USER and SSH_PORT.
func cmdSshd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: sshd")
	}
	for _, bin := range []string{"/usr/sbin/sshd", "ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(bin); err != nil {
			ts.Fatalf("%s is missing: run scripts/engine-up.sh (it installs openssh-server)", bin)
		}
	}
	login := sshUser
	if os.Getuid() != 0 {
		u, err := user.Current()
		ts.Check(err)
		login = u.Username
	} else if _, err := user.Lookup(sshUser); err != nil {
		ts.Fatalf("user %s is missing: run scripts/engine-up.sh", sshUser)
	}
	dir := filepath.Join(ts.Getenv("WORK"), "ssh")
	ts.Check(os.MkdirAll(dir, 0o755))
	// sshd reads the authorized keys as the login user: the path must be readable.
	ts.Check(os.Chmod(dir, 0o755))
	for _, k := range []string{"host", "client"} {
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "devenv-e2e-"+k, "-f", filepath.Join(dir, k)).CombinedOutput()
		if err != nil {
			ts.Fatalf("ssh-keygen: %v: %s", err, out)
		}
	}
	hostPub, err := os.ReadFile(filepath.Join(dir, "host.pub"))
	ts.Check(err)
	clientPub, err := os.ReadFile(filepath.Join(dir, "client.pub"))
	ts.Check(err)
	ts.Check(os.WriteFile(filepath.Join(dir, "authorized_keys"), clientPub, 0o644))

	port := freePort(ts)
	hostKey := strings.Join(strings.Fields(string(hostPub))[:2], " ")
	ts.Check(os.WriteFile(filepath.Join(dir, "known_hosts"), fmt.Appendf(nil, "[127.0.0.1]:%d %s\n", port, hostKey), 0o644))
	sshdConfig := fmt.Sprintf(`ListenAddress 127.0.0.1:%d
HostKey %s
AuthorizedKeysFile %s
AllowUsers %s
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PidFile none
LogLevel VERBOSE
`, port, filepath.Join(dir, "host"), filepath.Join(dir, "authorized_keys"), login)
	ts.Check(os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(sshdConfig), 0o644))
	clientConfig := fmt.Sprintf(`Host *
  IdentityFile %s
  IdentitiesOnly yes
  UserKnownHostsFile %s
  StrictHostKeyChecking yes
  BatchMode yes
  LogLevel ERROR
`, filepath.Join(dir, "client"), filepath.Join(dir, "known_hosts"))
	ts.Check(os.WriteFile(filepath.Join(dir, "config"), []byte(clientConfig), 0o644))
	ssh, err := exec.LookPath("ssh")
	ts.Check(err)
	binDir := filepath.Join(dir, "bin")
	ts.Check(os.MkdirAll(binDir, 0o755))
	wrapper := fmt.Sprintf("#!/bin/sh\nexec %s -F %s \"$@\"\n", ssh, filepath.Join(dir, "config"))
	ts.Check(os.WriteFile(filepath.Join(binDir, "ssh"), []byte(wrapper), 0o755))

	if os.Getuid() == 0 {
		// sshd's privilege separation directory, which only its service would make.
		ts.Check(os.MkdirAll("/run/sshd", 0o755))
	}
	logFile, err := os.Create(filepath.Join(ts.Getenv("WORK"), "sshd.log"))
	ts.Check(err)
	cmd := exec.Command("/usr/sbin/sshd", "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	ts.Check(cmd.Start())
	ts.Defer(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logFile.Close()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile.Name())
			ts.Fatalf("sshd does not listen on %s: %s", addr, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Setenv("PATH", binDir+string(os.PathListSeparator)+ts.Getenv("PATH"))
	ts.Setenv("SSH_URL", fmt.Sprintf("ssh://%s@127.0.0.1:%d", login, port))
	ts.Setenv("SSH_USER", login)
	ts.Setenv("SSH_PORT", strconv.Itoa(port))
}

// freePort is a loopback TCP port nothing listens on now.
func freePort(ts *testscript.TestScript) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

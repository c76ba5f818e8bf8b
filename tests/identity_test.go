//go:build linux

package tests

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The identity scripts' world: a key, an ssh agent holding it, a git config and a
// known_hosts in the test user's own home ($WORK/home), and a real sshd serving a bare
// git repository. Everything belongs to the non-root test user, as it would on a
// laptop. A container cannot reach the host's 127.0.0.1, and test servers listen on
// loopback or in network namespaces the tests make: sshd listens in a network
// namespace of its own, joined to the host by a veth pair on a private /30 of
// 10.231.0.0/16. A container reaches it through the host's routing (Docker's
// forwarding rules accept what leaves its bridge, and the answers that return to it).

func init() {
	scriptCmds["identityworld"] = cmdIdentityWorld
}

// identityworld: make the world above. It sets HOME, SSH_AUTH_SOCK, GIT_URL (also in
// $WORK/url.txt, for the container), KEYLINE (a line of the private key's base64 body,
// to search for) and ASUSER_ENV so that asuser passes them.
func cmdIdentityWorld(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: identityworld")
	}
	if testUserUID <= 0 {
		ts.Fatalf("no test user: %s", testUserNote)
	}
	sshd, err := exec.LookPath("sshd")
	if err != nil {
		if sshd, err = exec.LookPath("/usr/sbin/sshd"); err != nil {
			ts.Fatalf("no sshd: run scripts/engine-up.sh (it installs openssh-server)")
		}
	}
	work := ts.Getenv("WORK")
	home := filepath.Join(work, "home")
	srv := filepath.Join(work, "srv")
	sshdDir := filepath.Join(work, "sshd")
	for _, d := range []string{filepath.Join(home, ".ssh"), srv, sshdDir} {
		ts.Check(os.MkdirAll(d, 0o755))
	}
	run := func(dir string, name string, args ...string) string {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+home, "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			ts.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}

	// The user's key, git identity and a bare repository with one commit on main.
	key := filepath.Join(home, ".ssh", "id_ed25519")
	run(work, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "identity-test", "-f", key)
	keyText, err := os.ReadFile(key)
	ts.Check(err)
	keyLines := strings.Split(string(keyText), "\n")
	ts.Setenv("KEYLINE", keyLines[2]) // a line of the key's body, past its common header
	ts.Check(os.WriteFile(filepath.Join(home, ".gitconfig"),
		[]byte("[user]\n\tname = Identity Tester\n\temail = tester@example.com\n[init]\n\tdefaultBranch = main\n"), 0o644))
	repo := filepath.Join(srv, "repo.git")
	run(srv, "git", "init", "-q", "--bare", "-b", "main", repo)
	seed := filepath.Join(work, "seed")
	run(work, "git", "clone", "-q", repo, seed)
	ts.Check(os.WriteFile(filepath.Join(seed, "README"), []byte("seed\n"), 0o644))
	run(seed, "git", "add", "README")
	run(seed, "git", "commit", "-q", "-m", "seed")
	run(seed, "git", "push", "-q", "origin", "HEAD:main")

	// sshd in a network namespace of its own, accepting only the user's key.
	gw, nsPath := testNetns(ts)
	port := 2222 // not 22: known_hosts then names the host as [addr]:port, as before
	hostKey := filepath.Join(sshdDir, "host_ed25519")
	run(work, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey)
	pub, err := os.ReadFile(key + ".pub")
	ts.Check(err)
	ts.Check(os.WriteFile(filepath.Join(sshdDir, "authorized_keys"), pub, 0o644))
	conf := fmt.Sprintf("ListenAddress %s:%d\nHostKey %s\nAuthorizedKeysFile %s\nPidFile %s\nStrictModes no\nUsePAM no\n"+
		"PasswordAuthentication no\nKbdInteractiveAuthentication no\nAllowUsers %s\n",
		gw, port, hostKey, filepath.Join(sshdDir, "authorized_keys"), filepath.Join(sshdDir, "pid"), testUser)
	ts.Check(os.WriteFile(filepath.Join(sshdDir, "sshd_config"), []byte(conf), 0o644))
	ts.Check(os.MkdirAll("/run/sshd", 0o755)) // its privilege separation directory
	// useradd leaves the password "!" (locked), and sshd without PAM refuses a locked
	// account even a key: "*" is no password, and not locked.
	if shadow, err := os.ReadFile("/etc/shadow"); err == nil && strings.Contains(string(shadow), "\n"+testUser+":!") {
		run(work, "usermod", "-p", "*", testUser)
	}
	// nsenter enters the namespace and then executes sshd: the pid is sshd's.
	daemon := exec.Command("nsenter", "--net="+nsPath, sshd, "-D", "-e", "-f", filepath.Join(sshdDir, "sshd_config"))
	var sshdLog bytes.Buffer
	daemon.Stdout, daemon.Stderr = &sshdLog, &sshdLog
	ts.Check(daemon.Start())
	ts.Defer(func() {
		_ = daemon.Process.Kill()
		_ = daemon.Wait()
		ts.Logf("sshd's log:\n%s", sshdLog.String())
	})
	waitFor(ts, "sshd on "+gw, func() bool {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(gw, strconv.Itoa(port)), time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	hostPub, err := os.ReadFile(hostKey + ".pub")
	ts.Check(err)
	known := fmt.Sprintf("[%s]:%d %s", gw, port, strings.Join(strings.Fields(string(hostPub))[:2], " "))
	ts.Check(os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), []byte(known+"\n"), 0o644))
	url := fmt.Sprintf("ssh://%s@%s:%d%s", testUser, gw, port, repo)
	ts.Check(os.WriteFile(filepath.Join(work, "url.txt"), []byte(url+"\n"), 0o644))
	ts.Setenv("GIT_URL", url)

	// Everything is the user's; then the user's own agent, holding the key.
	for _, p := range []string{home, srv} {
		run(work, "chown", "-R", fmt.Sprintf("%d:%d", testUserUID, testUserGID), p)
	}
	ts.Check(os.Chmod(key, 0o600))
	sock := filepath.Join(work, "agent", "agent.sock")
	ts.Check(os.MkdirAll(filepath.Dir(sock), 0o700))
	ts.Check(os.Chown(filepath.Dir(sock), testUserUID, testUserGID))
	asUser := &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(testUserUID), Gid: uint32(testUserGID)}}
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	agent.SysProcAttr = asUser
	ts.Check(agent.Start())
	ts.Defer(func() { _ = agent.Process.Kill(); _ = agent.Wait() })
	waitFor(ts, "ssh-agent's socket", func() bool { _, err := os.Stat(sock); return err == nil })
	add := exec.Command("ssh-add", "-q", key)
	add.SysProcAttr = asUser
	add.Env = []string{"SSH_AUTH_SOCK=" + sock, "HOME=" + home}
	if out, err := add.CombinedOutput(); err != nil {
		ts.Fatalf("ssh-add: %v: %s", err, out)
	}
	ts.Setenv("HOME", home)
	ts.Setenv("SSH_AUTH_SOCK", sock)
	ts.Setenv("ASUSER_ENV", "HOME SSH_AUTH_SOCK")
	ts.Logf("sshd %s:%d serves %s; agent %s", gw, port, repo, sock)
}

// netnsSeq numbers the namespaces of one test run: each script's gets its own /30.
var netnsSeq atomic.Int32

// testNetns makes a network namespace and a veth pair joining it to the host, with the
// host's end at 10.231.N.4k+1 and the namespace's at 10.231.N.4k+2 (a /30 picked from
// the pid and a counter, and refused if the host already routes it), and removes both
// when the script ends. It returns the namespace's address and its path for nsenter.
func testNetns(ts *testscript.TestScript) (addr, nsPath string) {
	ip := func(args ...string) {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			ts.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	if _, err := exec.LookPath("ip"); err != nil {
		ts.Fatalf("no ip command: run scripts/engine-up.sh (it installs iproute2)")
	}
	n := (os.Getpid()*7 + int(netnsSeq.Add(1))) % (256 * 64)
	third, fourth := n/64, (n%64)*4
	host, peer := fmt.Sprintf("10.231.%d.%d", third, fourth+1), fmt.Sprintf("10.231.%d.%d", third, fourth+2)
	if out, _ := exec.Command("ip", "route", "get", peer).Output(); strings.Contains(string(out), " dev dvid") {
		ts.Fatalf("%s is routed already (%s): a namespace of another test run is left", peer, strings.TrimSpace(string(out)))
	}
	name := fmt.Sprintf("devenv-id-%d", n)
	hostIf, nsIf := fmt.Sprintf("dvid%dh", n), fmt.Sprintf("dvid%dn", n)
	ip("netns", "add", name)
	ts.Defer(func() {
		// Deleting the namespace deletes its end of the pair, and with it the host's.
		_ = exec.Command("ip", "link", "del", hostIf).Run()
		_ = exec.Command("ip", "netns", "del", name).Run()
	})
	ip("link", "add", hostIf, "type", "veth", "peer", "name", nsIf)
	ip("link", "set", nsIf, "netns", name)
	ip("addr", "add", host+"/30", "dev", hostIf)
	ip("link", "set", hostIf, "up")
	ip("-n", name, "addr", "add", peer+"/30", "dev", nsIf)
	ip("-n", name, "link", "set", nsIf, "up")
	ip("-n", name, "link", "set", "lo", "up")
	// Answers to a container go back through the host, which knows its bridge.
	ip("-n", name, "route", "add", "default", "via", host)
	return peer, "/var/run/netns/" + name
}

// waitFor polls cond for up to ten seconds.
func waitFor(ts *testscript.TestScript, what string, cond func() bool) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	ts.Fatalf("%s did not come up within 10 s", what)
}

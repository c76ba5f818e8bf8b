//go:build linux

package tests

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// The engines_tls*.txtar scripts run devenv against a second dockerd that listens on
// loopback TCP with --tlsverify, as a remote engine exposed with TLS would, with a CA
// and certificates the test makes with openssl.

func init() {
	scriptCmds["tlsengine"] = cmdTLSEngine
}

// tlscerts DIR: a CA, a server certificate for 127.0.0.1 and a client certificate,
// as DOCKER_CERT_PATH holds them (ca.pem, cert.pem, key.pem) in DIR/client, the
// server's in DIR/server; DIR/wrong holds the same client certificate with another
// CA's ca.pem, which did not sign the server's certificate.
func makeTLSCerts(ts *testscript.TestScript, dir string) {
	for _, d := range []string{"ca", "server", "client", "wrong", "wrongca"} {
		ts.Check(os.MkdirAll(filepath.Join(dir, d), 0o700))
	}
	run := func(args ...string) {
		cmd := exec.Command("openssl", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			ts.Fatalf("openssl %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	write := func(name, text string) { ts.Check(os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600)) }
	newCA := func(d, cn string) {
		run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
			"-subj", "/CN="+cn, "-keyout", d+"/ca-key.pem", "-out", d+"/ca.pem")
	}
	sign := func(d, cn, ext string) {
		run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN="+cn,
			"-keyout", d+"/key.pem", "-out", d+"/req.csr")
		write(d+"/ext.cnf", ext)
		run("x509", "-req", "-in", d+"/req.csr", "-CA", "ca/ca.pem", "-CAkey", "ca/ca-key.pem", "-CAcreateserial",
			"-days", "2", "-extfile", d+"/ext.cnf", "-out", d+"/cert.pem")
	}
	newCA("ca", "devenv e2e TLS CA")
	newCA("wrongca", "devenv e2e another CA")
	sign("server", "127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
	sign("client", "devenv-e2e-client", "extendedKeyUsage=clientAuth\n")
	for _, f := range []string{"cert.pem", "key.pem"} {
		b, err := os.ReadFile(filepath.Join(dir, "client", f))
		ts.Check(err)
		write("wrong/"+f, string(b))
	}
	b, err := os.ReadFile(filepath.Join(dir, "ca", "ca.pem"))
	ts.Check(err)
	write("client/ca.pem", string(b))
	b, err = os.ReadFile(filepath.Join(dir, "wrongca", "ca.pem"))
	ts.Check(err)
	write("wrong/ca.pem", string(b))
}

// freeLoopbackPort is a TCP port nothing listens on at 127.0.0.1, just now.
func freeLoopbackPort(ts *testscript.TestScript) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// tlsengine: a second dockerd on tcp://127.0.0.1:PORT with --tlsverify, certificates
// from makeTLSCerts in $WORK/tls, its own data root, exec root, pid file and bridge
// (engineBridge: never --bridge=none), in its own mount namespace so that its mounts
// go with it; busybox:devenv loaded. It sets TLS_HOST (tcp://127.0.0.1:PORT),
// TLS_CERTS (the client's DOCKER_CERT_PATH) and TLS_WRONG (the same with another
// CA). It ends, with everything it started, when the script ends.
func cmdTLSEngine(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 0 {
		ts.Fatalf("usage: tlsengine")
	}
	certs := ts.MkAbs("tls")
	makeTLSCerts(ts, certs)
	client := filepath.Join(certs, "client")
	configDir := ts.MkAbs("tls-docker-config")
	e := startTestEngine(ts, testEngine{what: "TLS engine", dirPrefix: "devenv-tls-engine-",
		bridgePrefix: "dvtls", octet: 214, first: 200, last: 255, needs: []string{"openssl"},
		listen: "tcp://127.0.0.1:" + strconv.Itoa(freeLoopbackPort(ts)),
		flags: []string{"--tlsverify", "--tlscacert", filepath.Join(certs, "ca", "ca.pem"),
			"--tlscert", filepath.Join(certs, "server", "cert.pem"), "--tlskey", filepath.Join(certs, "server", "key.pem")},
		docker: func(host string, args ...string) *exec.Cmd {
			c := exec.Command("docker", append([]string{"-H", host, "--tlsverify", "--tlscacert", filepath.Join(client, "ca.pem"),
				"--tlscert", filepath.Join(client, "cert.pem"), "--tlskey", filepath.Join(client, "key.pem")}, args...)...)
			c.Env = append(os.Environ(), "DOCKER_CONFIG="+configDir)
			return c
		}})
	ts.Setenv("TLS_HOST", e.host)
	ts.Setenv("TLS_CERTS", client)
	ts.Setenv("TLS_WRONG", filepath.Join(certs, "wrong"))
	ts.Logf("TLS engine at %s (%s)", e.host, e.dir)
}

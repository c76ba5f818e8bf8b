package tests

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// TestKubeScripts runs testdata/kube/*.txtar against the real single-node cluster of
// scripts/cluster-up.sh: the one KUBECONFIG names (.ci/run starts it and exports it),
// or, when KUBECONFIG is unset and the test runs as root, one this test starts and
// stops. Each script gets a namespace of its own, deleted at its end, and a kubeconfig
// in its work dir that the non-root test user can read.
func TestKubeScripts(t *testing.T) {
	if engineErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the Kubernetes tests build images with a Docker Engine: %v", engineErr)
		}
		t.Skipf("the Kubernetes tests build images with a Docker Engine: %v", engineErr)
	}
	cluster, err := kubeCluster(t)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the Kubernetes tests need the cluster of scripts/cluster-up.sh: %v", err)
		}
		t.Skipf("the Kubernetes tests need the cluster of scripts/cluster-up.sh: %v", err)
	}
	loader := kubeLoader(t, cluster["DEVENV_KUBE_LOAD"])
	params := scriptParams(t, "testdata/kube")
	setup := params.Setup
	params.Setup = func(e *testscript.Env) error {
		if err := setup(e); err != nil {
			return err
		}
		return kubeSetup(e, cluster, loader)
	}
	params.Cmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){}
	for k, v := range scriptCmds {
		params.Cmds[k] = v
	}
	params.Cmds["kubepods"] = cmdKubePods
	params.Cmds["kubenorights"] = cmdKubeNoRights
	params.Cmds["kuberegistry"] = cmdKubeRegistry
	testscript.Run(t, params)
}

// kubeCluster is the exports of a running cluster: KUBECONFIG, DEVENV_KUBE_LOAD and
// DEVENV_K8S_BIN.
func kubeCluster(t *testing.T) (map[string]string, error) {
	if kc := os.Getenv("KUBECONFIG"); kc != "" {
		bin := os.Getenv("DEVENV_K8S_BIN")
		if bin == "" {
			return nil, fmt.Errorf("KUBECONFIG is set but DEVENV_K8S_BIN is not: eval \"$(scripts/cluster-up.sh)\" sets both")
		}
		return map[string]string{"KUBECONFIG": kc, "DEVENV_KUBE_LOAD": os.Getenv("DEVENV_KUBE_LOAD"), "DEVENV_K8S_BIN": bin,
			"DEVENV_K8S_NETNS": os.Getenv("DEVENV_K8S_NETNS")}, nil
	}
	if os.Getuid() != 0 {
		return nil, fmt.Errorf("KUBECONFIG is unset, and starting the cluster needs root")
	}
	script, err := filepath.Abs("../scripts/cluster-up.sh")
	if err != nil {
		return nil, err
	}
	started := exec.Command(script, "env").Run() != nil
	var stderr bytes.Buffer
	cmd := exec.Command(script, "up")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if started {
		// The cluster is this test's: nothing a test starts outlives it.
		t.Cleanup(func() { _ = exec.Command(script, "down").Run() })
	}
	if err != nil {
		return nil, fmt.Errorf("%s up: %v: %s", script, err, lastLines(stderr.String(), 5))
	}
	return parseExports(string(out)), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// parseExports reads `export NAME=value` lines (value possibly in single quotes).
func parseExports(out string) map[string]string {
	env := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		if ok {
			env[k] = strings.Trim(v, "'")
		}
	}
	return env
}

// kubeLoader serves the cluster's load command to the non-root test user: the
// node's containerd socket is root's, as a cluster administrator's would be. The
// user's DEVENV_KUBE_LOAD posts the image's name here; the test, as root, loads it.
func kubeLoader(t *testing.T, load string) string {
	if load == "" {
		return ""
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex // one load at a time: containerd's import of one image
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		image := strings.TrimSpace(string(b))
		mu.Lock()
		defer mu.Unlock()
		out, err := exec.Command("sh", "-c", load+` "$1"`, "sh", image).CombinedOutput()
		if err != nil {
			http.Error(w, fmt.Sprintf("%v: %s", err, out), http.StatusInternalServerError)
		}
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "curl -fsS --max-time 300 http://" + l.Addr().String() + "/ -d"
}

// kubeSetup gives the script a namespace and a kubeconfig of its own.
func kubeSetup(e *testscript.Env, cluster map[string]string, loader string) error {
	bin := cluster["DEVENV_K8S_BIN"]
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	name := strings.ToLower(strings.ReplaceAll(filepath.Base(e.WorkDir), "_", "-"))
	name = strings.TrimPrefix(strings.TrimPrefix(name, "script-"), "kube-")
	ns := "e2e-" + name + "-" + hex.EncodeToString(suffix)
	kc := filepath.Join(e.WorkDir, ".kube", "config")
	src, err := os.ReadFile(cluster["KUBECONFIG"])
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(kc), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(kc, src, 0o644); err != nil {
		return err
	}
	kubectl := filepath.Join(bin, "kubectl")
	for _, args := range [][]string{
		{"create", "namespace", ns},
		{"label", "namespace", ns, "dev.devenv.test=1"},
		{"config", "set-context", "--current", "--namespace", ns},
	} {
		if out, err := exec.Command(kubectl, append([]string{"--kubeconfig", kc}, args...)...).CombinedOutput(); err != nil {
			return fmt.Errorf("kubectl %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	e.Defer(func() {
		_ = exec.Command(kubectl, "--kubeconfig", kc, "delete", "namespace", ns, "--wait=false").Run()
	})
	e.Setenv("KUBECONFIG", kc)
	e.Setenv("KUBE_NS", ns)
	e.Setenv("DEVENV_K8S_NETNS", cluster["DEVENV_K8S_NETNS"])
	e.Setenv("DEVENV_KUBE_LOAD", loader)
	e.Setenv("KUBECTL", kubectl)
	e.Setenv("PATH", bin+string(os.PathListSeparator)+e.Getenv("PATH"))
	e.Setenv("ASUSER_ENV", "PATH KUBECONFIG DEVENV_KUBE_LOAD")
	return nil
}

// kubepods N: within 30 s, the script's namespace holds exactly N of devenv's pods.
func cmdKubePods(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: kubepods N")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	var got []string
	for deadline := time.Now().Add(30 * time.Second); ; {
		out, err := exec.Command(ts.Getenv("KUBECTL"), "--kubeconfig", ts.Getenv("KUBECONFIG"), "get", "pods", "-l", "app.kubernetes.io/managed-by=devenv",
			"-o", "name").Output()
		ts.Check(err)
		got = strings.Fields(string(out))
		if (len(got) == want) != neg || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if (len(got) == want) == neg {
		ts.Fatalf("devenv's pods in %s: %v, want %d", ts.Getenv("KUBE_NS"), got, want)
	}
}

// kubenorights FILE: a kubeconfig for the script's namespace as a service account that
// has no rights at all.
func cmdKubeNoRights(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: kubenorights FILE")
	}
	kc := ts.Getenv("KUBECONFIG")
	run := func(args ...string) string {
		out, err := exec.Command(ts.Getenv("KUBECTL"), append([]string{"--kubeconfig", kc}, args...)...).CombinedOutput()
		if err != nil {
			ts.Fatalf("kubectl %v: %v: %s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("create", "serviceaccount", "nobody")
	token := run("create", "token", "nobody")
	src, err := os.ReadFile(kc)
	ts.Check(err)
	dst := ts.MkAbs(args[0])
	ts.Check(os.WriteFile(dst, src, 0o644))
	for _, a := range [][]string{{"config", "set-credentials", "nobody", "--token", token}, {"config", "set-context", "--current", "--user", "nobody"}} {
		if out, err := exec.Command(ts.Getenv("KUBECTL"), append([]string{"--kubeconfig", dst}, a...)...).CombinedOutput(); err != nil {
			ts.Fatalf("kubectl %v: %v: %s", a, err, out)
		}
	}
}

// kuberegistry NAME: a registry on the host's loopback (as `registry` starts it, $NAME
// its host:port) that the cluster's node pulls from at the same address: a listener on
// the loopback of the node's network namespace forwards to it. Docker pushes to a
// loopback registry over plain HTTP, and containerd pulls from one.
func cmdKubeRegistry(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: kuberegistry NAME")
	}
	netns := ts.Getenv("DEVENV_K8S_NETNS")
	if netns == "" {
		ts.Fatalf("the cluster names no network namespace (DEVENV_K8S_NETNS): scripts/cluster-up.sh prints it")
	}
	cmdRegistry(ts, false, args)
	addr := ts.Getenv(args[0])
	l, err := listenIn(netns, addr)
	ts.Check(err)
	ts.Defer(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				d, err := net.Dial("tcp", addr) // from this goroutine's thread: the host's loopback
				if err != nil {
					return
				}
				defer d.Close()
				go func() { _, _ = io.Copy(d, c) }()
				_, _ = io.Copy(c, d)
			}()
		}
	}()
}

// listenIn listens on addr in the network namespace at path. The thread that enters
// the namespace is never given back: it ends with its goroutine.
func listenIn(path, addr string) (net.Listener, error) {
	type result struct {
		l   net.Listener
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open(path)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{err: fmt.Errorf("entering %s: %w", path, err)}
			return
		}
		l, err := net.Listen("tcp", addr)
		ch <- result{l, err}
	}()
	r := <-ch
	return r.l, r.err
}

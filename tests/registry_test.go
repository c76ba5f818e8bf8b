//go:build linux

package tests

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/crypto/bcrypt"
)

// registryBinary is Debian's docker-registry (the CNCF distribution registry),
// installed by scripts/engine-up.sh.
const registryBinary = "/usr/bin/docker-registry"

// TestRegistryScripts runs testdata/registry/*.txtar: push and pull through a real
// registry that each script starts on 127.0.0.1 with the `registry` command. The
// engine speaks plain HTTP to 127.0.0.0/8 without being told to.
func TestRegistryScripts(t *testing.T) {
	if engineErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("end-to-end tests need a Docker Engine: %v", engineErr)
		}
		t.Skipf("end-to-end tests need a Docker Engine: %v", engineErr)
	}
	if _, err := os.Stat(registryBinary); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("registry tests need %s: run scripts/engine-up.sh (it installs docker-registry)", registryBinary)
		}
		t.Skipf("registry tests need %s: run scripts/engine-up.sh (it installs docker-registry)", registryBinary)
	}
	// Reachable by the non-root test user, as in TestScripts.
	workRoot, err := os.MkdirTemp("", "devenv-e2e-registry-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(workRoot, 0o755)
	t.Cleanup(func() { os.RemoveAll(workRoot) })
	testscript.Run(t, testscript.Params{
		Dir:         "testdata/registry",
		WorkdirRoot: workRoot,
		Setup: func(e *testscript.Env) error {
			if err := os.Chmod(e.WorkDir, 0o777); err != nil {
				return err
			}
			e.Setenv("PATH", binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
			for _, k := range []string{"DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "SSL_CERT_FILE"} {
				if v, ok := os.LookupEnv(k); ok {
					e.Setenv(k, v)
				}
			}
			// No credentials of the machine's user leak in: each script writes its own.
			e.Setenv("DOCKER_CONFIG", filepath.Join(e.WorkDir, ".docker-empty"))
			e.Defer(func() { removeContainersOf(e.WorkDir) })
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
		Cmds:                registryCmds,
		RequireExplicitExec: true,
	})
}

// registryCmds are the commands registry scripts may use; files that add commands
// (cache_test.go) add them here in their init.
var registryCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"asuser":       cmdAsUser,
	"registry":     cmdRegistry,
	"bg":           cmdBg,
	"waitlog":      cmdWaitLog,
	"bgsignal":     cmdBgSignal,
	"bgwait":       cmdBgWait,
	"dockerlogin":  cmdDockerLogin,
	"nocontainers": cmdNoContainers,
}

// registry NAME [htpasswd USER PASS]: start a registry on 127.0.0.1 on a free port,
// with its storage in the work dir, optionally requiring basic auth; set $NAME to its
// host:port. It is stopped, and the images tagged for it removed, at script end.
func cmdRegistry(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! registry")
	}
	if len(args) != 1 && !(len(args) == 4 && args[1] == "htpasswd") {
		ts.Fatalf("usage: registry NAME [htpasswd USER PASS]")
	}
	name := args[0]
	dir := ts.MkAbs(".registry-" + name)
	ts.Check(os.MkdirAll(filepath.Join(dir, "storage"), 0o755))
	addr := freeAddr(ts)
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n",
		filepath.Join(dir, "storage"), addr)
	if len(args) == 4 {
		hash, err := bcrypt.GenerateFromPassword([]byte(args[3]), bcrypt.MinCost)
		ts.Check(err)
		htpasswd := filepath.Join(dir, "htpasswd")
		ts.Check(os.WriteFile(htpasswd, []byte(args[2]+":"+string(hash)+"\n"), 0o600))
		cfg += fmt.Sprintf("auth:\n  htpasswd:\n    realm: devenv-e2e\n    path: %s\n", htpasswd)
	}
	cfgPath := filepath.Join(dir, "config.yml")
	ts.Check(os.WriteFile(cfgPath, []byte(cfg), 0o644))
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	ts.Check(err)
	cmd := exec.Command(registryBinary, "serve", cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	ts.Check(cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ts.Defer(func() {
		_ = cmd.Process.Kill()
		<-exited
		logf.Close()
		removeImagesFor(addr)
	})
	// Poll with a deadline: the registry answers /v2/ with 200, or 401 with auth on.
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				break
			}
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
			ts.Fatalf("docker-registry exited: %v\n%s", err, log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
			ts.Fatalf("docker-registry did not answer at %s within 15s\n%s", addr, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Setenv(name, addr)
}

// dockerlogin REGISTRY USER PASS: write $DOCKER_CONFIG/config.json as `docker login`
// leaves it without a credential helper: an "auths" entry with base64 user:pass.
func cmdDockerLogin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: dockerlogin REGISTRY USER PASS")
	}
	dir := ts.Getenv("DOCKER_CONFIG")
	ts.Check(os.MkdirAll(dir, 0o700))
	cfg := map[string]any{"auths": map[string]any{
		args[0]: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(args[1] + ":" + args[2]))},
	}}
	data, err := json.MarshalIndent(cfg, "", "\t")
	ts.Check(err)
	ts.Check(os.WriteFile(filepath.Join(dir, "config.json"), data, 0o600))
}

func freeAddr(ts *testscript.TestScript) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	addr := l.Addr().String()
	ts.Check(l.Close())
	return addr
}

// removeImagesFor removes every local tag that names the registry at addr.
func removeImagesFor(addr string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "images", "--format", "{{.Repository}}:{{.Tag}}").Output()
	if err != nil {
		return
	}
	var refs []string
	for _, ref := range strings.Fields(string(out)) {
		if strings.HasPrefix(ref, addr+"/") {
			refs = append(refs, ref)
		}
	}
	if len(refs) > 0 {
		_ = exec.CommandContext(ctx, "docker", append([]string{"rmi", "-f"}, refs...)...).Run()
	}
}

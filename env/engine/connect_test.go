package engine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	clicontext "github.com/docker/cli/cli/context"
	"github.com/docker/cli/cli/context/store"
)

// writeContext writes a context as `docker context create NAME --docker host=HOST` does.
func writeContext(t *testing.T, configDir, name, host string, tlsData *clicontext.TLSData) {
	t.Helper()
	s := store.New(filepath.Join(configDir, "contexts"), store.NewConfig(nil,
		store.EndpointTypeGetter(dockerEndpoint, func() any { return &clicontext.EndpointMetaBase{} })))
	err := s.CreateOrUpdate(store.Metadata{Name: name, Endpoints: map[string]any{
		dockerEndpoint: clicontext.EndpointMetaBase{Host: host},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if tlsData != nil {
		if err := s.ResetEndpointTLSMaterial(name, dockerEndpoint, tlsData.ToStoreTLSData()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestResolveOrder(t *testing.T) {
	dir := t.TempDir()
	writeContext(t, dir, "cur", "unix:///cur.sock", nil)
	writeContext(t, dir, "env", "ssh://me@example.org:2222", nil)
	writeContext(t, dir, "flag", "tcp://10.0.0.1:2376", &clicontext.TLSData{CA: []byte("ca")})
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"currentContext":"cur"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, flag      string
		env             map[string]string
		ctx, from, host string
		wantTLS         bool
	}{
		{"config", "", nil, "cur", filepath.Join(dir, "config.json"), "unix:///cur.sock", false},
		{"DOCKER_CONTEXT over config", "", map[string]string{"DOCKER_CONTEXT": "env"}, "env", "DOCKER_CONTEXT", "ssh://me@example.org:2222", false},
		{"DOCKER_HOST over both", "", map[string]string{"DOCKER_CONTEXT": "env", "DOCKER_HOST": "tcp://1.2.3.4:2375"}, "default", "DOCKER_HOST", "tcp://1.2.3.4:2375", false},
		{"flag over all", "flag", map[string]string{"DOCKER_CONTEXT": "env", "DOCKER_HOST": "tcp://1.2.3.4:2375"}, "flag", "--context", "tcp://10.0.0.1:2376", true},
		{"default by name", "default", nil, "default", "--context", "unix:///var/run/docker.sock", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Resolve(tc.flag, dir, func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if got.Context != tc.ctx || got.From != tc.from || got.Host != tc.host || (got.TLS != nil) != tc.wantTLS {
				t.Errorf("Resolve = %+v, want context %q from %q host %q", got, tc.ctx, tc.from, tc.host)
			}
		})
	}
}

func TestResolveNoConfig(t *testing.T) {
	got, err := Resolve("", t.TempDir(), func(string) string { return "" })
	if err != nil || got.Context != DefaultContext || got.Host != "unix:///var/run/docker.sock" {
		t.Errorf("Resolve = %+v, %v", got, err)
	}
}

func TestResolveMissingContext(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"currentContext":"gone"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Resolve("", dir, func(string) string { return "" })
	var ce *ContextError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), `docker context "gone" (from `+filepath.Join(dir, "config.json")+`) does not exist: see `+"`docker context ls`") {
		t.Errorf("Resolve = %v", err)
	}
}

func TestUnreachableMessages(t *testing.T) {
	for _, tc := range []struct {
		err  UnreachableError
		want string
	}{
		{UnreachableError{Endpoint: "ssh://devenv@127.0.0.1:1", Err: errors.New("command [ssh ...] has exited with exit status 255, make sure ...: stderr=ssh: connect to host 127.0.0.1 port 1: Connection refused\n")},
			"cannot reach Docker at ssh://devenv@127.0.0.1:1: ssh cannot connect to 127.0.0.1 port 1: is sshd running there, and are the host and port right? (ssh: connect to host 127.0.0.1 port 1: Connection refused)"},
		{UnreachableError{Endpoint: "ssh://devenv@127.0.0.1:2222", Err: errors.New("...: stderr=No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\nHost key verification failed.\n")},
			"ssh does not trust the host key of 127.0.0.1 port 2222: run `ssh -p 2222 devenv@127.0.0.1` once to check the key and accept it"},
		{UnreachableError{Endpoint: "unix:///nonexistent/x.sock", Context: "gone", Err: errors.New("Cannot connect to the Docker daemon at unix:///nonexistent/x.sock. Is the docker daemon running?")},
			`cannot reach Docker at unix:///nonexistent/x.sock (context "gone"): the context's engine does not answer: check its endpoint with ` + "`docker context ls`" + `, or choose another context with --context or ` + "`docker context use`" + ` (dial unix /nonexistent/x.sock: connect: no such file or directory)`},
	} {
		if got := tc.err.Error(); !strings.Contains(got, tc.want) {
			t.Errorf("message\n%s\nwant it to hold\n%s", got, tc.want)
		}
	}
}

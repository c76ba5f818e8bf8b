package engine

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/cli/cli/config"
	"github.com/docker/docker/api/types/registry"
)

func TestClassifyRegistryError(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want RegistryErrorKind
	}{
		{"Error response from daemon: no basic auth credentials", RegistryAuth},
		{"unauthorized: authentication required", RegistryAuth},
		{"pull access denied for foo, repository does not exist or may require 'docker login'", RegistryAuth},
		{"manifest for 127.0.0.1:5000/app:x not found: manifest unknown: manifest unknown", RegistryNotFound},
		{`Get "https://reg.invalid/v2/": dial tcp: lookup reg.invalid on 10.0.0.1:53: no such host`, RegistryUnknownHost},
		{`Get "https://10.1.2.3:5000/v2/": http: server gave HTTP response to HTTPS client`, RegistryPlainHTTP},
		{`Get "https://reg:5000/v2/": x509: certificate signed by unknown authority`, RegistryTLS},
		{`Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused`, RegistryUnreachable},
		{"something else", RegistryOther},
	} {
		got := classifyRegistryError("pull", "127.0.0.1:5000/app:x", tc.msg, false)
		if got.Kind != tc.want {
			t.Errorf("%q: kind %d, want %d", tc.msg, got.Kind, tc.want)
		}
		if strings.HasPrefix(got.Msg, "Error response from daemon") {
			t.Errorf("%q: the client's prefix stays in %q", tc.msg, got.Msg)
		}
	}
	if r := RegistryOf("busybox"); r != "docker.io" {
		t.Errorf("RegistryOf(busybox) = %q", r)
	}
}

func TestRegistryAuthReadsDockerConfig(t *testing.T) {
	dir, old := t.TempDir(), config.Dir()
	config.SetDir(dir)
	t.Cleanup(func() { config.SetDir(old) })
	conf := `{"auths": {"reg.example:5000": {"auth": "` + base64.StdEncoding.EncodeToString([]byte("alice:s3cret")) + `"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	auth, anon, err := registryAuth("reg.example:5000/app:1")
	if err != nil || anon {
		t.Fatalf("registryAuth: anonymous %v, %v", anon, err)
	}
	data, err := base64.URLEncoding.DecodeString(auth)
	if err != nil {
		t.Fatal(err)
	}
	var ac registry.AuthConfig
	if err := json.Unmarshal(data, &ac); err != nil || ac.Username != "alice" || ac.Password != "s3cret" {
		t.Errorf("decoded %+v, %v", ac.Username, err)
	}
	// Another registry: anonymous, still an encoded (empty) auth, as the engine needs one.
	if auth, anon, err := registryAuth("other.example/app:1"); err != nil || !anon || auth == "" {
		t.Errorf("other registry: %q %v %v", auth, anon, err)
	}
	// A broken file is an error naming it, never ignored.
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	var ce *CredentialsError
	if _, _, err := registryAuth("reg.example:5000/app:1"); !errors.As(err, &ce) || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("broken config: %v", err)
	}
}

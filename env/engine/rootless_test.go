package engine

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"
)

// Rootless is what the engine says: Docker's security option, Podman's own field.
func TestEngineInfoRootless(t *testing.T) {
	for _, c := range []struct {
		info engineInfo
		want bool
	}{
		{engineInfo{Info: system.Info{SecurityOptions: []string{"name=seccomp,profile=builtin", "name=rootless", "name=cgroupns"}}}, true},
		{engineInfo{Info: system.Info{SecurityOptions: []string{"name=rootless,foo=bar"}}}, true},
		{engineInfo{Info: system.Info{SecurityOptions: []string{"name=seccomp,profile=default"}}, Rootless: true}, true},
		{engineInfo{Info: system.Info{SecurityOptions: []string{"name=seccomp,profile=builtin", "name=userns"}}}, false},
		{engineInfo{}, false},
	} {
		if got := c.info.rootless(); got != c.want {
			t.Errorf("%+v: rootless %v, want %v", c.info, got, c.want)
		}
	}
}

// The client speaks TLS exactly when clientOpts sets TLS up.
func TestSpeaksTLS(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	def := Target{Context: DefaultContext, Host: "tcp://127.0.0.1:2376"}
	if !speaksTLS(def, env("DOCKER_TLS_VERIFY", "1")) || !speaksTLS(def, env("DOCKER_CERT_PATH", "/c")) || speaksTLS(def, env()) {
		t.Error("DOCKER_HOST: TLS from DOCKER_TLS_VERIFY or DOCKER_CERT_PATH only")
	}
	if speaksTLS(Target{Context: DefaultContext, Host: "unix:///run/docker.sock"}, env("DOCKER_TLS_VERIFY", "1")) {
		t.Error("a unix socket speaks no TLS")
	}
	if !speaksTLS(Target{Context: "remote", Host: "tcp://h:2376", SkipTLSVerify: true}, env()) || speaksTLS(Target{Context: "remote", Host: "tcp://h:2375"}, env()) {
		t.Error("a context: TLS from its material")
	}
}

// The secrets follow the context's own files, each readable by its owner only.
func TestWithContextSecrets(t *testing.T) {
	var ctx bytes.Buffer
	tw := tar.NewWriter(&ctx)
	_ = tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: 4, Typeflag: tar.TypeReg})
	_, _ = tw.Write([]byte("FROM"))
	_ = tw.Close()
	out, err := io.ReadAll(withContextSecrets(&ctx, map[string][]byte{"b": []byte("bee"), "a": []byte("ay")}))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(out))
	var names []string
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		names = append(names, hdr.Name+"="+string(body))
		if hdr.Typeflag == tar.TypeReg && hdr.Name != "Dockerfile" && hdr.Mode != 0o600 {
			t.Errorf("%s has mode %o, want 600", hdr.Name, hdr.Mode)
		}
	}
	want := []string{"Dockerfile=FROM", ".devenv-secrets/=", ".devenv-secrets/a=ay", ".devenv-secrets/b=bee"}
	if len(names) != len(want) {
		t.Fatalf("entries %q, want %q", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Errorf("entry %d: %q, want %q", i, names[i], want[i])
		}
	}
	if _, err := io.ReadAll(withContextSecrets(bytes.NewReader(nil), map[string][]byte{"": nil})); err == nil {
		t.Error("a secret without an id was taken")
	}
}

// With nothing set, Podman's socket is used only when Docker's is not there: the
// user's own before the system's.
func TestResolveFindsPodmanSocket(t *testing.T) {
	socks := map[string]bool{}
	was := isSocketFile
	isSocketFile = func(p string) bool { return socks[p] }
	t.Cleanup(func() { isSocketFile = was })
	env := func(k string) string {
		if k == "XDG_RUNTIME_DIR" {
			return "/run/user/1001"
		}
		return ""
	}
	resolve := func() Target {
		t.Helper()
		tg, err := Resolve("", t.TempDir(), env)
		if err != nil {
			t.Fatal(err)
		}
		return tg
	}
	if tg := resolve(); tg.Host != client.DefaultDockerHost || tg.From != "" {
		t.Errorf("no socket at all: %+v, want the default", tg)
	}
	socks["/run/podman/podman.sock"] = true
	if tg := resolve(); tg.Host != "unix:///run/podman/podman.sock" || tg.From != FromPodmanSocket {
		t.Errorf("the system's Podman socket: %+v", tg)
	}
	socks["/run/user/1001/podman/podman.sock"] = true
	if tg := resolve(); tg.Host != "unix:///run/user/1001/podman/podman.sock" {
		t.Errorf("the user's Podman socket first: %+v", tg)
	}
	socks["/var/run/docker.sock"] = true
	if tg := resolve(); tg.Host != client.DefaultDockerHost || tg.From != "" {
		t.Errorf("Docker's socket is there: %+v, want it", tg)
	}
	withHost := func(k string) string {
		if k == "DOCKER_HOST" {
			return "tcp://10.0.0.1:2375"
		}
		return env(k)
	}
	delete(socks, "/var/run/docker.sock")
	if tg, _ := Resolve("", t.TempDir(), withHost); tg.Host != "tcp://10.0.0.1:2375" {
		t.Errorf("DOCKER_HOST set: %+v, want it", tg)
	}
}

// A TLS failure says which side did not trust which, and where the material is.
func TestTLSHint(t *testing.T) {
	for _, c := range []struct{ ctx, cause, want string }{
		{"", `Head "https://127.0.0.1:2376/_ping": tls: failed to verify certificate: x509: certificate signed by unknown authority`, "DOCKER_CERT_PATH's ca.pem"},
		{"remote", "x509: certificate signed by unknown authority", "`docker context inspect remote`"},
		{"", "x509: certificate is valid for 10.0.0.2, not 127.0.0.1", "not made out to this address"},
		{"", "remote error: tls: bad certificate", "refused devenv's client certificate"},
		{"", "dial tcp 127.0.0.1:2376: connect: connection refused", ""},
	} {
		if got := tlsHint(c.ctx, c.cause); c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("tlsHint(%q, %q) = %q, want %q in it", c.ctx, c.cause, got, c.want)
		}
	}
}

// A failed step on Podman is named as written, on one line: devenv's mounts and the
// CA guard it adds are not the user's.
func TestCleanBuildErrorPodmanStep(t *testing.T) {
	msg := "building at STEP \"RUN --mount=type=cache,target=/c --mount=type=bind,source=.devenv-secrets/devenv-ca,target=/run/devenv/ca.pem /bin/sh -c if [ -f /run/devenv/ca.sh ]; then . /run/devenv/ca.sh; fi\necho about-to-fail >&2\nexit 3\": while running runtime: exit status 3"
	want := "the build step RUN /bin/sh -c echo about-to-fail >&2; exit 3 failed with exit code 3"
	if got := cleanBuildError(msg); got != want {
		t.Errorf("cleanBuildError = %q\nwant %q", got, want)
	}
}

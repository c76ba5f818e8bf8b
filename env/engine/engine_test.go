package engine_test

// Integration tests against a real Docker Engine (DOCKER_HOST, or the local socket).
// Without an engine they skip, except under CI=true where they fail: in CI a missing
// engine must never pass silently. They need the local image busybox:devenv
// (scripts/engine-up.sh makes it) and pull nothing.

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devenv/devenv/env/engine"
)

const baseImage = "busybox:devenv"

func needEngine(t *testing.T) *engine.Docker {
	t.Helper()
	fail := t.Skipf
	if os.Getenv("CI") == "true" {
		fail = t.Fatalf
	}
	d, err := engine.FromEnv()
	if err != nil {
		fail("no Docker Engine: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	info, err := d.Ping(context.Background())
	if err != nil {
		fail("no Docker Engine: %v", err)
	}
	if !info.BuildKit {
		fail("the engine at %s has no BuildKit (or DEVENV_BUILDKIT=0)", info.Endpoint)
	}
	ok, err := d.ImageExists(context.Background(), baseImage)
	if err != nil || !ok {
		fail("image %s is missing (run scripts/engine-up.sh): %v", baseImage, err)
	}
	return d
}

// tarContext is a build context holding only a Dockerfile: no .devenv folder, and
// certainly no secret.
func tarContext(t *testing.T, dockerfile string) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	if err := tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile)), ModTime: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(dockerfile)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &b
}

// progress collects the plain progress output, and tells when a string shows up.
type progress struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	want  string
	found chan struct{}
	once  sync.Once
}

func newProgress(want string) *progress { return &progress{want: want, found: make(chan struct{})} }

func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, err := p.buf.Write(b)
	if p.want != "" && strings.Contains(p.buf.String(), p.want) {
		p.once.Do(func() { close(p.found) })
	}
	return n, err
}

func (p *progress) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.String()
}

// secretsBuild builds dockerfile (prefixed with FROM and an ARG that makes every run
// miss the cache, so the RUN steps really run) with secrets, tagged uniquely and
// removed at the end.
func secretsBuild(ctx context.Context, t *testing.T, d *engine.Docker, secrets map[string][]byte, steps string, p *progress) (string, error) {
	t.Helper()
	nonce := fmt.Sprintf("%d", time.Now().UnixNano())
	tag := "devenv-engine-test/secrets:" + nonce
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := d.RemoveImage(ctx, tag); err != nil {
			t.Errorf("removing %s: %v", tag, err)
		}
	})
	dockerfile := "FROM " + baseImage + "\nARG DEVENV_TEST_NONCE\n" + steps
	err := d.Build(ctx, engine.BuildRequest{
		Context:    tarContext(t, dockerfile),
		Dockerfile: "Dockerfile",
		Tag:        tag,
		BuildArgs:  map[string]*string{"DEVENV_TEST_NONCE": &nonce},
		BuildKit:   true,
		Progress:   p,
		Plain:      true,
		Secrets:    secrets,
	})
	return tag, err
}

// noSessionGoroutines fails when goroutines of the BuildKit session (its gRPC server
// and HTTP/2 connection) outlive the build.
func noSessionGoroutines(t *testing.T) {
	t.Helper()
	marks := []string{"moby/buildkit/session", "google.golang.org/grpc", "golang.org/x/net/http2"}
	var left []string
	// A poll that ends as soon as the goroutines are gone; the deadline is long so a
	// loaded machine cannot fail it.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		left = left[:0]
		for _, g := range strings.Split(string(buf), "\n\n") {
			for _, m := range marks {
				if strings.Contains(g, m) {
					left = append(left, g)
					break
				}
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(left) > 0 {
		t.Errorf("%d session goroutines outlived the build:\n%s", len(left), strings.Join(left, "\n\n"))
	}
}

func caBundle(t *testing.T) []byte {
	t.Helper()
	ca, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil || len(ca) < 20 {
		// Not every machine has the bundle: any distinctive secret does.
		ca = []byte("-----BEGIN DEVENV TEST SECRET-----\n" + strings.Repeat("c2VjcmV0\n", 100))
	}
	return ca
}

const caMount = `RUN --mount=type=secret,id=devenv-ca,target=/run/devenv/ca.pem ["/bin/sh","-c","test -s /run/devenv/ca.pem && head -c 20 /run/devenv/ca.pem"]` + "\n"

func TestBuildSecrets(t *testing.T) {
	d := needEngine(t)
	ca := caBundle(t)
	secrets := map[string][]byte{"devenv-ca": ca}

	t.Run("delivered", func(t *testing.T) {
		p := newProgress("")
		tag, err := secretsBuild(context.Background(), t, d, secrets, caMount, p)
		if err != nil {
			t.Fatalf("build: %v\n%s", err, p)
		}
		t.Logf("progress:\n%s", p)
		if head := string(ca[:20]); !strings.Contains(p.String(), head) {
			t.Errorf("the progress lacks the secret's first bytes %q:\n%s", head, p)
		}
		// The secret was a mount: the image has no trace of it at its target.
		var out bytes.Buffer
		status, err := d.Run(context.Background(), engine.RunRequest{
			Image:  tag,
			Cmd:    []string{"/bin/sh", "-c", "test ! -e /run/devenv/ca.pem || { ls -l /run/devenv/ca.pem; exit 1; }"},
			Stdout: &out,
			Stderr: &out,
		})
		if err != nil || status != 0 {
			t.Errorf("the image holds /run/devenv/ca.pem (status %d, %v): %s", status, err, out.String())
		}
		noSessionGoroutines(t)
	})

	t.Run("missing optional secret", func(t *testing.T) {
		p := newProgress("")
		steps := `RUN --mount=type=secret,id=devenv-absent,target=/run/devenv/absent ["/bin/sh","-c","test ! -e /run/devenv/absent && echo absent-ok"]` + "\n"
		if _, err := secretsBuild(context.Background(), t, d, secrets, steps, p); err != nil {
			t.Fatalf("a secret that is not provided (required=false) failed the build: %v\n%s", err, p)
		}
		if !strings.Contains(p.String(), "absent-ok") {
			t.Errorf("the step did not run:\n%s", p)
		}
		noSessionGoroutines(t)
	})

	t.Run("failed build", func(t *testing.T) {
		p := newProgress("")
		steps := `RUN --mount=type=secret,id=devenv-ca ["/bin/sh","-c","test -s /run/secrets/devenv-ca && exit 3"]` + "\n"
		_, err := secretsBuild(context.Background(), t, d, secrets, steps, p)
		var be *engine.BuildError
		if !errors.As(err, &be) || !strings.Contains(be.Msg, "exit code 3") {
			t.Fatalf("want a BuildError with exit code 3, got %v\n%s", err, p)
		}
		noSessionGoroutines(t)
	})

	t.Run("cancelled build", func(t *testing.T) {
		p := newProgress("devenv-sleeping")
		steps := `RUN --mount=type=secret,id=devenv-ca ["/bin/sh","-c","test -s /run/secrets/devenv-ca && echo devenv-sleeping && sleep 60"]` + "\n"
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-p.found:
			case <-time.After(30 * time.Second):
			}
			cancel()
		}()
		start := time.Now()
		_, err := secretsBuild(ctx, t, d, secrets, steps, p)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("want context.Canceled, got %v\n%s", err, p)
		}
		// The step sleeps 60 s: returning well before that is the behaviour asserted
		// (the build was cancelled, not waited out), not a speed.
		if took := time.Since(start); took > 40*time.Second {
			t.Errorf("the cancelled build took %v to return", took)
		}
		noSessionGoroutines(t)
	})

	t.Run("too big", func(t *testing.T) {
		big := map[string][]byte{"devenv-big": bytes.Repeat([]byte("x"), 500*1024+1)}
		_, err := secretsBuild(context.Background(), t, d, big, caMount, newProgress(""))
		if err == nil || !strings.Contains(err.Error(), "devenv-big") {
			t.Fatalf("want an error naming the secret, got %v", err)
		}
	})
}

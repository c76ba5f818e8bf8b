package env

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/devenv/devenv/env/enginetest"
)

func TestTrust(t *testing.T) {
	home := t.TempDir()
	host := testHost
	host.Home, host.ConfigDir = home, filepath.Join(home, ".config", "devenv")

	// Nothing beyond the tree: never asks, stores nothing.
	inside := mustResolve(t, "mounts = [\"./d:/d\", \"volume:v:/v\"]\n", map[string]string{"d/x": ""}, host)
	if err := CheckTrust(inside); err != nil {
		t.Fatalf("a project asking for nothing outside: %v", err)
	}

	// A link in the project to outside it asks, as the path it names would.
	linked := newProject(t, "mounts = [\"./link:/l\"]\n", nil)
	if err := os.Symlink(home, filepath.Join(filepath.Dir(linked), "link")); err != nil {
		t.Fatal(err)
	}
	if s, err := resolveErr(t, linked, host); err != nil || CheckTrust(s) == nil {
		t.Errorf("a link to outside the project: %v, asks nothing", err)
	}

	cfg := newProject(t, "pass_env = [\"TOKEN\"]\nmounts = [\"~:/host\"]\n", nil)
	s, err := resolveErr(t, cfg, host)
	if err != nil {
		t.Fatal(err)
	}
	var na *NotAllowedError
	if err := CheckTrust(s); !errors.As(err, &na) || na.Changed || len(na.Asks) != 2 {
		t.Fatalf("first run: %v", err)
	}
	wantErr(t, CheckTrust(s), "mounts: your "+home+" at /host, read-only", "pass_env: your $TOKEN", "`devenv allow`")
	if _, err := Allow(s); err != nil {
		t.Fatal(err)
	}
	if err := CheckTrust(s); err != nil {
		t.Fatalf("after allow: %v", err)
	}
	// One line changes: asked again, and saying that it changed.
	if err := os.WriteFile(cfg, []byte("pass_env = [\"TOKEN\"]\nmounts = [\"~:/host:rw\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, err := resolveErr(t, cfg, host)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckTrust(changed); !errors.As(err, &na) || !na.Changed {
		t.Fatalf("after a change: %v", err)
	}
	wantErr(t, CheckTrust(changed), "changed what it asks for", "read-write")
	if ok, err := Deny(host.ConfigDir, s.Root); !ok || err != nil {
		t.Fatalf("deny: %v %v", ok, err)
	}
	if err := CheckTrust(s); !errors.As(err, &na) || na.Changed {
		t.Fatalf("after deny: %v", err)
	}
	if ok, _ := Deny(host.ConfigDir, s.Root); ok {
		t.Error("a second deny found an allow")
	}
}

// Run refuses an unallowed project before it touches the engine.
func TestRunRefusesUnallowed(t *testing.T) {
	host := testHost
	host.ConfigDir = t.TempDir()
	s := mustResolve(t, "pass_env = [\"TOKEN\"]\n", nil, host)
	p, err := NewProject(s, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	eng := enginetest.New()
	var na *NotAllowedError
	if err := Run(context.Background(), eng, p, RunOptions{Cmd: []string{"true"}}); !errors.As(err, &na) {
		t.Fatalf("Run = %v, want NotAllowedError", err)
	}
	if calls := eng.Calls(); len(calls) != 0 {
		t.Errorf("the engine was called: %v", calls)
	}
}

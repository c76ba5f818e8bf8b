package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPushPullHooksGetOptions(t *testing.T) {
	f, _, _ := testFactory(nil)
	var push *registryOptions
	app := withCommand(newApp(f), newPushCmd(f, func(_ context.Context, o *registryOptions) error { push = o; return nil }))
	if code := runApp(t, f, app, "push", "--progress", "plain", "reg.example/app:1"); code != exitOK || push == nil || push.ref != "reg.example/app:1" || push.progress != "plain" {
		t.Fatalf("push: code %d, options %+v", code, push)
	}
	var pull *registryOptions
	app = withCommand(newApp(f), newPullCmd(f, func(_ context.Context, o *registryOptions) error { pull = o; return nil }))
	if code := runApp(t, f, app, "pull"); code != exitOK || pull == nil || pull.ref != "" {
		t.Fatalf("pull: code %d, options %+v", code, pull)
	}
	for _, args := range [][]string{{"push", "a", "b"}, {"pull", "a", "b"}, {"push", "--progress", "loud"}} {
		f, _, errOut := testFactory(nil)
		if code := runApp(t, f, nil, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, errOut)
		}
	}
}

// With no REF and no image key, push and pull say so before asking the engine.
func TestNoRegistryConfigured(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "devenv.toml"), []byte("name = \"app\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"push", "pull"} {
		f, _, errOut := testFactory(unreachable())
		if code := runApp(t, f, nil, "-C", dir, cmd); code != exitError {
			t.Errorf("%s: exit %d", cmd, code)
		}
		if want := "devenv: no registry configured: pass REF or set image = "; !strings.Contains(errOut.String(), want) {
			t.Errorf("%s: stderr = %q", cmd, errOut)
		}
	}
}

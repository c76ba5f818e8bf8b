package main

import (
	"context"
	"slices"
	"testing"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

func TestDown(t *testing.T) {
	dir := project(t, "name = \"p\"\n")
	eng := enginetest.New()
	eng.SetContainers(
		engine.Container{ID: "db", Name: "devenv-p-db", Labels: map[string]string{env.LabelProject: dir, env.LabelService: "db"}},
		engine.Container{ID: "other", Name: "devenv-q-db", Labels: map[string]string{env.LabelProject: "/q", env.LabelService: "db"}},
	)
	eng.SetNetworks(engine.Network{ID: "net", Name: "devenv-p-1234", Labels: map[string]string{env.LabelProject: dir}})
	f, _, errOut := testFactory(nil)
	if err := downRun(t.Context(), eng, &downOptions{io: f.io, dir: dir}); err != nil {
		t.Fatal(err)
	}
	if did, want := eng.Did("RemoveContainer", "RemoveNetwork"), []string{"RemoveContainer db force", "RemoveNetwork net"}; !slices.Equal(did, want) {
		t.Errorf("removed %q, want %q", did, want)
	}
	if want := "removed service container devenv-p-db\nremoved network devenv-p-1234\n"; errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
}

func TestDownWithNothingRunning(t *testing.T) {
	dir := project(t, "name = \"p\"\n")
	f, out, errOut := testFactory(nil)
	if err := downRun(t.Context(), enginetest.New(), &downOptions{io: f.io, dir: dir, volumes: true}); err != nil {
		t.Fatal(err)
	}
	if want := "no services running for " + dir + ": nothing to take down\n"; errOut.String() != want || out.Len() != 0 {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
}

func TestDownHookGetsOptions(t *testing.T) {
	dir := t.TempDir()
	f, _, errOut := testFactory(nil)
	var got *downOptions
	app := withCommand(newApp(f), newDownCmd(f, func(_ context.Context, o *downOptions) error {
		got = o
		return nil
	}))
	if code := runApp(t, f, app, "-C", dir, "down", "--volumes"); code != exitOK {
		t.Fatalf("exit status %d: %s", code, errOut)
	}
	if got == nil || got.dir != dir || !got.volumes {
		t.Errorf("options = %+v", got)
	}
	if code := runApp(t, f, nil, "-C", dir, "down", "extra"); code != exitUsage {
		t.Errorf("down with an argument: exit status %d, want %d", code, exitUsage)
	}
}

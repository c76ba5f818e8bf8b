package main

import (
	"context"
	"strings"
	"testing"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/engine"
)

// downEngine is the part of the engine down uses; the rest of env.ServiceEngine is
// never called.
type downEngine struct {
	env.ServiceEngine
	containers []engine.Container
	networks   []engine.Network
	removed    []string
}

func (d *downEngine) Containers(_ context.Context, labels map[string]string) ([]engine.Container, error) {
	var out []engine.Container
	for _, c := range d.containers {
		if c.Labels[env.LabelProject] == labels[env.LabelProject] {
			out = append(out, c)
		}
	}
	return out, nil
}

func (d *downEngine) RemoveContainer(_ context.Context, id string, _ bool) error {
	d.removed = append(d.removed, id)
	return nil
}

func (d *downEngine) Networks(_ context.Context, labels map[string]string) ([]engine.Network, error) {
	var out []engine.Network
	for _, n := range d.networks {
		if n.Labels[env.LabelProject] == labels[env.LabelProject] {
			out = append(out, n)
		}
	}
	return out, nil
}

func (d *downEngine) RemoveNetwork(_ context.Context, id string) error {
	d.removed = append(d.removed, id)
	return nil
}

func (d *downEngine) Volumes(context.Context, map[string]string) ([]engine.Volume, error) {
	return nil, nil
}

func TestDown(t *testing.T) {
	dir := project(t, "name = \"p\"\n")
	eng := &downEngine{
		containers: []engine.Container{
			{ID: "db", Name: "devenv-p-db", Labels: map[string]string{env.LabelProject: dir, env.LabelService: "db"}},
			{ID: "other", Name: "devenv-q-db", Labels: map[string]string{env.LabelProject: "/q", env.LabelService: "db"}},
		},
		networks: []engine.Network{{ID: "net", Name: "devenv-p-1234", Labels: map[string]string{env.LabelProject: dir}}},
	}
	f, _, errOut := testFactory(nil)
	if err := downRun(t.Context(), eng, &downOptions{io: f.io, dir: dir}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(eng.removed, ",") != "db,net" {
		t.Errorf("removed %v, want db,net", eng.removed)
	}
	if want := "removed service container devenv-p-db\nremoved network devenv-p-1234\n"; errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
}

func TestDownWithNothingRunning(t *testing.T) {
	dir := project(t, "name = \"p\"\n")
	f, out, errOut := testFactory(nil)
	if err := downRun(t.Context(), &downEngine{}, &downOptions{io: f.io, dir: dir, volumes: true}); err != nil {
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

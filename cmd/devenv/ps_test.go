package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/engine"
)

// fakeDocker adds to fakeEngine what ps, stop, images, clean, doctor and version
// need; it records what it was asked to do.
type fakeDocker struct {
	*fakeEngine
	containers []engine.Container
	images     []engine.ImageSummary
	details    engine.Details
	detailsErr error

	stopped, restarted, killed, removed, removedImages []string
}

func newFakeDocker() *fakeDocker {
	return &fakeDocker{fakeEngine: &fakeEngine{info: engine.Info{BuildKit: true}}}
}

func (f *fakeDocker) Containers(_ context.Context, labels map[string]string) ([]engine.Container, error) {
	var out []engine.Container
	for _, c := range f.containers {
		if v, ok := labels[env.LabelProject]; !ok || c.Labels[env.LabelProject] == v || (v == "" && c.Labels[env.LabelProject] != "") {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeDocker) StopContainer(_ context.Context, id string, timeout time.Duration) error {
	f.stopped = append(f.stopped, id+" "+timeout.String())
	return nil
}

func (f *fakeDocker) RestartContainer(_ context.Context, id string, timeout time.Duration) error {
	f.restarted = append(f.restarted, id+" "+timeout.String())
	return nil
}

func (f *fakeDocker) KillContainer(_ context.Context, id, signal string) error {
	f.killed = append(f.killed, id+" "+signal)
	return nil
}

func (f *fakeDocker) RemoveContainer(_ context.Context, id string, force bool) error {
	if force {
		id += " force"
	}
	f.removed = append(f.removed, id)
	return nil
}

func (f *fakeDocker) ImageSummaries(_ context.Context, labels map[string]string) ([]engine.ImageSummary, error) {
	var out []engine.ImageSummary
	for _, im := range f.images {
		if v := labels[env.LabelProject]; im.Labels[env.LabelProject] == v || (v == "" && im.Labels[env.LabelProject] != "") {
			out = append(out, im)
		}
	}
	return out, nil
}

func (f *fakeDocker) Images(ctx context.Context, labels map[string]string) ([]engine.Image, error) {
	list, _ := f.ImageSummaries(ctx, labels)
	out := make([]engine.Image, len(list))
	for i, im := range list {
		out[i] = im.Image
	}
	return out, nil
}

func (f *fakeDocker) RemoveImageUnlessUsed(_ context.Context, ref string) error {
	f.removedImages = append(f.removedImages, ref)
	return nil
}

func (f *fakeDocker) Details(context.Context) (engine.Details, error) { return f.details, f.detailsErr }

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// project makes a directory with a devenv.toml and returns it.
func project(t *testing.T, toml string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "devenv.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func container(id, root, state string, age time.Duration) engine.Container {
	status := "Up 5 minutes"
	if state != "running" {
		status = "Exited (137) 2 minutes ago"
	}
	return engine.Container{ID: id + "0123456789", Name: "devenv-" + id, Image: "devenv/" + id + ":abc", State: state, Status: status,
		Created: testNow.Add(-age), Labels: map[string]string{env.LabelProject: root, env.LabelContainer: "run"}}
}

// psWithClock hooks a command's runF to fix its clock, then runs the real command.
func psWithClock(f *factory, eng env.ContainerEngine) func(context.Context, *psOptions) error {
	return func(ctx context.Context, o *psOptions) error {
		o.now = func() time.Time { return testNow }
		return psRun(ctx, eng, o)
	}
}

func TestPs(t *testing.T) {
	dir := project(t, "name = \"web\"\n")
	eng := newFakeDocker()
	eng.containers = []engine.Container{
		container("web-a", dir, "running", 5*time.Minute),
		container("web-b", dir, "exited", 3*time.Hour),
		container("api-c", "/elsewhere/api", "running", 2*time.Minute),
		{ID: "plain", Name: "devenv-web-zzz", State: "running", Labels: map[string]string{}},
	}

	f, out, errOut := testFactory(eng)
	app := withCommand(newApp(f), newPsCmd(f, psWithClock(f, eng)))
	if code := runApp(t, f, app, "-C", dir, "ps"); code != exitOK {
		t.Fatalf("exit status %d: %s", code, errOut)
	}
	want := "NAME           IMAGE              STATUS                       CREATED\n" +
		"devenv-web-a   devenv/web-a:abc   Up 5 minutes                 5 minutes ago\n" +
		"devenv-web-b   devenv/web-b:abc   Exited (137) 2 minutes ago   3 hours ago\n"
	if out.String() != want {
		t.Errorf("ps:\n%s\nwant:\n%s", out, want)
	}

	f, out, _ = testFactory(eng)
	app = withCommand(newApp(f), newPsCmd(f, psWithClock(f, eng)))
	runApp(t, f, app, "-C", dir, "ps", "--all")
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 4 || !strings.HasSuffix(lines[0], "PROJECT") ||
		!strings.HasSuffix(lines[1], "/elsewhere/api") || strings.Contains(out.String(), "devenv-web-zzz") {
		t.Errorf("ps --all:\n%s", out)
	}

	f, out, _ = testFactory(eng)
	runApp(t, f, nil, "-C", dir, "ps", "--json")
	var got []env.EnvContainer
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || len(got) != 2 || got[0].Name != "devenv-web-a" || got[0].State != "running" || got[0].Project != dir {
		t.Errorf("ps --json = %s (%v)", out, err)
	}

	// Nothing: said on stderr, nothing on stdout; JSON is an empty list.
	empty := project(t, "")
	f, out, errOut = testFactory(eng)
	if code := runApp(t, f, nil, "-C", empty, "ps"); code != exitOK || out.Len() != 0 || errOut.String() != "no environment containers for "+empty+"\n" {
		t.Errorf("ps with none: %d, %q, %q", code, out, errOut)
	}
	f, out, _ = testFactory(eng)
	if runApp(t, f, nil, "-C", empty, "ps", "--json"); strings.TrimSpace(out.String()) != "[]" {
		t.Errorf("ps --json with none = %q", out)
	}

	// Outside a project.
	f, _, errOut = testFactory(eng)
	if code := runApp(t, f, nil, "-C", t.TempDir(), "ps"); code != exitError || !strings.Contains(errOut.String(), "devenv ps --all") {
		t.Errorf("ps outside a project: %d %q", code, errOut)
	}
}

func TestLifecycleCommands(t *testing.T) {
	// A broken devenv.toml must not keep anyone from stopping the environment.
	dir := project(t, "this is not toml\n")
	newEng := func() *fakeDocker {
		eng := newFakeDocker()
		eng.containers = []engine.Container{
			container("p-run", dir, "running", time.Minute),
			container("p-done", dir, "exited", time.Hour),
			container("q-run", "/q", "running", time.Minute),
		}
		return eng
	}
	tests := []struct {
		args   []string
		code   int
		stderr string
		did    func(*fakeDocker) []string
		want   []string
	}{
		{[]string{"stop"}, exitOK, "stopped devenv-p-run\n", func(e *fakeDocker) []string { return e.stopped }, []string{"p-run0123456789 10s"}},
		{[]string{"stop", "-t", "2"}, exitOK, "stopped devenv-p-run\n", func(e *fakeDocker) []string { return e.stopped }, []string{"p-run0123456789 2s"}},
		{[]string{"restart", "--time", "0"}, exitOK, "restarted devenv-p-run\nrestarted devenv-p-done\n", func(e *fakeDocker) []string { return e.restarted },
			[]string{"p-run0123456789 0s", "p-done0123456789 0s"}},
		{[]string{"kill"}, exitOK, "killed devenv-p-run\n", func(e *fakeDocker) []string { return e.killed }, []string{"p-run0123456789 KILL"}},
		{[]string{"kill", "-s", "hup"}, exitOK, "sent SIGHUP to devenv-p-run\n", func(e *fakeDocker) []string { return e.killed }, []string{"p-run0123456789 hup"}},
		{[]string{"kill", "--signal", "NOPE"}, exitUsage, `--signal "NOPE": not a signal`, func(e *fakeDocker) []string { return e.killed }, nil},
		{[]string{"rm"}, exitError, "devenv: container devenv-p-run is running: stop it with `devenv stop`, or remove it anyway with `devenv rm -f`", func(e *fakeDocker) []string { return e.removed }, nil},
		{[]string{"rm", "-f"}, exitOK, "removed devenv-p-run\nremoved devenv-p-done\n", func(e *fakeDocker) []string { return e.removed },
			[]string{"p-run0123456789 force", "p-done0123456789 force"}},
		{[]string{"stop", "now"}, exitUsage, "stop takes no arguments", func(e *fakeDocker) []string { return e.stopped }, nil},
		{[]string{"stop", "-t", "-1"}, exitUsage, "--time -1", func(e *fakeDocker) []string { return e.stopped }, nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			eng := newEng()
			f, out, errOut := testFactory(eng)
			code := runApp(t, f, nil, append([]string{"-C", dir}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut.String(), tt.stderr) || out.Len() != 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and stderr %q", code, out, errOut, tt.code, tt.stderr)
			}
			if got := tt.did(eng); !slices.Equal(got, tt.want) {
				t.Errorf("acted on %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStopWithNothingRunning(t *testing.T) {
	dir := project(t, "")
	eng := newFakeDocker()
	eng.containers = []engine.Container{container("other", "/q", "running", time.Minute)}
	for _, cmd := range []string{"stop", "kill"} {
		f, out, errOut := testFactory(eng)
		if code := runApp(t, f, nil, "-C", dir, cmd); code != exitOK {
			t.Errorf("%s: exit status %d: %s", cmd, code, errOut)
		}
		if want := "no running environment for " + dir + "\n"; errOut.String() != want || out.Len() != 0 {
			t.Errorf("%s: stderr %q, want %q", cmd, errOut, want)
		}
	}
	if len(eng.stopped)+len(eng.killed) != 0 {
		t.Errorf("acted on another project's container: %v %v", eng.stopped, eng.killed)
	}
}

func TestLifecycleHooksGetOptions(t *testing.T) {
	dir := t.TempDir()
	f, _, errOut := testFactory(nil)
	var got *lifecycleOptions
	app := withCommand(newApp(f), newKillCmd(f, func(_ context.Context, o *lifecycleOptions) error {
		got = o
		return nil
	}))
	if code := runApp(t, f, app, "-C", dir, "kill", "-s", "TERM"); code != exitOK {
		t.Fatalf("exit status %d: %s", code, errOut)
	}
	if got == nil || got.dir != dir || got.signal != "TERM" {
		t.Errorf("options = %+v", got)
	}
}

func TestAgo(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "just now", 30 * time.Second: "30 seconds ago", time.Minute: "1 minute ago", 90 * time.Minute: "an hour ago",
		5 * time.Hour: "5 hours ago", 3 * 24 * time.Hour: "3 days ago", 20 * 24 * time.Hour: "2 weeks ago", 90 * 24 * time.Hour: "3 months ago",
		800 * 24 * time.Hour: "2 years ago",
	} {
		if got := ago(testNow, testNow.Add(-d)); got != want {
			t.Errorf("ago(%s) = %q, want %q", d, got, want)
		}
	}
}

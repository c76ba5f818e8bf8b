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
	"github.com/devenv/devenv/env/enginetest"
)

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
		Created: testNow.Add(-age), Labels: map[string]string{env.LabelProject: root, env.LabelContainer: "run", env.LabelClient: env.ClientID()}}
}

// psWithClock hooks a command's runF to fix its clock, then runs the real command.
func psWithClock(f *factory, eng env.Engine) func(context.Context, *psOptions) error {
	return func(ctx context.Context, o *psOptions) error {
		o.now = func() time.Time { return testNow }
		return psRun(ctx, eng, o)
	}
}

func TestPs(t *testing.T) {
	dir := project(t, "name = \"web\"\n")
	eng := enginetest.New()
	eng.SetContainers(
		container("web-a", dir, "running", 5*time.Minute),
		container("web-b", dir, "exited", 3*time.Hour),
		container("api-c", "/elsewhere/api", "running", 2*time.Minute),
		engine.Container{ID: "plain", Name: "devenv-web-zzz", State: "running", Labels: map[string]string{}},
	)

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
	newEng := func() *enginetest.Engine {
		eng := enginetest.New()
		eng.SetContainers(
			container("p-run", dir, "running", time.Minute),
			container("p-done", dir, "exited", time.Hour),
			container("q-run", "/q", "running", time.Minute),
		)
		return eng
	}
	tests := []struct {
		args   []string
		code   int
		stderr string
		did    string // the engine method the command calls
		want   []string
	}{
		{[]string{"stop"}, exitOK, "stopped devenv-p-run\n", "StopContainer", []string{"StopContainer p-run0123456789 10s"}},
		{[]string{"stop", "-t", "2"}, exitOK, "stopped devenv-p-run\n", "StopContainer", []string{"StopContainer p-run0123456789 2s"}},
		{[]string{"restart", "--time", "0"}, exitOK, "restarted devenv-p-run\nrestarted devenv-p-done\n", "RestartContainer",
			[]string{"RestartContainer p-run0123456789 0s", "RestartContainer p-done0123456789 0s"}},
		{[]string{"kill"}, exitOK, "killed devenv-p-run\n", "KillContainer", []string{"KillContainer p-run0123456789 KILL"}},
		{[]string{"kill", "-s", "hup"}, exitOK, "sent SIGHUP to devenv-p-run\n", "KillContainer", []string{"KillContainer p-run0123456789 hup"}},
		{[]string{"kill", "--signal", "NOPE"}, exitUsage, `--signal "NOPE": not a signal`, "KillContainer", nil},
		{[]string{"rm"}, exitError, "devenv: container devenv-p-run is running: stop it with `devenv stop`, or remove it anyway with `devenv rm -f`", "RemoveContainer", nil},
		{[]string{"rm", "-f"}, exitOK, "removed devenv-p-run\nremoved devenv-p-done\n", "RemoveContainer",
			[]string{"RemoveContainer p-run0123456789 force", "RemoveContainer p-done0123456789 force"}},
		{[]string{"stop", "now"}, exitUsage, "stop takes no arguments", "StopContainer", nil},
		{[]string{"stop", "-t", "-1"}, exitUsage, "--time -1", "StopContainer", nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			eng := newEng()
			f, out, errOut := testFactory(eng)
			code := runApp(t, f, nil, append([]string{"-C", dir}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut.String(), tt.stderr) || out.Len() != 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and stderr %q", code, out, errOut, tt.code, tt.stderr)
			}
			if got := eng.Did(tt.did); !slices.Equal(got, tt.want) {
				t.Errorf("acted on %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStopWithNothingRunning(t *testing.T) {
	dir := project(t, "")
	eng := enginetest.New()
	eng.SetContainers(container("other", "/q", "running", time.Minute))
	for _, cmd := range []string{"stop", "kill"} {
		f, out, errOut := testFactory(eng)
		if code := runApp(t, f, nil, "-C", dir, cmd); code != exitOK {
			t.Errorf("%s: exit status %d: %s", cmd, code, errOut)
		}
		if want := "no running environment for " + dir + "\n"; errOut.String() != want || out.Len() != 0 {
			t.Errorf("%s: stderr %q, want %q", cmd, errOut, want)
		}
	}
	if did := eng.Did("StopContainer", "KillContainer"); len(did) != 0 {
		t.Errorf("acted on another project's container: %v", did)
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

// Ages read as `docker ps` writes them.
func TestAgo(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "Less than a second ago", 30 * time.Second: "30 seconds ago", time.Minute: "About a minute ago", 50 * time.Minute: "50 minutes ago",
		time.Hour: "About an hour ago", 90 * time.Minute: "2 hours ago", 5 * time.Hour: "5 hours ago", 3 * 24 * time.Hour: "3 days ago",
		20 * 24 * time.Hour: "2 weeks ago", 90 * 24 * time.Hour: "3 months ago", 800 * 24 * time.Hour: "2 years ago",
	} {
		if got := ago(testNow, testNow.Add(-d)); got != want {
			t.Errorf("ago(%s) = %q, want %q", d, got, want)
		}
	}
	if got := ago(testNow, time.Time{}); got != "" {
		t.Errorf("ago of no time = %q, want nothing", got)
	}
}

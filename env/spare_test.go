package env

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

// spareSetup is a project with spare = true and an engine holding its image; orders
// collects what Run hands the spare's process.
func spareSetup(t *testing.T) (*Project, *enginetest.Engine, *[][]byte) {
	t.Helper()
	clearProxyEnv(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv(SpareEnv, "")
	p := testProject(t, "spare = true\n", nil, testHost)
	eng := enginetest.New()
	eng.AddImage(p.Tag)
	return p, eng, new([][]byte)
}

func spareRun(t *testing.T, eng *enginetest.Engine, p *Project, orders *[][]byte, cmd ...string) {
	t.Helper()
	err := Run(t.Context(), eng, p, RunOptions{Cmd: cmd, Cwd: p.Spec.Root, LaunchSpare: func(o []byte) error {
		*orders = append(*orders, o)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func idleSpares(t *testing.T, eng *enginetest.Engine) []engine.Container {
	t.Helper()
	list, err := eng.Containers(t.Context(), map[string]string{LabelContainer: "spare"})
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(list, func(c engine.Container) bool { return !idleSpare(c) })
}

func TestSpareHandsTheNextCommandOver(t *testing.T) {
	p, eng, orders := spareSetup(t)
	spareRun(t, eng, p, orders, "first")
	if len(eng.Runs()) != 1 || len(*orders) != 1 {
		t.Fatalf("no spare yet: want one run and one order, have %d runs, %d orders", len(eng.Runs()), len(*orders))
	}
	if err := StartSpare(t.Context(), eng, (*orders)[0]); err != nil {
		t.Fatal(err)
	}
	spares := idleSpares(t, eng)
	if len(spares) != 1 || spares[0].Labels[LabelProject] != p.Spec.Root || spares[0].Labels[LabelSpare] == "" {
		t.Fatalf("spares = %+v", spares)
	}
	spareRun(t, eng, p, orders, "second")
	if len(eng.Runs()) != 1 {
		t.Errorf("the second command started a container: %+v", eng.Runs())
	}
	execs := eng.Execs()
	if len(execs) != 1 || execs[0].Container != spares[0].ID || !slices.Equal(execs[0].Cmd, []string{"second"}) {
		t.Fatalf("execs = %+v", execs)
	}
	if !slices.ContainsFunc(execs[0].Env, func(kv string) bool { return strings.HasPrefix(kv, execMark+"=") }) {
		t.Errorf("the command carries no mark for signals: %v", execs[0].Env)
	}
	if len(idleSpares(t, eng)) != 0 {
		t.Errorf("the used spare is still unused")
	}
	var o SpareOrder
	if err := json.Unmarshal((*orders)[1], &o); err != nil || o.Remove != spares[0].ID {
		t.Fatalf("the order after a spare's command must remove it: %+v %v", o, err)
	}
	if err := StartSpare(t.Context(), eng, (*orders)[1]); err != nil {
		t.Fatal(err)
	}
	list, _ := eng.Containers(t.Context(), nil)
	if len(list) != 1 || list[0].ID == spares[0].ID || !idleSpare(list[0]) {
		t.Errorf("after the second command: want one new unused spare, have %+v", list)
	}
}

func TestSpareIsClaimedOnce(t *testing.T) {
	p, eng, orders := spareSetup(t)
	spareRun(t, eng, p, orders, "true")
	if err := StartSpare(t.Context(), eng, (*orders)[0]); err != nil {
		t.Fatal(err)
	}
	opt := RunOptions{LaunchSpare: func([]byte) error { return nil }}
	a, b := claimSpare(t.Context(), eng, p, opt), claimSpare(t.Context(), eng, p, opt)
	if a == nil || b == nil || (a.id == "") == (b.id == "") {
		t.Fatalf("want exactly one claim to win: %+v %+v", a, b)
	}
}

func TestSpareNeverStale(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(t *testing.T, p *Project, eng *enginetest.Engine) *Project
	}{
		{"devenv.toml", func(t *testing.T, p *Project, _ *enginetest.Engine) *Project {
			if err := os.WriteFile(p.Spec.ConfigPath, []byte("spare = true\n# changed\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}},
		{"image under the tag", func(_ *testing.T, p *Project, eng *enginetest.Engine) *Project {
			eng.AddImage(p.Tag) // a rebuild: the tag moves to a new image
			return p
		}},
		{"user", func(t *testing.T, p *Project, _ *enginetest.Engine) *Project {
			s := *p.Spec
			s.User.UID = 1001
			q := *p
			q.Spec = &s
			return &q
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, eng, orders := spareSetup(t)
			spareRun(t, eng, p, orders, "true")
			if err := StartSpare(t.Context(), eng, (*orders)[0]); err != nil {
				t.Fatal(err)
			}
			old := idleSpares(t, eng)[0]
			p = tt.change(t, p, eng)
			spareRun(t, eng, p, orders, "after")
			if len(eng.Execs()) != 0 || len(eng.Runs()) != 2 {
				t.Fatalf("the command ran in the old spare: execs %+v", eng.Execs())
			}
			if err := StartSpare(t.Context(), eng, (*orders)[1]); err != nil {
				t.Fatal(err)
			}
			now := idleSpares(t, eng)
			if len(now) != 1 || now[0].ID == old.ID {
				t.Errorf("the old spare is not replaced: %+v", now)
			}
		})
	}
}

func TestSpareGoneBeforeTheCommand(t *testing.T) {
	p, eng, orders := spareSetup(t)
	spareRun(t, eng, p, orders, "true")
	if err := StartSpare(t.Context(), eng, (*orders)[0]); err != nil {
		t.Fatal(err)
	}
	sp := claimSpare(t.Context(), eng, p, RunOptions{LaunchSpare: func([]byte) error { return nil }})
	if sp == nil || sp.id == "" {
		t.Fatal("no claim")
	}
	// Killed (and so removed) between the claim and the exec.
	if err := eng.RemoveContainer(t.Context(), sp.id, true); err != nil {
		t.Fatal(err)
	}
	code, err := runFresh(t.Context(), eng, p, RunOptions{Cmd: []string{"cmd"}, Cwd: p.Spec.Root, Name: sp.name,
		LaunchSpare: func([]byte) error { return nil }}, sp)
	if err != nil || code != 0 {
		t.Fatal(code, err)
	}
	runs := eng.Runs()
	if len(runs) != 2 || !slices.Equal(runs[1].Cmd, []string{"cmd"}) {
		t.Errorf("the command did not run in a new container: %+v", runs)
	}
}

func TestNoSpareAfterStop(t *testing.T) {
	p, eng, orders := spareSetup(t)
	spareRun(t, eng, p, orders, "true")
	if err := StartSpare(t.Context(), eng, (*orders)[0]); err != nil {
		t.Fatal(err)
	}
	spareRun(t, eng, p, orders, "true") // orders the next spare, not started yet
	time.Sleep(time.Millisecond)
	if _, err := Stop(t.Context(), eng, p.Spec.Root, time.Second); err != nil {
		t.Fatal(err)
	}
	if err := StartSpare(t.Context(), eng, (*orders)[1]); err != nil {
		t.Fatal(err)
	}
	if list, _ := eng.Containers(t.Context(), nil); len(list) != 0 {
		t.Errorf("after stop: %+v", list)
	}
}

func TestSpareSwitch(t *testing.T) {
	p, _, _ := spareSetup(t)
	opt := RunOptions{LaunchSpare: func([]byte) error { return nil }}
	if !spareFits(p, opt) {
		t.Error("spare = true: want spares")
	}
	t.Setenv(SpareEnv, "0")
	if spareFits(p, opt) {
		t.Error("DEVENV_SPARE=0 over spare = true: want none")
	}
	t.Setenv(SpareEnv, "")
	for _, q := range []func(s *Spec){
		func(s *Spec) { s.Persistent = true },
		func(s *Spec) { s.Ports = []string{"8000:8000"} },
	} {
		s := *p.Spec
		q(&s)
		if spareFits(&Project{Spec: &s, Tag: p.Tag}, opt) {
			t.Errorf("spare with %+v", s)
		}
	}
	if spareFits(p, RunOptions{}) {
		t.Error("no launcher (not run or shell): want none")
	}
	user, project := true, false
	if spareSetting(&user, nil) != true || spareSetting(&user, &project) != false || spareSetting(nil, nil) != false {
		t.Error("devenv.toml over the user's config over off")
	}
	if _, err := resolveErr(t, newProject(t, "spare = \"yes\"\n", nil), testHost); err == nil {
		t.Error(`spare = "yes" must be refused`)
	}
}

func TestKillAndRestartLeaveSpares(t *testing.T) {
	p, eng, orders := spareSetup(t)
	spareRun(t, eng, p, orders, "true")
	if err := StartSpare(t.Context(), eng, (*orders)[0]); err != nil {
		t.Fatal(err)
	}
	list, err := ListContainers(t.Context(), eng, p.Spec.Root)
	if err != nil || len(list) != 1 || !list[0].Spare || !strings.Contains(list[0].Status, "spare") {
		t.Fatalf("ps must show the spare as such: %+v %v", list, err)
	}
	if done, err := Kill(t.Context(), eng, p.Spec.Root, "SIGTERM"); err != nil || len(done) != 0 {
		t.Errorf("kill acted on the spare: %+v %v", done, err)
	}
	if done, err := Restart(t.Context(), eng, p.Spec.Root, time.Second); err != nil || len(done) != 0 {
		t.Errorf("restart acted on the spare: %+v %v", done, err)
	}
	if done, err := Remove(t.Context(), eng, p.Spec.Root, false); err != nil || len(done) != 1 {
		t.Errorf("rm without -f must remove the spare: %+v %v", done, err)
	}
}

func TestStopWithoutCacheDirectory(t *testing.T) {
	p, eng, orders := spareSetup(t)
	spareRun(t, eng, p, orders, "true")
	if err := StartSpare(t.Context(), eng, (*orders)[0]); err != nil {
		t.Fatal(err)
	}
	// A cache directory that cannot be made: stop still works and removes the spare.
	t.Setenv("XDG_CACHE_HOME", "/dev/null/cache")
	if _, err := Stop(t.Context(), eng, p.Spec.Root, time.Second); err != nil {
		t.Fatal(err)
	}
	if list, _ := eng.Containers(t.Context(), nil); len(list) != 0 {
		t.Errorf("after stop: %+v", list)
	}
}

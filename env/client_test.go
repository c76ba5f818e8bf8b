package env

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"testing"

	"github.com/devenv/devenv/env/engine"
)

func TestOrphaned(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("devenv judges its own machine's processes on Linux only")
	}
	boot := bootID()
	gone := fmt.Sprintf("%s/%d/%s", boot, os.Getpid(), "1") // this pid, another start
	cases := []struct {
		name   string
		labels map[string]string
		want   bool
	}{
		{"this devenv waits", map[string]string{LabelContainer: "run", LabelClient: ClientID()}, false},
		{"its devenv ended", map[string]string{LabelContainer: "run", LabelClient: gone}, true},
		{"an older devenv's", map[string]string{LabelContainer: "run"}, true},
		{"another machine's", map[string]string{LabelContainer: "run", LabelClient: "other-boot/1/1"}, false},
		{"a system that does not tell", map[string]string{LabelContainer: "run", LabelClient: "/42/"}, false},
		{"a warm container", map[string]string{LabelContainer: "persistent"}, false},
		{"a service", map[string]string{LabelContainer: "service"}, false},
	}
	for _, c := range cases {
		if got := Orphaned(c.labels); got != c.want {
			t.Errorf("%s: Orphaned = %v, want %v", c.name, got, c.want)
		}
	}
}

// clean removes the fresh containers whose devenv is gone, before the images, and
// nothing else: not a live devenv's, not a warm one, not another project's.
func TestCleanRemovesOrphans(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("devenv judges its own machine's processes on Linux only")
	}
	q := ImageQuery{Root: "/p", CurrentRoot: "/p", CurrentFingerprint: "c0"}
	c := func(id, root, kind, client string) engine.Container {
		l := map[string]string{LabelProject: root, LabelContainer: kind}
		if client != "-" {
			l[LabelClient] = client
		}
		return engine.Container{ID: id, Name: "devenv-" + id, State: "running", Labels: l}
	}
	eng := imageFixture()
	eng.SetContainers(
		c("old", "/p", "run", "-"),
		c("live", "/p", "run", ClientID()),
		c("warm", "/p", "persistent", "-"),
		c("other", "/q", "run", "-"),
	)
	dry, err := Clean(t.Context(), eng, CleanOptions{ImageQuery: q, DryRun: true})
	if err != nil || len(eng.Calls("RemoveContainer")) != 0 || len(dry.Orphans) != 1 {
		t.Fatalf("dry run: %v, removed %v, orphans %+v", err, eng.Calls("RemoveContainer"), dry.Orphans)
	}
	rep, err := Clean(t.Context(), eng, CleanOptions{ImageQuery: q})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"RemoveContainer old force"}; !slices.Equal(eng.Did("RemoveContainer"), want) || len(rep.Orphans) != 1 {
		t.Errorf("removed %v, want %v", eng.Did("RemoveContainer"), want)
	}
}

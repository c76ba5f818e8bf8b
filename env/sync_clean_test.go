package env

import (
	"strings"
	"testing"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

// A tree volume that cannot be synced back first is kept, with why, and nothing is
// removed: its project is not on this machine, an environment of it runs, or no image
// can read it.
func TestCleanTreesKeepsWhatCannotComeBack(t *testing.T) {
	here := t.TempDir()
	tree := func(name, root string) engine.Volume {
		return engine.Volume{Name: name, Labels: map[string]string{LabelProject: root, LabelName: "p", LabelTree: root}}
	}
	for _, tc := range []struct {
		name       string
		vol        engine.Volume
		containers []engine.Container
		want       string
	}{
		{"not on this machine", tree("devenv-p-tree-1", "/no/such/project"), nil, "is not on this machine"},
		{"an environment runs", tree("devenv-p-tree-2", here), []engine.Container{{
			ID: "c1", Name: "devenv-p-run", State: "running",
			Labels: map[string]string{LabelProject: here, LabelContainer: "run"},
		}}, "an environment of " + here + " runs (devenv-p-run)"},
		{"no image to read it", tree("devenv-p-tree-3", here), nil, "no devenv image to read it with"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng := enginetest.New()
			eng.SetVolumes(tc.vol, engine.Volume{Name: "not-a-tree", Labels: map[string]string{LabelProject: here}})
			eng.SetContainers(tc.containers...)
			got, err := cleanTrees(t.Context(), eng, "", false)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Volume != tc.vol.Name || !strings.Contains(got[0].Kept, tc.want) {
				t.Fatalf("got %+v, want one kept volume %s: %q", got, tc.vol.Name, tc.want)
			}
			if calls := eng.Calls("RemoveVolume", "StartDetached"); len(calls) != 0 {
				t.Errorf("a kept volume was acted on: %v", calls)
			}
		})
	}
}

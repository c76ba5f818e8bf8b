package env

import (
	"strings"
	"testing"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

func TestDetectTreeMode(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	for _, remote := range []bool{false, true} {
		p := testProject(t, "name = \"app\"\n", nil, testHost)
		eng := enginetest.New()
		eng.SetRemote(remote)
		a, err := DetectTreeMode(t.Context(), eng, p, true)
		if err != nil {
			t.Fatal(err)
		}
		want := BindMount
		if remote {
			want = SyncedVolume
		}
		if a.Mode != want {
			t.Errorf("remote=%v: mode %q (%s), want %q", remote, a.Mode, a.Why, want)
		}
		// The probe is created, never started, and removed.
		for _, c := range eng.Calls() {
			if c.Method == "Run" || c.Method == "StartDetached" {
				t.Errorf("the probe started a container: %s", c)
			}
		}
		if cs, _ := eng.Containers(t.Context(), nil); len(cs) != 0 {
			t.Errorf("the probe left %d containers", len(cs))
		}
	}
}

func TestTreeMountsReplaceTheRoot(t *testing.T) {
	p := testProject(t, "name = \"app\"\n", nil, testHost)
	p.TreeVolume = TreeVolume(p.Spec)
	mounts := []engine.Mount{
		{Source: p.Spec.Root, Target: p.Spec.Workdir},
		{Source: "/etc/ssl/certs/ca.pem", Target: CAPath, ReadOnly: true},
		{Source: "devenv-app-cache", Target: "/cache", Volume: true},
	}
	got, note := treeMounts(p, mounts, "linux")
	if len(got) != 2 || got[0] != (engine.Mount{Source: p.TreeVolume, Target: p.Spec.Workdir, Volume: true}) || got[1].Source != "devenv-app-cache" {
		t.Errorf("mounts: %+v", got)
	}
	if !strings.Contains(note, CAPath) {
		t.Errorf("note %q does not name what is left out", note)
	}
}

package env

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/devenv/devenv/env/enginetest"
)

func TestMounts(t *testing.T) {
	home := t.TempDir()
	writeFiles(t, home, map[string]string{".aws/config": "", "data/x": ""})
	host := testHost
	host.Home = home
	cfg := newProject(t, `name = "x"
mounts = [
  "~/.aws:~/.aws",
  "~/data:/data:rw",
  "./sub:/sub",
  "volume:cache:/cache",
]
`, map[string]string{"sub/f": ""})
	s, err := resolveErr(t, cfg, host)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(cfg)
	want := []MountSpec{
		{Written: "~/.aws:~/.aws", Source: filepath.Join(home, ".aws"), Target: "/home/dev/.aws", ReadOnly: true, Outside: true},
		{Written: "~/data:/data:rw", Source: filepath.Join(home, "data"), Target: "/data", Outside: true},
		{Written: "./sub:/sub", Source: filepath.Join(root, "sub"), Target: "/sub", ReadOnly: true},
		{Written: "volume:cache:/cache", Volume: "cache", Target: "/cache"},
	}
	if len(s.Mounts) != len(want) {
		t.Fatalf("mounts = %+v", s.Mounts)
	}
	for i := range want {
		if s.Mounts[i] != want[i] {
			t.Errorf("mount %d = %+v\nwant %+v", i, s.Mounts[i], want[i])
		}
	}
	got := userMounts(s, "linux")
	if !got[3].Volume || got[3].Source != "devenv-x-cache" || got[3].ReadOnly {
		t.Errorf("volume mount = %+v", got[3])
	}
}

func TestMountErrors(t *testing.T) {
	home := t.TempDir()
	host := testHost
	host.Home = home
	sockDir := t.TempDir()
	sock := filepath.Join(sockDir, "docker.sock")
	if err := os.WriteFile(sock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	old := engineSockets
	engineSockets = func() []string { return []string{sock} }
	t.Cleanup(func() { engineSockets = old })

	for _, tc := range []struct {
		name, toml string
		want       []string
	}{
		{"missing source", "name = \"x\"\nmounts = [\n  \"~/.nothere:/x\",\n]\n", []string{"devenv.toml:3:3:", "does not exist: create it"}},
		{"relative", `mounts = ["data:/x"]`, []string{"must be absolute, start with ~/"}},
		{"no target", `mounts = ["/tmp"]`, []string{"write SOURCE:TARGET"}},
		{"bad option", `mounts = ["/tmp:/x:rx"]`, []string{`unknown option "rx"`}},
		{"relative target", `mounts = ["/tmp:x"]`, []string{`target "x" must be an absolute path`}},
		{"over the project", `mounts = ["/tmp:/workspace"]`, []string{"where the project is mounted"}},
		{"twice", `mounts = ["~:/x", "~:/x"]`, []string{"already mounted"}},
		{"bad volume", `mounts = ["volume:a b:/x"]`, []string{"volume name"}},
		{"engine socket", `mounts = ["` + sock + `:/var/run/docker.sock"]`, []string{"engine's socket " + sock, "allow_engine_socket = true"}},
		{"folder holding it", `mounts = ["` + sockDir + `:/s"]`, []string{"engine's socket"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := resolveErr(t, newProject(t, tc.toml, nil), host)
			wantErr(t, err, tc.want...)
		})
	}
	s := mustResolve(t, "mounts = [\""+sock+":/var/run/docker.sock:rw\"]\nallow_engine_socket = true\n", nil, host)
	if len(s.Mounts) != 1 || !s.AllowEngineSocket {
		t.Errorf("allowed socket: %+v", s.Mounts)
	}
}

// A warm container follows its mounts as it follows its image: another mount set
// replaces it, the same one is entered again.
func TestWarmContainerFollowsMounts(t *testing.T) {
	home := t.TempDir()
	writeFiles(t, home, map[string]string{"a/x": "", "b/x": ""})
	host := testHost
	host.Home = home
	eng := enginetest.New()
	run := func(mounts string) {
		t.Helper()
		s := mustResolve(t, "name = \"x\"\npersistent = true\nmounts = ["+mounts+"]\n", nil, host)
		s.Root, s.ConfigPath = home, filepath.Join(home, ConfigFile) // one project across runs
		s.Mounts[0].Outside = false                                  // allowed: trust is not what this tests
		p, err := NewProject(s, RenderOptions{BuildKit: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := Run(context.Background(), eng, p, RunOptions{Cmd: []string{"true"}}); err != nil {
			t.Fatal(err)
		}
	}
	run(`"~/a:/m"`)
	run(`"~/a:/m"`)
	if n := len(eng.Detached()); n != 1 {
		t.Fatalf("same mounts: %d warm containers started, want 1", n)
	}
	run(`"~/a:/m:rw"`)
	if n := len(eng.Detached()); n != 2 || len(eng.Calls("RemoveContainer")) != 1 {
		t.Fatalf("other mounts: %d started, %v removed; want the old one replaced", n, eng.Calls("RemoveContainer"))
	}
}

package env

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devenv/devenv/env/engine"
)

// TestMain keeps the developer's own identity out of env's tests: no ssh agent, and a
// home without a git config, so a RunRequest is the same on every machine.
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "devenv-env-test-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("HOME", home)
	os.Unsetenv("SSH_AUTH_SOCK")
	os.Unsetenv("XDG_CONFIG_HOME")
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

func TestResolveIdentity(t *testing.T) {
	all := Identity{SSHAgent: true, KnownHosts: true, Git: true, Worktree: true}
	if got := resolveIdentity(nil, nil); got != all {
		t.Errorf("defaults = %+v, want all on", got)
	}
	// The repository switches a piece off; it cannot switch on what the user turned off.
	got := resolveIdentity(map[string]bool{"ssh_agent": false}, map[string]bool{"ssh_agent": true, "git": false})
	if got.SSHAgent || got.Git || !got.KnownHosts || !got.Worktree {
		t.Errorf("got %+v, want ssh_agent and git off, the rest on", got)
	}
}

func TestUserIdentityConfig(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"config.toml": "[dotfiles]\nrepository = \"x\"\n\n[identity]\ngit = false\n"})
	got, err := loadUserConfig(dir)
	if err != nil || len(got.Identity) != 1 || got.Identity["git"] || got.Dotfiles != "x" {
		t.Fatalf("loadUserConfig = %+v, %v; want git off only, and the dotfiles", got, err)
	}
	writeFiles(t, dir, map[string]string{"config.toml": "[identity]\nssh_agent = false\nssh_agnet = true\n"})
	_, err = loadUserConfig(dir)
	wantErr(t, err, "config.toml:3:1:", `did you mean "ssh_agent"`)
	if got, err := loadUserConfig(filepath.Join(dir, "none")); err != nil || got.Identity != nil {
		t.Errorf("no config: %+v, %v; want nothing set", got, err)
	}
}

func TestIdentityConfigErrors(t *testing.T) {
	_, err := resolveErr(t, newProject(t, "name = \"x\"\n[identity]\ngit = \"no\"\n", nil), testHost)
	wantErr(t, err, "devenv.toml:3:1:", "git must be true or false")
}

// identityHome is a host home with every identity file, a private key among them.
func identityHome(t *testing.T) string {
	home := t.TempDir()
	writeFiles(t, home, map[string]string{
		".gitconfig":           "[user]\nname = A\n",
		".ssh/known_hosts":     "localhost ssh-ed25519 AAAA\n",
		".ssh/id_ed25519":      "-----BEGIN OPENSSH PRIVATE KEY-----\n",
		".config/git/config":   "[core]\n",
		".ssh/authorized_keys": "",
	})
	return home
}

func TestIdentityMounts(t *testing.T) {
	home := identityHome(t)
	// A real socket: the agent's is one, and a file that is not is refused.
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s := mustResolve(t, `name = "x"`, nil, testHost)
	mounts, env, notes := identityMounts(s, IdentitySources{AgentSocket: sock, Home: home}, "linux")
	want := []engine.Mount{
		{Source: sock, Target: AgentSocket},
		{Source: filepath.Join(home, ".ssh/known_hosts"), Target: KnownHostsPath, ReadOnly: true},
		{Source: filepath.Join(home, ".gitconfig"), Target: "/home/dev/.gitconfig", ReadOnly: true},
		{Source: filepath.Join(home, ".config/git/config"), Target: "/home/dev/.config/git/config", ReadOnly: true},
	}
	if !slices.Equal(mounts, want) {
		t.Errorf("mounts =\n%+v\nwant\n%+v", mounts, want)
	}
	if !slices.Equal(env, []string{"SSH_AUTH_SOCK=" + AgentSocket}) || len(notes) != 0 {
		t.Errorf("env = %v, notes = %v", env, notes)
	}
	for _, m := range mounts {
		if strings.Contains(m.Source, "id_") || m.Source == filepath.Join(home, ".ssh") {
			t.Errorf("a private key or ~/.ssh is mounted: %+v", m)
		}
	}

	// Only the XDG file: it becomes ~/.gitconfig. A gone agent: one line, no mount.
	os.Remove(filepath.Join(home, ".gitconfig"))
	l.Close()
	os.Remove(sock)
	mounts, env, notes = identityMounts(s, IdentitySources{AgentSocket: sock, Home: home}, "linux")
	if len(notes) != 1 || !strings.Contains(notes[0], sock+" (SSH_AUTH_SOCK) is gone") || len(env) != 0 {
		t.Errorf("gone agent: env %v, notes %q", env, notes)
	}
	if len(mounts) != 2 || mounts[1].Source != filepath.Join(home, ".config/git/config") || mounts[1].Target != "/home/dev/.gitconfig" {
		t.Errorf("mounts = %+v, want known_hosts and the XDG git config as ~/.gitconfig", mounts)
	}

	// Everything switched off: nothing.
	s.Identity = Identity{}
	if mounts, env, notes := identityMounts(s, IdentitySources{AgentSocket: sock, Home: home}, "linux"); len(mounts)+len(env)+len(notes) != 0 {
		t.Errorf("identity off: %v %v %v", mounts, env, notes)
	}
}

func TestWorktreeCommonDir(t *testing.T) {
	main := t.TempDir()
	gitdir := filepath.Join(main, ".git", "worktrees", "wt")
	writeFiles(t, gitdir, map[string]string{"commondir": "../..\n", "HEAD": "ref: refs/heads/x\n"})
	cfg := newProject(t, `name = "x"`, map[string]string{".git": "gitdir: " + gitdir + "\n"})
	s, err := resolveErr(t, cfg, testHost)
	if err != nil {
		t.Fatal(err)
	}
	mounts, _, _ := identityMounts(s, IdentitySources{}, "linux")
	want := engine.Mount{Source: filepath.Join(main, ".git"), Target: filepath.Join(main, ".git")}
	if !slices.Contains(mounts, want) {
		t.Errorf("mounts = %+v, want the common git dir read-write at its own path", mounts)
	}
	// An ordinary checkout (.git a folder) mounts nothing more.
	plain := mustResolve(t, `name = "x"`, map[string]string{".git/HEAD": "ref: x\n"}, testHost)
	if got := worktreeCommonDir(plain.Root); got != "" {
		t.Errorf("plain checkout: %q", got)
	}
}

package env

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/devenv/devenv/env/engine"
)

// The user's own identity in the environment: their ssh agent, git settings,
// known_hosts and, in a git worktree, the repository's common git directory. Never a
// private key: the agent signs on the host, and only its socket enters a container.

// Identity says which identity pieces the environment gets.
type Identity struct {
	SSHAgent, KnownHosts, Git, Worktree bool
}

// AgentSocket is where the host's ssh agent socket appears in the container.
const AgentSocket = "/run/devenv/ssh-agent.sock"

// KnownHostsPath is where the host's ~/.ssh/known_hosts appears: the system-wide file
// ssh reads as well as the user's own, so the user's ~/.ssh stays theirs and writable.
const KnownHostsPath = "/etc/ssh/ssh_known_hosts"

// UserConfigFile is the user's own devenv config in dir, the devenv folder of the
// user's config directory, read by loadUserConfig (config_user.go). Its [identity]
// table is the user's choice of what their environments get.
func UserConfigFile(dir string) string { return filepath.Join(dir, "config.toml") }

// userConfigDir is the devenv folder of the user's config directory ($XDG_CONFIG_HOME
// or ~/.config on Linux), "" when there is none.
func userConfigDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "devenv")
}

// resolveIdentity is every switch on, unless the user's config or devenv.toml turns
// it off. A repository's true never overrides the user's false: what leaves the host
// is the user's choice.
func resolveIdentity(user, project map[string]bool) Identity {
	on := func(key string) bool {
		if v, set := user[key]; set && !v {
			return false
		}
		if v, set := project[key]; set && !v {
			return false
		}
		return true
	}
	return Identity{SSHAgent: on("ssh_agent"), KnownHosts: on("known_hosts"), Git: on("git"), Worktree: on("worktree")}
}

// IdentitySources is what identityMounts reads on the host.
type IdentitySources struct {
	AgentSocket   string // $SSH_AUTH_SOCK
	Home          string
	XDGConfigHome string
}

// currentIdentitySources reads the host's environment.
func currentIdentitySources() IdentitySources {
	home, _ := os.UserHomeDir()
	return IdentitySources{AgentSocket: os.Getenv("SSH_AUTH_SOCK"), Home: home, XDGConfigHome: os.Getenv("XDG_CONFIG_HOME")}
}

// identityMounts are the mounts and variables that carry the user's identity into a
// container, and a line for each piece that is switched on but cannot be passed.
func identityMounts(s *Spec, src IdentitySources, goos string) (mounts []engine.Mount, env []string, notes []string) {
	id := s.Identity
	ro := func(source, target string) {
		mounts = append(mounts, engine.Mount{Source: HostPathForEngine(source, goos), Target: target, ReadOnly: true})
	}
	if id.SSHAgent && src.AgentSocket != "" {
		if st, err := os.Stat(src.AgentSocket); err != nil || st.Mode()&fs.ModeSocket == 0 {
			notes = append(notes, fmt.Sprintf("the ssh agent socket %s (SSH_AUTH_SOCK) is gone: starting without the agent (start ssh-agent, or set ssh_agent = false under [identity])", src.AgentSocket))
		} else {
			// Read-write: a client writes its requests to the socket.
			mounts = append(mounts, engine.Mount{Source: HostPathForEngine(src.AgentSocket, goos), Target: AgentSocket})
			env = append(env, "SSH_AUTH_SOCK="+AgentSocket)
		}
	}
	if id.KnownHosts && src.Home != "" {
		if f := filepath.Join(src.Home, ".ssh", "known_hosts"); isFile(f) {
			ro(f, KnownHostsPath)
		}
	}
	if id.Git {
		global := ""
		if src.Home != "" {
			global = filepath.Join(src.Home, ".gitconfig")
		}
		xdg := src.XDGConfigHome
		if xdg == "" && src.Home != "" {
			xdg = filepath.Join(src.Home, ".config")
		}
		if xdg != "" {
			xdg = filepath.Join(xdg, "git", "config")
		}
		switch {
		case isFile(global) && isFile(xdg):
			ro(global, path.Join(s.User.Home, ".gitconfig"))
			ro(xdg, path.Join(s.User.Home, ".config/git/config"))
		case isFile(global):
			ro(global, path.Join(s.User.Home, ".gitconfig"))
		case isFile(xdg):
			// git reads ~/.gitconfig as it reads its XDG file: one place, no ~/.config
			// made by the engine for root.
			ro(xdg, path.Join(s.User.Home, ".gitconfig"))
		}
	}
	if id.Worktree {
		if common := worktreeCommonDir(s.Root); common != "" {
			// At its own path, read-write: the worktree's .git file names it, and
			// commits and the index live there.
			mounts = append(mounts, engine.Mount{Source: HostPathForEngine(common, goos), Target: filepath.ToSlash(common)})
		}
	}
	return mounts, env, notes
}

// worktreeCommonDir is the common git directory of the worktree at root, when root's
// .git is a file naming a git directory outside root; "" otherwise.
func worktreeCommonDir(root string) string {
	data, err := os.ReadFile(filepath.Join(root, ".git"))
	if err != nil {
		return "" // no .git, or a directory: an ordinary checkout
	}
	gitdir, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:")
	if !ok {
		return ""
	}
	gitdir = strings.TrimSpace(gitdir)
	if !filepath.IsAbs(gitdir) {
		gitdir = filepath.Join(root, gitdir)
	}
	common := gitdir
	if rel, err := os.ReadFile(filepath.Join(gitdir, "commondir")); err == nil {
		common = strings.TrimSpace(string(rel))
		if !filepath.IsAbs(common) {
			common = filepath.Join(gitdir, common)
		}
	}
	common = filepath.Clean(common)
	if st, err := os.Stat(common); err != nil || !st.IsDir() || within(root, common) {
		return ""
	}
	return common
}

package env

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/devenv/devenv/env/engine"
)

// Dotfiles: the user's own shell setup, from [dotfiles] repository in their config.
// A local directory is mounted as it is; a git URL is cloned once on the host with the
// host's git (and its credentials) into the user's cache directory, then mounted. It
// appears read-only at ~/.dotfiles, and its install script (install.sh, setup.sh or
// bootstrap.sh, the first there is) runs as the user from that directory; without
// one, its top-level dot files are linked into the home, as the Dev Containers CLI
// does. It runs where the home is new: once per warm container, or before each
// command in a fresh one, whose home starts anew from the image each time.

// Dotfiles is the user's dotfiles, resolved on the host.
type Dotfiles struct {
	Repository string // as the user's config writes it
	Dir        string // on the host: the directory, or where the clone goes
	Clone      bool   // Repository is a git URL, cloned into Dir
	Target     string // in the container
}

// DotfilesScripts are the install scripts looked for, in order.
var DotfilesScripts = []string{"install.sh", "setup.sh", "bootstrap.sh"}

// scpLikeRe is git's user@host:path form.
var scpLikeRe = regexp.MustCompile(`^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:`)

func isGitURL(s string) bool { return strings.Contains(s, "://") || scpLikeRe.MatchString(s) }

// userCacheDir is where clones are kept; a variable for tests.
var userCacheDir = os.UserCacheDir

// resolveDotfiles checks [dotfiles] repository: a local directory must exist; a git
// URL gets its place in the cache.
func resolveDotfiles(u *UserConfig, s *Spec, host Host) (*Dotfiles, error) {
	if u.Dotfiles == "" {
		return nil, nil
	}
	s.Origins["dotfiles"] = FromUser
	df := &Dotfiles{Repository: u.Dotfiles, Target: path.Join(s.User.Home, ".dotfiles")}
	d := u.decoder()
	errf := func(format string, args ...any) error {
		return d.errAt([]string{"dotfiles", "repository"}, "[dotfiles] repository %q: "+format, append([]any{u.Dotfiles}, args...)...)
	}
	if isGitURL(u.Dotfiles) {
		cache, err := userCacheDir()
		if err != nil {
			return nil, errf("no cache directory to clone it into (%v): set $HOME or $XDG_CACHE_HOME", err)
		}
		sum := sha256.Sum256([]byte(u.Dotfiles))
		df.Dir, df.Clone = filepath.Join(cache, "devenv", "dotfiles", hex.EncodeToString(sum[:])[:16]), true
		return df, nil
	}
	dir := u.Dotfiles
	switch {
	case dir == "~" || strings.HasPrefix(dir, "~/"):
		if host.Home == "" {
			return nil, errf("~ needs a home directory, and $HOME is not set")
		}
		dir = filepath.Join(host.Home, filepath.FromSlash(dir[1:]))
	case !filepath.IsAbs(dir):
		return nil, errf("write an absolute directory, ~/..., or a git URL (https://, ssh://, file://, git@host:path)")
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, errf("%s does not exist: create it, or fix the path", dir)
	}
	if st, err := os.Stat(real); err != nil || !st.IsDir() {
		return nil, errf("%s is not a directory", dir)
	}
	df.Dir = real
	return df, nil
}

// ensureDotfiles clones a git URL the first time; later runs use the clone as it is
// (remove the folder doctor names to clone it anew).
func ensureDotfiles(ctx context.Context, df *Dotfiles) error {
	if df == nil || !df.Clone {
		return nil
	}
	if _, err := os.Stat(df.Dir); err == nil {
		return nil
	}
	git, err := exec.LookPath("git")
	if err != nil {
		return fmt.Errorf("dotfiles: cloning %s needs git on this machine: install git, or make [dotfiles] repository a local directory", df.Repository)
	}
	if err := os.MkdirAll(filepath.Dir(df.Dir), 0o755); err != nil {
		return fmt.Errorf("dotfiles: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(df.Dir), ".clone-")
	if err != nil {
		return fmt.Errorf("dotfiles: %w", err)
	}
	defer os.RemoveAll(tmp)
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, git, "clone", "--quiet", "--depth", "1", "--", df.Repository, filepath.Join(tmp, "d"))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msg := strings.TrimSpace(out.String())
		if i := strings.LastIndex(msg, "\n"); i >= 0 {
			msg = msg[i+1:]
		}
		return fmt.Errorf("dotfiles: git clone %s failed (%s): check [dotfiles] repository in your devenv config", df.Repository, msg)
	}
	// Another devenv may have cloned it meanwhile: theirs is as good.
	if err := os.Rename(filepath.Join(tmp, "d"), df.Dir); err != nil && !errors.Is(err, os.ErrExist) {
		if _, statErr := os.Stat(df.Dir); statErr != nil {
			return fmt.Errorf("dotfiles: %w", err)
		}
	}
	return nil
}

// mount is the dotfiles at Target, read-only: the container never changes them.
func (df *Dotfiles) mount(goos string) engine.Mount {
	return engine.Mount{Source: HostPathForEngine(df.Dir, goos), Target: df.Target, ReadOnly: true}
}

// hook installs the dotfiles: the install script there is, else links.
func (df *Dotfiles) hook() hook {
	for _, name := range DotfilesScripts {
		st, err := os.Stat(filepath.Join(df.Dir, name))
		if err != nil || st.IsDir() {
			continue
		}
		run := "./" + name
		if st.Mode()&0o111 == 0 {
			run = "sh ./" + name
		}
		return hook{name: "dotfiles", what: "the dotfiles' " + name, cmd: "cd " + shellQuote(df.Target) + " && " + run}
	}
	link := fmt.Sprintf(`for f in %[1]s/.[!.]* %[1]s/..?*; do [ -e "$f" ] || continue; [ "${f##*/}" = .git ] && continue; ln -sfn "$f" "$HOME/"; done`, shellQuote(df.Target))
	return hook{name: "dotfiles", what: "linking the dotfiles", cmd: link}
}

package env

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// The user's own config (UserConfigFile in their config directory, never in a
// repository): their identity switches, dotfiles, preferred shell and default mounts.
// Everything in it is the user's own choice, so none of it asks for `devenv allow`.
// Where devenv.toml sets the same thing, the project wins (see Resolve).

// UserConfig is the user's config file as written; the zero value is no file.
type UserConfig struct {
	Path     string
	Identity map[string]bool
	// Dotfiles is [dotfiles] repository: a local directory or a git URL.
	Dotfiles string
	// Shell is the preferred shell, a program name or path, used when the image has it.
	Shell string
	// Mounts are default mounts, in devenv.toml's mounts syntax.
	Mounts []string
	// Cache and CachePush are the shared cache for every project (cache_config.go).
	Cache     *string
	CachePush *bool
	// Spare is spare = true|false: the user's default for spares (spare.go).
	Spare  *bool
	places keyPlaces
}

func (u *UserConfig) decoder() decoder { return decoder{path: u.Path, places: u.places} }

// userShellRe is what a preferred shell may be: a name or path a POSIX shell runs
// unquoted.
var userShellRe = regexp.MustCompile(`^[A-Za-z0-9._/+-]+$`)

// userConfigFields are the keys of the user's config, each with how it is read.
var userConfigFields = map[string]func(d decoder, u *UserConfig, key string, v any) error{
	"identity": func(d decoder, u *UserConfig, key string, v any) (err error) {
		u.Identity, err = d.identity(key, v)
		return err
	},
	"shell": func(d decoder, u *UserConfig, key string, v any) (err error) {
		if u.Shell, err = d.str(key, v); err == nil && !userShellRe.MatchString(u.Shell) {
			err = d.errf(key, "shell %q must be one program name or path, like shell = \"zsh\"", u.Shell)
		}
		return err
	},
	"spare": func(d decoder, u *UserConfig, key string, v any) (err error) {
		u.Spare, err = d.optBool(key, v)
		return err
	},
	"cache":      decodeUserCache,
	"cache_push": decodeUserCachePush,
	"mounts": func(d decoder, u *UserConfig, key string, v any) (err error) {
		u.Mounts, err = d.strs(key, v, `mounts = ["~/.aws:~/.aws"]`)
		return err
	},
	"dotfiles": func(d decoder, u *UserConfig, key string, v any) error {
		tbl, ok := v.(map[string]any)
		if !ok {
			return d.errf(key, "%q must be a table: write [dotfiles] on its own line, then repository = \"~/dotfiles\"", key)
		}
		for _, k := range d.inFileOrder([]string{key}, tbl) {
			if k != "repository" {
				return d.errAt([]string{key, k}, "[dotfiles] has no key %q: its one key is repository = \"PATH or git URL\"", k)
			}
			s, isStr := tbl[k].(string)
			if !isStr || strings.TrimSpace(s) == "" {
				return d.errAt([]string{key, k}, "[dotfiles] repository must be a directory or git URL in quotes, like \"~/dotfiles\"")
			}
			u.Dotfiles = s
		}
		return nil
	},
}

// loadUserConfig reads the user's own config in dir; no file is an empty config.
func loadUserConfig(dir string) (*UserConfig, error) {
	u := &UserConfig{}
	if dir == "" {
		return u, nil
	}
	file := UserConfigFile(dir)
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return u, nil
	} else if err != nil {
		return nil, fmt.Errorf("cannot read your devenv config %s: %w", file, err)
	}
	u.Path, u.places = file, placeKeys(string(data))
	var raw map[string]any
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return nil, &ConfigError{Path: file, Msg: "invalid TOML: " + err.Error()}
	}
	d := decoder{path: file, places: u.places, order: keyOrder(md.Keys())}
	keys := slices.Sorted(maps.Keys(userConfigFields))
	for _, k := range d.inFileOrder(nil, raw) {
		decode, known := userConfigFields[k]
		if !known {
			msg := fmt.Sprintf("unknown key %q in your devenv config: its keys are %s", k, strings.Join(keys, ", "))
			if s := suggest(k, keys); s != "" {
				msg = fmt.Sprintf("unknown key %q in your devenv config (did you mean %q?)", k, s)
			}
			return nil, d.errf(k, "%s", msg)
		}
		if err := decode(d, u, k, raw[k]); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// Where an effective value came from, for doctor.
const (
	FromProject = "devenv.toml"
	FromUser    = "your config"
	FromDefault = "default"
)

// resolveUserMounts adds the user's default mounts to the project's, checked as the
// project's are, with errors placed in the user's config. A target the project mounts
// too is the project's. They are the user's choice: not asked about (Asks).
func resolveUserMounts(u *UserConfig, s *Spec, host Host) error {
	for range s.Mounts {
		s.Origins["mounts"] = FromProject
	}
	if len(u.Mounts) == 0 {
		return nil
	}
	mounts, err := resolveMounts(&Config{Mounts: u.Mounts}, u.decoder(), s, host)
	if err != nil {
		return err
	}
	for _, m := range mounts {
		if slices.ContainsFunc(s.Mounts, func(p MountSpec) bool { return p.Target == m.Target }) {
			continue
		}
		m.FromUser = true
		s.Mounts = append(s.Mounts, m)
		s.Origins["mounts"] = FromUser
		if len(s.Mounts) > 1 && !s.Mounts[0].FromUser {
			s.Origins["mounts"] = FromProject + " and " + FromUser
		}
	}
	return nil
}

package env

import (
	"fmt"
	"path/filepath"
	"strings"
)

// settingsFindings say, for each key that devenv.toml and the user's own config may
// both set, the effective value and where it came from: devenv.toml, your config, or
// the default.
func settingsFindings(s *Spec) []Finding {
	ok := func(check, msg string) Finding { return Finding{Check: check, Status: SeverityOK, Message: msg} }
	var out []Finding

	switch s.Origins["shell"] {
	case FromProject:
		out = append(out, ok("shell", fmt.Sprintf("%s (%s)", strings.Join(s.Shell, " "), FromProject)))
	case FromUser:
		out = append(out, ok("shell", fmt.Sprintf("%s where the image has it, else bash, else sh (%s)", s.PreferredShell, FromUser)))
	default:
		out = append(out, ok("shell", "bash where the image has it, else sh ("+FromDefault+")"))
	}

	var mounts []string
	for _, m := range s.Mounts {
		from := FromProject
		if m.FromUser {
			from = FromUser
		}
		mounts = append(mounts, fmt.Sprintf("%s (%s)", m.Written, from))
	}
	if len(mounts) == 0 {
		mounts = []string{"none (" + FromDefault + ")"}
	}
	out = append(out, ok("mounts", strings.Join(mounts, ", ")))

	if df := s.Dotfiles; df != nil {
		msg := fmt.Sprintf("%s at %s (%s)", df.Repository, df.Target, FromUser)
		if df.Clone {
			msg += "; cloned into " + df.Dir + " (remove it to clone anew)"
		}
		out = append(out, ok("dotfiles", msg))
	} else {
		out = append(out, ok("dotfiles", "none ("+FromDefault+")"))
	}

	var ids []string
	for _, k := range IdentityKeys {
		state := "on"
		if s.Origins["identity."+k] != FromDefault {
			state = "off"
		}
		ids = append(ids, fmt.Sprintf("%s %s (%s)", k, state, s.Origins["identity."+k]))
	}
	out = append(out, ok("identity", strings.Join(ids, ", ")))

	var hooks []string
	for _, h := range append(keyHooks("on_create", s.OnCreate), keyHooks("on_start", s.OnStart)...) {
		hooks = append(hooks, fmt.Sprintf("%s %q", h.name, h.cmd))
	}
	if len(hooks) == 0 {
		out = append(out, ok("hooks", "none ("+FromDefault+")"))
	} else {
		out = append(out, ok("hooks", strings.Join(hooks, ", ")+" ("+filepath.Base(s.ConfigPath)+")"))
	}
	return out
}

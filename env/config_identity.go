package env

import (
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// The keys that let an environment reach outside its project: mounts (and the
// engine's socket through one), and the [identity] switches. A repository's mounts
// and pass_env need `devenv allow` (trust.go); identity is the user's to turn on.

// IdentityKeys are the [identity] switches, in the order devenv.toml.example lists
// them. Each is on unless switched off.
var IdentityKeys = []string{"ssh_agent", "known_hosts", "git", "worktree"}

// decodeMounts reads mounts = ["SRC:TARGET[:rw]", "volume:NAME:TARGET"]; their
// meaning is checked by Resolve (mounts.go), where the host is known.
func decodeMounts(d decoder, c *Config, key string, v any) (err error) {
	c.Mounts, err = d.strs(key, v, `mounts = ["~/.aws:/home/dev/.aws", "volume:cache:/cache"]`)
	return err
}

// decodeIdentity reads the [identity] table of devenv.toml.
func decodeIdentity(d decoder, c *Config, key string, v any) (err error) {
	c.Identity, err = d.identity(key, v)
	return err
}

// identity reads an [identity] table of switches: only the keys written.
func (d decoder) identity(key string, v any) (map[string]bool, error) {
	tbl, ok := v.(map[string]any)
	if !ok {
		return nil, d.errf(key, "%q must be a table: write [identity] on its own line, then lines like ssh_agent = false", key)
	}
	out := map[string]bool{}
	for _, k := range d.inFileOrder([]string{key}, tbl) {
		known := false
		for _, name := range IdentityKeys {
			known = known || name == k
		}
		if !known {
			msg := fmt.Sprintf("[identity] has no key %q: its keys are %s", k, strings.Join(IdentityKeys, ", "))
			if s := suggest(k, IdentityKeys); s != "" {
				msg = fmt.Sprintf("[identity] has no key %q (did you mean %q?)", k, s)
			}
			return nil, d.errAt([]string{key, k}, "%s", msg)
		}
		b, isBool := tbl[k].(bool)
		if !isBool {
			return nil, d.errAt([]string{key, k}, "[identity] %s must be true or false (no quotes), not %s", k, describe(tbl[k]))
		}
		out[k] = b
	}
	return out, nil
}

// errItem is an error about one item of a list key, placed at the line that writes
// the item when the text shows it after the key, else at the key.
func (d decoder) errItem(key, item, format string, args ...any) error {
	err := d.errf(key, format, args...).(*ConfigError)
	if off, ok := d.places.at[toml.Key{key}.String()]; ok && item != "" {
		if i := strings.Index(d.places.src[off:], item); i >= 0 {
			err.Line, err.Col = d.places.lineCol(off + i)
			err.Col-- // the opening quote
		}
	}
	return err
}

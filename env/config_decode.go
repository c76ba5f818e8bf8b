package env

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/agnivade/levenshtein"
)

// decoder turns the generic TOML value tree into Config fields, placing each error at
// the key it is about.
type decoder struct {
	path   string
	places keyPlaces
	// order numbers each key path, and each parent of one, in the order the parser met
	// them; empty after parsing.
	order map[string]int
}

// decoder places errors found after parsing in the text c was parsed from.
func (c *Config) decoder() decoder { return decoder{path: c.Path, places: c.places} }

// keyOrder numbers keys, as the parser lists them in file order.
func keyOrder(keys []toml.Key) map[string]int {
	order := map[string]int{}
	for _, k := range keys {
		for n := 1; n <= len(k); n++ {
			if s := k[:n].String(); order[s] == 0 {
				order[s] = len(order) + 1
			}
		}
	}
	return order
}

// inFileOrder lists the keys of tbl, the table at parent, in the order the file
// writes them, so that the first error reported is the first one on screen.
func (d decoder) inFileOrder(parent []string, tbl map[string]any) []string {
	rank := func(k string) int {
		if n := d.order[toml.Key(append(slices.Clone(parent), k)).String()]; n > 0 {
			return n
		}
		return len(d.order) + 1 // not met by the parser: last, by name
	}
	keys := slices.Sorted(maps.Keys(tbl))
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(rank(a), rank(b)) })
	return keys
}

// errf is an error at a top-level key.
func (d decoder) errf(key, format string, args ...any) error {
	return d.errAt([]string{key}, format, args...)
}

// errAt is an error at the key at path, like {"services", "db", "image"}; a key the
// file does not write is placed at its nearest written parent.
func (d decoder) errAt(path []string, format string, args ...any) error {
	line, col := d.places.find(path)
	return &ConfigError{Path: d.path, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (d decoder) str(key string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", d.errf(key, "%q must be a string in quotes, not %s", key, describe(v))
	}
	return s, nil
}

func (d decoder) boolean(key string, v any) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, d.errf(key, "%q must be true or false (no quotes), not %s", key, describe(v))
	}
	return b, nil
}

func (d decoder) strs(key string, v any, example string) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		if s, isStr := v.(string); isStr {
			return nil, d.errf(key, "%q must be a list of strings: write %s = [%q]", key, key, s)
		}
		return nil, d.errf(key, "%q must be a list of strings, like %s; got %s", key, example, describe(v))
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, d.errf(key, "%q item %d must be a string in quotes, not %s", key, i+1, describe(item))
		}
		out = append(out, s)
	}
	return out, nil
}

// commands accepts one command as a string or a list of them.
func (d decoder) commands(key string, v any) ([]string, error) {
	if s, ok := v.(string); ok {
		return []string{s}, nil
	}
	return d.strs(key, v, key+` = ["make deps"]`)
}

func (d decoder) envTable(key string, v any) (map[string]string, error) {
	tbl, ok := v.(map[string]any)
	if !ok {
		return nil, d.errf(key, "%q must be a table: write [env] on its own line, then NAME = \"value\" lines", key)
	}
	out := make(map[string]string, len(tbl))
	for _, name := range d.inFileOrder([]string{key}, tbl) {
		val, ok := envValue(tbl[name])
		if !ok {
			return nil, d.errAt([]string{key, name}, "[env] %s must be a string, not %s", name, describe(tbl[name]))
		}
		out[name] = val
	}
	return out, nil
}

// envValue is a TOML value as the text of an environment variable: a number or a
// boolean is what the user meant as text (PORT = 8000); a list or table is not text.
func envValue(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool, int64:
		return fmt.Sprint(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// dependencies accepts file names or globs (one group, installed by the top-level
// install commands) and inline tables { files = [...], install = [...] }, each its own
// group, so a polyglot project gets one layer per manifest.
func (d decoder) dependencies(key string, v any) ([]DependencyGroup, error) {
	list, ok := v.([]any)
	if tables, isTables := v.([]map[string]any); isTables {
		// [[dependencies]] tables: the same as inline ones.
		for _, t := range tables {
			list = append(list, t)
		}
		ok = true
	}
	if !ok {
		if s, isStr := v.(string); isStr {
			return nil, d.errf(key, "%q must be a list: write dependencies = [%q]", key, s)
		}
		return nil, d.errf(key, "%q must be a list of file names, like dependencies = [\"requirements.txt\"]; got %s", key, describe(v))
	}
	plain := DependencyGroup{plain: true}
	var groups []DependencyGroup
	for i, item := range list {
		switch x := item.(type) {
		case string:
			plain.Files = append(plain.Files, x)
		case map[string]any:
			var g DependencyGroup
			for k, val := range x {
				var err error
				switch k {
				case "files":
					g.Files, err = d.groupStrs(i, k, val)
				case "install":
					if s, isStr := val.(string); isStr {
						g.Install = []string{s}
					} else {
						g.Install, err = d.groupStrs(i, k, val)
					}
				default:
					msg := fmt.Sprintf("dependencies item %d: unknown key %q (a group has files and install)", i+1, k)
					if s := suggest(k, []string{"files", "install"}); s != "" {
						msg = fmt.Sprintf("dependencies item %d: unknown key %q (did you mean %q?)", i+1, k, s)
					}
					err = d.errf(key, "%s", msg)
				}
				if err != nil {
					return nil, err
				}
			}
			if len(g.Files) == 0 {
				return nil, d.errf(key, "dependencies item %d names no files: add files = [\"...\"]", i+1)
			}
			groups = append(groups, g)
		default:
			return nil, d.errf(key, "dependencies item %d must be a file name in quotes or { files = [...], install = [...] }, not %s", i+1, describe(item))
		}
	}
	if len(plain.Files) > 0 {
		// The plain list comes first: it is what install refers to.
		groups = append([]DependencyGroup{plain}, groups...)
	}
	return groups, nil
}

// groupStrs reads a list of strings inside a dependencies group, naming the group's
// own key in errors.
func (d decoder) groupStrs(item int, key string, v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		if s, isStr := v.(string); isStr && key == "files" {
			return nil, d.errf("dependencies", "dependencies item %d: files must be a list: write files = [%q]", item+1, s)
		}
		return nil, d.errf("dependencies", "dependencies item %d: %s must be a list of strings, like %s = [\"...\"]; got %s", item+1, key, key, describe(v))
	}
	out := make([]string, 0, len(list))
	for j, x := range list {
		s, isStr := x.(string)
		if !isStr {
			return nil, d.errf("dependencies", "dependencies item %d: %s item %d must be a string in quotes, not %s", item+1, key, j+1, describe(x))
		}
		out = append(out, s)
	}
	return out, nil
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case int64:
		return fmt.Sprintf("the number %d", x)
	case float64:
		return fmt.Sprintf("the number %v", x)
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	default:
		return fmt.Sprintf("a %T", v)
	}
}

// suggest returns the candidate nearest to word, or "" when none is close enough to be
// what the user meant.
func suggest(word string, candidates []string) string {
	best, bestDist := "", len(word)/2+2
	for _, c := range candidates {
		if dist := levenshtein.ComputeDistance(strings.ToLower(word), c); dist < bestDist {
			best, bestDist = c, dist
		}
	}
	return best
}

// decodeAptSources reads apt_sources: one-line-style sources.list entries, written to
// the image before its packages are installed, so a private Debian repository serves
// them. Each is one line starting with deb (or deb-src): nothing else reaches the file.
func decodeAptSources(d decoder, c *Config, key string, v any) error {
	list, err := d.strs(key, v, `apt_sources = ["deb [trusted=yes] http://repo.example/debian ./"]`)
	if err != nil {
		return err
	}
	for i, line := range list {
		if strings.ContainsAny(line, "\n\r\x00") || !(strings.HasPrefix(line, "deb ") || strings.HasPrefix(line, "deb-src ")) || len(strings.Fields(line)) < 3 {
			return d.errf(key, "apt_sources item %d must be one sources.list line: deb [options] URI SUITE [COMPONENT...], like \"deb [trusted=yes] http://repo.example/debian ./\"", i+1)
		}
	}
	c.AptSources = list
	return nil
}

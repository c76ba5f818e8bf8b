package detect

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// toolVersion looks for one of a tool's names in the version files that serve every
// language: asdf's .tool-versions and mise's mise.toml (.mise.toml), in dir and then in
// the root. The first name is the one devenv reports.
func (p *Probe) toolVersion(dir string, names ...string) (Version, bool) {
	dirs := []string{dir}
	if dir != "" {
		dirs = append(dirs, "")
	}
	for _, d := range dirs {
		if v, ok := p.asdfVersion(rel(d, ".tool-versions"), names); ok {
			return v, true
		}
		for _, f := range []string{"mise.toml", ".mise.toml"} {
			if v, ok := p.miseVersion(rel(d, f), names); ok {
				return v, true
			}
		}
	}
	return Version{}, false
}

// asdfVersion reads "python 3.12.1 3.11.4" lines; the first version listed is the one
// asdf uses.
func (p *Probe) asdfVersion(file string, names []string) (Version, bool) {
	text := p.Text(file)
	for i, line := range strings.Split(text, "\n") {
		fields := strings.Fields(strings.SplitN(line, "#", 2)[0])
		if len(fields) < 2 {
			continue
		}
		for _, n := range names {
			if fields[0] == n {
				return Version{Value: fields[1], Source: Source{File: file, Line: i + 1}}, true
			}
		}
	}
	return Version{}, false
}

// miseVersion reads [tools] of mise.toml: `python = "3.12"`, `node = ["22", "20"]` or
// `go = { version = "1.23" }`.
func (p *Probe) miseVersion(file string, names []string) (Version, bool) {
	text := p.Text(file)
	if text == "" {
		return Version{}, false
	}
	var doc struct {
		Tools map[string]any `toml:"tools"`
	}
	if _, err := toml.Decode(text, &doc); err != nil {
		return Version{}, false
	}
	for _, n := range names {
		v, ok := doc.Tools[n]
		if !ok {
			continue
		}
		var value string
		switch t := v.(type) {
		case string:
			value = t
		case []any:
			if len(t) > 0 {
				value, _ = t[0].(string)
			}
		case map[string]any:
			value, _ = t["version"].(string)
		}
		if value != "" {
			line := 0
			for i, l := range strings.Split(text, "\n") {
				if k := strings.TrimSpace(strings.SplitN(l, "=", 2)[0]); strings.Trim(k, `"'`) == n && strings.Contains(l, "=") {
					line = i + 1
					break
				}
			}
			return Version{Value: value, Source: Source{File: file, Line: line}}, true
		}
	}
	return Version{}, false
}

// release is a version line a stack's images are published for: its numbers, like
// [3 12] for Python 3.12 or [22] for Node 22.
type release []int

func (r release) String() string {
	parts := make([]string, len(r))
	for i, n := range r {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ".")
}

// parseNumbers reads the leading dotted numbers of a version: "3.12.1" → [3 12 1],
// "v22.12.0" → [22 12 0], "1.25rc1" → [1 25]; nil when it starts with no number.
func parseNumbers(v string) []int {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	var out []int
	for _, part := range strings.Split(v, ".") {
		end := 0
		for end < len(part) && part[end] >= '0' && part[end] <= '9' {
			end++
		}
		if end == 0 {
			break
		}
		n, err := strconv.Atoi(part[:end])
		if err != nil {
			break
		}
		out = append(out, n)
		if end < len(part) {
			break
		}
	}
	return out
}

// pickRelease finds the release line of known that version v names, matching as many
// numbers as a release has ("3.12.4" is Python 3.12). It fails, naming the newest line
// devenv knows, when no known line matches: a version nobody publishes, or one newer
// than this devenv.
func pickRelease(lang string, v Version, known []release) (release, error) {
	nums := parseNumbers(v.Value)
	if len(nums) == 0 {
		return nil, &Error{File: v.Source.File, Line: v.Source.Line,
			Msg: fmt.Sprintf("%s version %q is not a version number: write one like %s", lang, v.Value, known[len(known)-1])}
	}
	for _, r := range known {
		if len(nums) < len(r) {
			// "3" for Python: the newest 3.x devenv knows.
			if matchesPrefix(r, nums) {
				return newestWithPrefix(known, nums), nil
			}
			continue
		}
		if matchesPrefix(nums, r) {
			return r, nil
		}
	}
	return nil, &Error{File: v.Source.File, Line: v.Source.Line,
		Msg: fmt.Sprintf("%s %s is not a released version devenv knows (newest: %s): fix the version, or set base = \"...\" in devenv.toml to choose the image yourself",
			lang, v.Value, known[len(known)-1])}
}

func matchesPrefix(long, short []int) bool {
	if len(short) > len(long) {
		return false
	}
	for i := range short {
		if long[i] != short[i] {
			return false
		}
	}
	return true
}

func newestWithPrefix(known []release, prefix []int) release {
	var best release
	for _, r := range known {
		if matchesPrefix(r, prefix) {
			best = r
		}
	}
	return best
}

// lines makes releases from "3.8", "3.9", ...
func lines(vs ...string) []release {
	out := make([]release, len(vs))
	for i, v := range vs {
		out[i] = parseNumbers(v)
	}
	return out
}

// pin records the version the project names, and where, and finds its release line.
func (st *Stack) pin(lang string, v Version, known []release) (release, error) {
	st.Version = v
	st.Found = append(st.Found, lang+" "+v.String())
	return pickRelease(lang, v, known)
}

// pickAllowed chooses the release a range allows: devenv's default when it does, else
// the newest known release it allows; what names the range in the error.
func pickAllowed(lang, what string, allows func(release) bool, src Source, known []release, def release) (release, error) {
	if allows(def) {
		return def, nil
	}
	for i := len(known) - 1; i >= 0; i-- {
		if allows(known[i]) {
			return known[i], nil
		}
	}
	return nil, &Error{File: src.File, Line: src.Line,
		Msg: fmt.Sprintf("%s %s allows no release devenv knows (%s to %s): fix it, or set base = \"...\" in devenv.toml", lang, what, known[0], known[len(known)-1])}
}

// pinOrDefault ends a version search: the version found in st.Version, or devenv's
// default with a line saying where to pin one.
func (st *Stack) pinOrDefault(lang string, known []release, def release, pinHint string) (release, error) {
	if st.Version.Value == "" {
		st.Version = Version{Value: def.String()}
		st.Left = append(st.Left, fmt.Sprintf("no %s version in the project: %s is devenv's default; %s", lang, def, pinHint))
		return def, nil
	}
	return st.pin(lang, st.Version, known)
}

package detect

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// pythonVersion: .python-version (pyenv, uv), .tool-versions and mise.toml, then
// requires-python in pyproject.toml and Poetry's python dependency, whose range picks the
// default when it allows it, then the Pipfile's [requires] python_version.
func pythonVersion(p *Probe, dir string, pp *pyproject, st *Stack) (release, error) {
	pyproj := rel(dir, "pyproject.toml")
	if line, n := p.FirstLine(rel(dir, ".python-version")); line != "" {
		st.Version = Version{Value: line, Source: Source{File: rel(dir, ".python-version"), Line: n}}
	} else if v, ok := p.toolVersion(dir, "python"); ok {
		st.Version = v
	} else if spec, n := requiresPython(p, dir); spec != "" {
		return pythonRange(st, "requires-python", spec, Source{File: pyproj, Line: n})
	} else if spec, ok := poetryPython(pp); ok {
		return pythonRange(st, "tool.poetry.dependencies python", spec,
			Source{File: pyproj, Line: tomlKeyLine(p.Text(pyproj), "tool.poetry.dependencies", "python")})
	} else if v, ok := pipfilePython(p, dir); ok {
		st.Version = v
	}
	return st.pinOrDefault("Python", pythonReleases, pythonDefault, "pin one in .python-version")
}

// pythonRange picks the release for a version range found at src.
func pythonRange(st *Stack, what, spec string, src Source) (release, error) {
	r, err := pickInRange("Python", spec, src, pythonReleases, pythonDefault)
	if err != nil {
		return nil, err
	}
	st.Version = Version{Value: r.String(), Source: src}
	st.Found = append(st.Found, fmt.Sprintf("%s %q in %s", what, spec, src))
	return r, nil
}

// poetryPython is `python = "^3.10"` in [tool.poetry.dependencies].
func poetryPython(pp *pyproject) (string, bool) {
	if pp.Tool.Poetry == nil {
		return "", false
	}
	switch v := pp.Tool.Poetry.Dependencies["python"].(type) {
	case string:
		return v, v != "" && v != "*"
	case map[string]any:
		s, _ := v["version"].(string)
		return s, s != "" && s != "*"
	}
	return "", false
}

// pipfilePython is python_version (or python_full_version) in the Pipfile's [requires].
func pipfilePython(p *Probe, dir string) (Version, bool) {
	file := rel(dir, "Pipfile")
	text := p.Text(file)
	if text == "" {
		return Version{}, false
	}
	var pf struct {
		Requires map[string]any `toml:"requires"`
	}
	if _, err := toml.Decode(text, &pf); err != nil {
		return Version{}, false
	}
	for _, k := range []string{"python_full_version", "python_version"} {
		if v, ok := pf.Requires[k].(string); ok && v != "" && v != "*" {
			return Version{Value: v, Source: Source{File: file, Line: tomlKeyLine(text, "requires", k)}}, true
		}
	}
	return Version{}, false
}

var requiresPythonRe = regexp.MustCompile(`(?m)^\s*requires-python\s*=\s*["']([^"']*)["']`)

func requiresPython(p *Probe, dir string) (string, int) {
	text := p.Text(rel(dir, "pyproject.toml"))
	m := requiresPythonRe.FindStringSubmatchIndex(text)
	if m == nil {
		return "", 0
	}
	return text[m[2]:m[3]], LineOf(text[m[0]:], "requires-python") + strings.Count(text[:m[0]], "\n")
}

// pickInRange chooses the release for a version range like ">=3.10,<3.13" (PEP 440) or
// "^3.10": the default when the range allows it, else the newest release it allows.
func pickInRange(lang, spec string, src Source, known []release, def release) (release, error) {
	allows, err := pep440Allows(spec)
	if err != nil {
		return nil, &Error{File: src.File, Line: src.Line, Msg: fmt.Sprintf("%s version range %q: %v", lang, spec, err)}
	}
	return pickAllowed(lang, fmt.Sprintf("version range %q", spec), allows, src, known, def)
}

// pep440Allows reads the comparison clauses of a PEP 440 specifier (also Poetry's ^ and
// ~, and its "||"), judged on release lines: ">=3.10.2" allows 3.10, since 3.10 has patch
// releases past 3.10.2.
func pep440Allows(spec string) (func(release) bool, error) {
	if alts := strings.Split(spec, "||"); len(alts) > 1 {
		var fs []func(release) bool
		for _, a := range alts {
			f, err := pep440Allows(a)
			if err != nil {
				return nil, err
			}
			fs = append(fs, f)
		}
		return func(r release) bool {
			for _, f := range fs {
				if f(r) {
					return true
				}
			}
			return false
		}, nil
	}
	type clause struct {
		op  string
		ver []int
	}
	var clauses []clause
	// Poetry also separates clauses with spaces: ">=3.9 <4".
	for _, part := range regexp.MustCompile(`[,\s]+`).Split(strings.TrimSpace(regexp.MustCompile(`([<>=!~^])\s+`).ReplaceAllString(spec, "$1")), -1) {
		if part == "" {
			continue
		}
		op := strings.TrimRight(part[:len(part)-len(strings.TrimLeft(part, "<>=!~^"))], " ")
		ver := strings.TrimSpace(strings.TrimLeft(part, "<>=!~^"))
		nums := parseNumbers(strings.TrimSuffix(ver, ".*"))
		if len(nums) == 0 {
			return nil, fmt.Errorf("cannot read %q", part)
		}
		if op == "" {
			op = "=="
		}
		clauses = append(clauses, clause{op, nums})
	}
	return func(r release) bool {
		for _, c := range clauses {
			lo := append(append([]int{}, r...), 0)     // the line's first release
			hi := append(append([]int{}, r...), 1<<20) // and its last
			cmpLo, cmpHi := compareNums(lo, c.ver), compareNums(hi, c.ver)
			ok := true
			switch c.op {
			case ">=":
				ok = cmpHi >= 0
			case ">":
				ok = cmpHi > 0
			case "<=":
				ok = cmpLo <= 0
			case "<":
				ok = cmpLo < 0
			case "==", "===":
				ok = matchesPrefix(r, c.ver) || matchesPrefix(c.ver, r)
			case "!=":
				ok = !(len(c.ver) <= len(r) && matchesPrefix(r, c.ver))
			case "~=", "~":
				// ~=3.10 means >=3.10,<4; ~=3.10.2 means >=3.10.2,<3.11.
				upper := append([]int{}, c.ver[:max(1, len(c.ver)-1)]...)
				upper[len(upper)-1]++
				ok = cmpHi >= 0 && compareNums(lo, upper) < 0
			case "^":
				upper := []int{c.ver[0] + 1}
				if c.ver[0] == 0 && len(c.ver) > 1 {
					upper = []int{0, c.ver[1] + 1}
				}
				ok = cmpHi >= 0 && compareNums(lo, upper) < 0
			default:
				ok = false
			}
			if !ok {
				return false
			}
		}
		return true
	}, nil
}

func compareNums(a, b []int) int {
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

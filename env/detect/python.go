package detect

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	pythonReleases = lines("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15")
	pythonDefault  = release{3, 13}
)

func pythonPresent(p *Probe, dir string) bool {
	for _, f := range []string{"pyproject.toml", "setup.py", "setup.cfg", "Pipfile", "uv.lock", "poetry.lock"} {
		if p.IsFile(rel(dir, f)) {
			return true
		}
	}
	return len(p.Glob(dir, "requirements*.txt")) > 0
}

func resolvePython(p *Probe, dir string) (*Stack, error) {
	st := &Stack{Name: "python", Dir: dir, Manager: "pip", Caches: []string{"/root/.cache/pip"},
		Toolchain: Toolchain{Packages: []string{"python3", "python3-pip", "python3-venv"}}}
	r, err := pythonVersion(p, dir, st)
	r = st.versionOr(r, err, pythonDefault)
	st.Base = "python:" + r.String() + "-slim"
	st.Chose = append(st.Chose, "base "+st.Base)

	// One group: requirements-dev.txt often starts with -r requirements.txt, so every
	// file must be there before pip reads any of them.
	files := p.Glob(dir, "requirements*.txt")
	if len(files) > 0 {
		install := "pip install"
		for _, f := range files {
			install += " -r " + shellQuote(strings.TrimPrefix(f, dir+"/"))
		}
		st.Groups = []Group{{Files: files, Install: []string{inDir(dir, install)}}}
		st.Found = append(st.Found, "requirements: "+strings.Join(files, ", "))
	}
	return st, nil
}

// pythonVersion: .python-version (pyenv, uv), .tool-versions and mise.toml, then
// requires-python in pyproject.toml, whose range picks the default when it allows it.
func pythonVersion(p *Probe, dir string, st *Stack) (release, error) {
	if line, n := p.FirstLine(rel(dir, ".python-version")); line != "" {
		st.Version = Version{Value: line, Source: Source{File: rel(dir, ".python-version"), Line: n}}
	} else if v, ok := p.toolVersion(dir, "python"); ok {
		st.Version = v
	} else if spec, n := requiresPython(p, dir); spec != "" {
		r, err := pickInRange("Python", spec, Source{File: rel(dir, "pyproject.toml"), Line: n}, pythonReleases, pythonDefault)
		if err != nil {
			return nil, err
		}
		st.Version = Version{Value: r.String(), Source: Source{File: rel(dir, "pyproject.toml"), Line: n}}
		st.Found = append(st.Found, fmt.Sprintf("requires-python %q in %s", spec, st.Version.Source))
		return r, nil
	}
	if st.Version.Value == "" {
		st.Version = Version{Value: pythonDefault.String()}
		st.Left = append(st.Left, "no Python version in the project: "+pythonDefault.String()+" is devenv's default; pin one in .python-version")
		return pythonDefault, nil
	}
	st.Found = append(st.Found, "Python "+st.Version.String())
	return pickRelease("Python", st.Version, pythonReleases)
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
	if allows(def) {
		return def, nil
	}
	for i := len(known) - 1; i >= 0; i-- {
		if allows(known[i]) {
			return known[i], nil
		}
	}
	return nil, &Error{File: src.File, Line: src.Line,
		Msg: fmt.Sprintf("%s version range %q allows no release devenv knows (%s to %s): fix the range, or set base = \"...\" in devenv.toml", lang, spec, known[0], known[len(known)-1])}
}

// pep440Allows reads the comparison clauses of a PEP 440 specifier (also Poetry's ^ and
// ~), judged on release lines: ">=3.10.2" allows 3.10, since 3.10 has patch releases
// past 3.10.2.
func pep440Allows(spec string) (func(release) bool, error) {
	type clause struct {
		op  string
		ver []int
	}
	var clauses []clause
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
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

package detect

import (
	"regexp"
	"sort"
	"strings"
)

// projectSnippet prints the requirements a project's manifest (pyproject.toml or
// setup.cfg) names: its dependencies, then the extras and groups given as extra:NAME and
// group:NAME arguments. An extra that names the project itself ("app[test]") is
// expanded, since the project is not on any index. It runs in the build on the copied
// manifest, with Python's tomllib or, before 3.11, the copy of tomli that pip carries.
const projectSnippet = `import re, sys
try:
    import tomllib
except ImportError:
    from pip._vendor import tomli as tomllib
norm = lambda s: re.sub(r"[-_.]+", "-", s).lower()
f = sys.argv[1]
if f.endswith(".cfg"):
    import configparser
    c = configparser.ConfigParser(interpolation=None)
    c.read(f)
    split = lambda v: [r for r in (l.split("#")[0].strip() for l in v.splitlines()) if r]
    name = c.get("metadata", "name", fallback="")
    deps = split(c.get("options", "install_requires", fallback=""))
    extras = dict(c.items("options.extras_require")) if c.has_section("options.extras_require") else {}
    extras, groups = {k: split(v) for k, v in extras.items()}, {}
else:
    d = tomllib.load(open(f, "rb"))
    p = d.get("project", {})
    name, deps = p.get("name", ""), p.get("dependencies", [])
    extras, groups = p.get("optional-dependencies", {}), d.get("dependency-groups", {})
extras = {norm(k): v for k, v in extras.items()}
groups = {norm(k): v for k, v in groups.items()}
out = []
def add(reqs, seen):
    for r in reqs:
        if isinstance(r, dict):
            g = "group:" + norm(r.get("include-group", ""))
            if g not in seen:
                add(groups.get(g[6:], []), seen | {g})
            continue
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[([^\]]*)\])?", r)
        if m and name and norm(m.group(1)) == norm(name):
            for e in (m.group(3) or "").split(","):
                e = "extra:" + norm(e.strip())
                if e != "extra:" and e not in seen:
                    add(extras.get(e[6:], []), seen | {e})
        elif r not in out:
            out.append(r)
add(deps, set())
for a in sys.argv[2:]:
    kind, _, n = a.partition(":")
    add((extras if kind == "extra" else groups).get(norm(n), []), {kind + ":" + norm(n)})
print("\n".join(out))
`

// projectRequirements is the command that installs what the manifest at file (relative
// to the working directory) requires, with the named extras and groups.
func projectRequirements(file string, extras, groups []string) string {
	return projectRequirementsTo(file, extras, groups, "/tmp/devenv-requirements.txt") +
		" && pip install -r /tmp/devenv-requirements.txt && rm /tmp/devenv-requirements.txt"
}

// projectRequirementsTo writes what the manifest requires to out (appending).
func projectRequirementsTo(file string, extras, groups []string, out string) string {
	args := []string{"python3", "-c", shellQuote(projectSnippet), shellQuote(file)}
	for _, e := range extras {
		args = append(args, shellQuote("extra:"+e))
	}
	for _, g := range groups {
		args = append(args, shellQuote("group:"+g))
	}
	return strings.Join(args, " ") + " >> " + out
}

var setupCfgRequiresRe = regexp.MustCompile(`(?m)^\s*install_requires\s*=`)

func setupCfgRequires(text string) bool { return setupCfgRequiresRe.MatchString(text) }

// setupCfgExtras are the names in setup.cfg's [options.extras_require].
func setupCfgExtras(text string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "[") {
			in = t == "[options.extras_require]"
			continue
		}
		if in && line != "" && line[0] != ' ' && line[0] != '\t' && strings.Contains(t, "=") && !strings.HasPrefix(t, "#") {
			out = append(out, strings.TrimSpace(strings.SplitN(t, "=", 2)[0]))
		}
	}
	sort.Strings(out)
	return out
}

// tomlKeyLine is the line of `key =` in the TOML table named table ("" for the top),
// 0 when it is not there.
func tomlKeyLine(text, table, key string) int {
	cur := ""
	keyRe := regexp.MustCompile(`^\s*["']?` + regexp.QuoteMeta(key) + `["']?\s*=`)
	for i, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "[") {
			cur = strings.Trim(strings.SplitN(t, "#", 2)[0], "[] \t")
			continue
		}
		if cur == table && keyRe.MatchString(line) {
			return i + 1
		}
	}
	return 0
}

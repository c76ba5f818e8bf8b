package detect

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

var (
	pythonReleases = lines("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15")
	pythonDefault  = release{3, 13}
)

func pythonPresent(p *Probe, dir string) bool {
	for _, f := range []string{"pyproject.toml", "setup.py", "setup.cfg", "Pipfile", "uv.lock", "poetry.lock", "pdm.lock"} {
		if p.IsFile(rel(dir, f)) {
			return true
		}
	}
	return len(requirementsFiles(p, dir)) > 0
}

// requirementsFiles are the requirements files pip installs: requirements*.txt in dir,
// or, when there are none, the *.txt of a requirements/ folder (base.txt, dev.txt, ...).
func requirementsFiles(p *Probe, dir string) []string {
	if files := p.Glob(dir, "requirements*.txt"); len(files) > 0 {
		return files
	}
	return p.Glob(rel(dir, "requirements"), "*.txt")
}

// pyproject is the part of pyproject.toml devenv reads.
type pyproject struct {
	Project *struct {
		Name                 string              `toml:"name"`
		Dependencies         []string            `toml:"dependencies"`
		OptionalDependencies map[string][]string `toml:"optional-dependencies"`
		Dynamic              []string            `toml:"dynamic"`
	} `toml:"project"`
	DependencyGroups map[string][]any `toml:"dependency-groups"`
	BuildSystem      map[string]any   `toml:"build-system"`
	Tool             struct {
		Poetry *struct {
			Dependencies map[string]any `toml:"dependencies"`
			PackageMode  *bool          `toml:"package-mode"`
		} `toml:"poetry"`
	} `toml:"tool"`
}

// readTOML decodes file into v; a file that does not parse is an Error at its line.
func readTOML(p *Probe, file string, v any) error {
	if _, err := toml.Decode(p.Text(file), v); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			line := pe.Position.Line
			if strings.Contains(pe.Message, `got '\n'`) && line > 1 {
				line-- // the parser stands on the line break that ends the bad line
			}
			return &Error{File: file, Line: line, Msg: "not valid TOML (" + pe.Message + "): fix the file, then run devenv again"}
		}
		return &Error{File: file, Msg: "cannot read it (" + err.Error() + "): fix the file, then run devenv again"}
	}
	return nil
}

func resolvePython(p *Probe, dir string) (*Stack, error) {
	st := &Stack{Name: "python", Dir: dir, Manager: "pip", Caches: []string{"/root/.cache/pip"},
		Toolchain: Toolchain{Packages: []string{"python3", "python3-pip", "python3-venv"}}}
	pp := &pyproject{}
	if p.IsFile(rel(dir, "pyproject.toml")) {
		if err := readTOML(p, rel(dir, "pyproject.toml"), pp); err != nil {
			return nil, err
		}
	}
	r, err := pythonVersion(p, dir, pp, st)
	r = st.versionOr(r, err, pythonDefault)
	st.Base = "python:" + r.String() + "-slim"
	st.Chose = append(st.Chose, "base "+st.Base)
	if err := pythonManager(p, dir, pp, st); err != nil {
		return nil, err
	}
	return st, nil
}

// pythonManager picks the package manager the files show, in this order: uv.lock,
// poetry.lock, pdm.lock, Pipfile.lock (or a Pipfile alone), requirements files,
// pyproject.toml alone, setup.cfg, setup.py. A lock file says how the project is
// really installed; requirements files are the oldest and commonest convention.
func pythonManager(p *Probe, dir string, pp *pyproject, st *Stack) error {
	has := func(f string) bool { return p.IsFile(rel(dir, f)) }
	reqs := requirementsFiles(p, dir)
	var present []string
	for _, f := range []string{"uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock"} {
		if has(f) {
			present = append(present, rel(dir, f))
		}
	}
	present = append(present, reqs...)
	used := func(files ...string) {
		var others []string
		for _, f := range present {
			if !contains(files, f) {
				others = append(others, f)
			}
		}
		if len(others) > 0 {
			st.Found = append(st.Found, fmt.Sprintf("also %s: not used, %s comes first (uv.lock > poetry.lock > pdm.lock > Pipfile.lock > requirements files > pyproject.toml)",
				strings.Join(others, ", "), path.Base(files[len(files)-1])))
		}
	}
	pyproj := rel(dir, "pyproject.toml")
	var pthDirs []string // folders of packages imported from the working tree
	tool := func(name, cache string) {
		st.Manager = name
		if cache != "" {
			st.Caches = append(st.Caches, cache)
		}
		st.Chose = append(st.Chose, name+" installed with pip in the build (PyPI or your PIP_INDEX_URL)")
	}
	switch {
	case has("uv.lock"):
		tool("uv", "")
		files := []string{pyproj, rel(dir, "uv.lock")}
		used(files...)
		// uv exports the lock and pip installs it into the image's Python: `uv sync` would
		// make a .venv in the project folder, which the mounted working tree hides.
		st.Groups = []Group{{Files: files, Install: []string{inDir(dir,
			"pip install uv && uv export --frozen --no-hashes --no-emit-workspace --format requirements-txt -o /tmp/devenv-requirements.txt && "+
				"pip install -r /tmp/devenv-requirements.txt && rm /tmp/devenv-requirements.txt")}}}
		st.Found = append(st.Found, "uv: "+strings.Join(files, ", "))
		st.Chose = append(st.Chose, "uv.lock exported (uv's default groups, no extras) and installed with pip into the image's Python, without the project itself")
		st.Left = append(st.Left, "`uv run` and `uv sync` make a .venv of their own in the project folder: run the tools directly (pytest, python -m ...)")
	case has("poetry.lock"):
		tool("poetry", "/root/.cache/pypoetry")
		files := []string{pyproj, rel(dir, "poetry.lock")}
		used(files...)
		st.Groups = []Group{{Files: files, Install: []string{inDir(dir,
			"pip install poetry && POETRY_VIRTUALENVS_CREATE=false poetry install --no-root --no-interaction")}}}
		st.Found = append(st.Found, "poetry: "+strings.Join(files, ", "))
		st.Chose = append(st.Chose, "poetry install --no-root into the image's Python (no virtualenv): the lock's default and non-optional groups")
		st.Left = append(st.Left, "poetry reads its sources from pyproject.toml ([[tool.poetry.source]]), not from PIP_INDEX_URL")
	case has("pdm.lock"):
		tool("pdm", "/root/.cache/pdm")
		files := []string{pyproj, rel(dir, "pdm.lock")}
		used(files...)
		st.Groups = []Group{{Files: files, Install: []string{inDir(dir,
			"pip install pdm && pdm export --format requirements --without-hashes --output /tmp/devenv-requirements.txt && "+
				"pip install -r /tmp/devenv-requirements.txt && rm /tmp/devenv-requirements.txt")}}}
		st.Found = append(st.Found, "pdm: "+strings.Join(files, ", "))
		st.Chose = append(st.Chose, "pdm.lock exported (default and dev groups) and installed with pip into the image's Python, without the project itself")
	case has("Pipfile.lock") || has("Pipfile"):
		tool("pipenv", "/root/.cache/pipenv")
		files := []string{rel(dir, "Pipfile")}
		install := "pip install pipenv && pipenv install --system --dev"
		if has("Pipfile.lock") {
			files = append(files, rel(dir, "Pipfile.lock"))
			// --deploy: a lock out of date with its Pipfile fails the build, saying so.
			install = "pip install pipenv && pipenv install --system --deploy --dev"
		} else {
			st.Left = append(st.Left, "no Pipfile.lock: pipenv locks at every build; commit a Pipfile.lock")
		}
		used(files...)
		st.Groups = []Group{{Files: files, Install: []string{inDir(dir, install)}}}
		st.Found = append(st.Found, "pipenv: "+strings.Join(files, ", "))
	case len(reqs) > 0:
		used(reqs...)
		local, err := requirementsGroup(p, dir, reqs, st)
		if err != nil {
			return err
		}
		pthDirs = append(pthDirs, local...)
	case pp.Project != nil:
		pyprojectGroup(p, dir, pp, st)
	case pp.Tool.Poetry != nil && len(pp.Tool.Poetry.Dependencies) > 0:
		tool("poetry", "/root/.cache/pypoetry")
		st.Groups = []Group{{Files: []string{pyproj}, Install: []string{inDir(dir,
			"pip install poetry && POETRY_VIRTUALENVS_CREATE=false poetry install --no-root --no-interaction")}}}
		st.Found = append(st.Found, "poetry: "+pyproj+" ([tool.poetry.dependencies])")
		st.Left = append(st.Left, "no poetry.lock: poetry resolves at every build; commit a poetry.lock")
	case has("setup.cfg") && setupCfgRequires(p.Text(rel(dir, "setup.cfg"))):
		cfg := rel(dir, "setup.cfg")
		st.Groups = []Group{{Files: []string{cfg}, Install: []string{inDir(dir, projectRequirements("setup.cfg", testExtras(setupCfgExtras(p.Text(cfg))), nil))}}}
		st.Found = append(st.Found, "setup.cfg: [options] install_requires at "+Source{File: cfg, Line: p.LineOf(cfg, "install_requires")}.String())
		st.Chose = append(st.Chose, "install_requires of setup.cfg installed in the build"+extrasPhrase(testExtras(setupCfgExtras(p.Text(cfg))), nil))
	case has("setup.py"):
		st.Found = append(st.Found, "setup.py: "+rel(dir, "setup.py"))
		st.Left = append(st.Left, "setup.py: its requirements are known only by running it with the source, which the build does not see: "+
			"list them in a requirements file, or run `pip install --user -e .` in the shell (kept only as long as that container)")
	}
	if projectIsPackage(p, dir, pp) && !contains(pthDirs, dir) {
		pthDirs = append([]string{dir}, pthDirs...)
	}
	if len(pthDirs) > 0 {
		addProjectPath(p, st, dir, pthDirs)
	}
	return nil
}

// projectIsPackage reports whether the project in dir is an installable package, whose
// own modules the environment should import from the mounted tree.
func projectIsPackage(p *Probe, dir string, pp *pyproject) bool {
	if pp.Tool.Poetry != nil && pp.Tool.Poetry.PackageMode != nil && !*pp.Tool.Poetry.PackageMode {
		return false
	}
	// setup.cfg alone is often only the settings of flake8 or pytest.
	cfg := p.Text(rel(dir, "setup.cfg"))
	return pp.Project != nil || pp.BuildSystem != nil || pp.Tool.Poetry != nil || p.IsFile(rel(dir, "setup.py")) ||
		regexp.MustCompile(`(?m)^\[(metadata|options)\]`).MatchString(cfg)
}

// addProjectPath makes the packages in dirs importable from the mounted working tree,
// without a rebuild when their source changes: a .pth file in the image's site-packages
// names each folder (and its src/ for a src layout). It is what `pip install -e` does
// for a project, less the console scripts and the installed metadata.
func addProjectPath(p *Probe, st *Stack, dir string, dirs []string) {
	if len(st.Groups) == 0 {
		// The .pth file is written by a command of a dependency group, which needs a file
		// to copy: the project's own manifest.
		for _, f := range []string{"pyproject.toml", "setup.cfg", "setup.py"} {
			if p.IsFile(rel(dir, f)) {
				st.Groups = []Group{{Files: []string{rel(dir, f)}}}
				break
			}
		}
		if len(st.Groups) == 0 {
			return
		}
	}
	var entries, shown []string
	for _, d := range dirs {
		in := `"$PWD"`
		if r := pyRelPath(dir, d); r != "." {
			in = `"$PWD/` + r + `"`
		}
		entries = append(entries, in)
		shown = append(shown, "/"+strings.TrimSuffix(rel(d, ""), "/"))
		if p.IsDir(rel(d, "src")) {
			entries = append(entries, strings.TrimSuffix(in, `"`)+`/src"`)
			shown = append(shown, "/"+rel(d, "src"))
		}
	}
	g := &st.Groups[0]
	g.Install = append(g.Install, inDir(dir, `site=$(python3 -c 'import sysconfig; print(sysconfig.get_path("purelib"))') && mkdir -p "$site" && printf '%s\n' `+
		strings.Join(entries, " ")+` > "$site/devenv-project.pth"`))
	for i, s := range shown {
		shown[i] = "the working tree's " + strings.TrimPrefix(strings.Replace(s, "//", "/", 1), "/")
		if shown[i] == "the working tree's " {
			shown[i] = "the working tree's root"
		}
	}
	st.Chose = append(st.Chose, "the project itself importable from "+strings.Join(shown, " and ")+
		" through a .pth file in site-packages: edits need no rebuild")
	st.Left = append(st.Left, "the project's console scripts are not installed and importlib.metadata does not know it: run `pip install --user -e .` in the shell if you need them")
}

// pyRelPath is the path of f relative to the folder dir, both relative to the root.
func pyRelPath(dir, f string) string {
	if dir == "" {
		return path.Clean(f)
	}
	d, t := strings.Split(dir, "/"), strings.Split(path.Clean(f), "/")
	i := 0
	for i < len(d) && i < len(t) && d[i] == t[i] {
		i++
	}
	parts := []string{}
	for range d[i:] {
		parts = append(parts, "..")
	}
	parts = append(parts, t[i:]...)
	if len(parts) == 0 {
		return "."
	}
	return path.Join(parts...)
}

// pyprojectGroup installs a pyproject.toml's PEP 621 dependencies, its extras and PEP 735
// groups meant for development, read at build time from the copied pyproject.toml.
func pyprojectGroup(p *Probe, dir string, pp *pyproject, st *Stack) {
	file := rel(dir, "pyproject.toml")
	extras := testExtras(keys(pp.Project.OptionalDependencies))
	groups := testExtras(keys(pp.DependencyGroups))
	st.Groups = []Group{{Files: []string{file}, Install: []string{inDir(dir, projectRequirements("pyproject.toml", extras, groups))}}}
	st.Found = append(st.Found, fmt.Sprintf("pyproject.toml: %d dependencies at %s", len(pp.Project.Dependencies),
		Source{File: file, Line: tomlKeyLine(p.Text(file), "project", "dependencies")}))
	if len(pp.DependencyGroups) > 0 {
		st.Found = append(st.Found, "dependency groups: "+strings.Join(keys(pp.DependencyGroups), ", ")+
			" at "+Source{File: file, Line: LineOf(p.Text(file), "[dependency-groups]")}.String())
	}
	st.Chose = append(st.Chose, "[project] dependencies installed from pyproject.toml in the build"+extrasPhrase(extras, groups))
	if others := without(keys(pp.Project.OptionalDependencies), extras); len(others) > 0 {
		st.Left = append(st.Left, "extras not installed: "+strings.Join(others, ", ")+"; add install = [...] to devenv.toml to choose them")
	}
	if others := without(keys(pp.DependencyGroups), groups); len(others) > 0 {
		st.Left = append(st.Left, "dependency groups not installed: "+strings.Join(others, ", "))
	}
	if contains(pp.Project.Dynamic, "dependencies") {
		st.Left = append(st.Left, "pyproject.toml marks dependencies as dynamic (its build backend computes them): they are not installed; list them in a requirements file")
	}
}

func extrasPhrase(extras, groups []string) string {
	var parts []string
	if len(extras) > 0 {
		parts = append(parts, "extras "+strings.Join(extras, ", "))
	}
	if len(groups) > 0 {
		parts = append(parts, "groups "+strings.Join(groups, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return ", with the development " + strings.Join(parts, " and ") + " (named dev, test, tests or testing)"
}

// testExtras are the names among names that mean development or testing.
func testExtras(names []string) []string {
	var out []string
	for _, n := range names {
		switch normalizeName(n) {
		case "dev", "test", "tests", "testing":
			out = append(out, n)
		}
	}
	return out
}

func normalizeName(s string) string {
	return strings.ToLower(regexp.MustCompile(`[-_.]+`).ReplaceAllString(s, "-"))
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func without(all, drop []string) []string {
	var out []string
	for _, s := range all {
		if !contains(drop, s) {
			out = append(out, s)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

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
	if st.Version.Value == "" {
		st.Version = Version{Value: pythonDefault.String()}
		st.Left = append(st.Left, "no Python version in the project: "+pythonDefault.String()+" is devenv's default; pin one in .python-version")
		return pythonDefault, nil
	}
	st.Found = append(st.Found, "Python "+st.Version.String())
	return pickRelease("Python", st.Version, pythonReleases)
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

// reqWalk follows requirements files through their -r and -c lines.
type reqWalk struct {
	p     *Probe
	dir   string   // the stack's folder, where pip runs
	files []string // every file read, in the order met
	// drops are the lines of each file that name a package in the project itself, left
	// out of the cached install: sed line addresses like "3" or "7,8".
	drops     map[string][]string
	dropFiles []string
	projects  []localProject
	notes     []string
}

// localProject is a folder of the project that a requirements line installs ("-e .",
// "./libs/foo[extra]").
type localProject struct {
	dir      string // relative to the root, "" for the root
	extras   []string
	at       Source
	line     string
	manifest string // its pyproject.toml or setup.cfg with requirements, "" when none
}

// requirementsGroup installs the requirements files of dir, with every file they
// include; the folders their local lines name come back for the .pth file.
func requirementsGroup(p *Probe, dir string, reqs []string, st *Stack) ([]string, error) {
	w := &reqWalk{p: p, dir: dir, drops: map[string][]string{}}
	for _, f := range reqs {
		if err := w.walk(f); err != nil {
			return nil, err
		}
	}
	nested := without(w.files, reqs)
	found := "requirements: " + strings.Join(reqs, ", ")
	if len(nested) > 0 {
		found += " (and what they include: " + strings.Join(nested, ", ") + ")"
	}
	st.Found = append(st.Found, found)
	st.Found = append(st.Found, w.notes...)

	var cmd []string
	for _, f := range w.dropFiles {
		cmd = append(cmd, "sed -i "+shellQuote(strings.Join(w.drops[f], "d;")+"d")+" "+shellQuote(pyRelPath(dir, f)))
	}
	const out = "/tmp/devenv-requirements.txt"
	install := "pip install"
	for _, f := range reqs {
		install += " -r " + shellQuote(pyRelPath(dir, f))
	}
	var dirs []string
	manifests := 0
	for _, lp := range w.projects {
		dirs = append(dirs, lp.dir)
		what := fmt.Sprintf("%s %q: ", lp.at, lp.line)
		if lp.manifest == "" {
			st.Left = append(st.Left, what+"its own requirements are not installed (no [project] dependencies or setup.cfg install_requires to read them from)")
		} else {
			w.files = append(w.files, lp.manifest)
			cmd = append(cmd, projectRequirementsTo(pyRelPath(dir, lp.manifest), lp.extras, nil, out))
			manifests++
			st.Chose = append(st.Chose, what+"its requirements installed from "+lp.manifest+extrasPhraseList(lp.extras))
		}
	}
	if len(w.projects) > 0 {
		st.Chose = append(st.Chose, "lines that install the project's own folders are left out of the cached install (sed deletes them from the build's copy)")
	}
	if manifests > 0 {
		install += " -r " + out + " && rm " + out
	}
	cmd = append(cmd, install)
	st.Groups = []Group{{Files: w.files, Install: []string{inDir(dir, strings.Join(cmd, " && "))}}}
	return dirs, nil
}

func extrasPhraseList(extras []string) string {
	if len(extras) == 0 {
		return ""
	}
	return " with extras " + strings.Join(extras, ", ")
}

var (
	commentRe = regexp.MustCompile(`(^|\s)#.*$`)
	optionRe  = regexp.MustCompile(`^(-[rcef]|--requirement|--constraint|--editable|--find-links)(?:\s*=\s*|\s+|)(\S.*)?$`)
	schemeRe  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)
	vcsRe     = regexp.MustCompile(`^(git|hg|svn|bzr)\+`)
)

// walk reads one requirements file and the files it includes.
func (w *reqWalk) walk(file string) error {
	if contains(w.files, file) {
		return nil
	}
	w.files = append(w.files, file)
	b, err := w.p.Read(file)
	if err != nil {
		return &Error{File: file, Msg: "cannot read it (" + err.Error() + ")"}
	}
	physical := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	for i := 0; i < len(physical); i++ {
		start, line := i+1, physical[i]
		// A backslash at the end joins the next line (before comments are stripped, as pip does).
		for strings.HasSuffix(line, `\`) && i+1 < len(physical) {
			i++
			line = strings.TrimSuffix(line, `\`) + " " + physical[i]
		}
		end := i + 1
		line = strings.TrimSpace(commentRe.ReplaceAllString(line, ""))
		if line == "" {
			continue
		}
		at := Source{File: file, Line: start}
		if m := optionRe.FindStringSubmatch(line); m != nil {
			arg := strings.Trim(strings.TrimSpace(m[2]), `"'`)
			switch m[1] {
			case "-r", "--requirement", "-c", "--constraint":
				if err := w.include(at, m[1], arg); err != nil {
					return err
				}
			case "-e", "--editable":
				if schemeRe.MatchString(arg) || vcsRe.MatchString(arg) {
					w.notes = append(w.notes, fmt.Sprintf("%s: editable %s is cloned into ./src of the build, which the working tree hides at run time: install it as a normal requirement", at, arg))
					continue
				}
				if err := w.local(at, start, end, arg, line); err != nil {
					return err
				}
			case "-f", "--find-links":
				if !schemeRe.MatchString(arg) {
					w.notes = append(w.notes, fmt.Sprintf("%s: --find-links %s: a folder the build does not see; packages found only there will not install", at, arg))
				}
			}
			continue
		}
		if strings.HasPrefix(line, "-") {
			continue // --index-url and other pip options: pip reads them itself
		}
		if spec, ok := localPath(line); ok {
			if err := w.local(at, start, end, spec, line); err != nil {
				return err
			}
		}
	}
	return nil
}

// include follows a -r or -c line; its path is relative to the including file.
func (w *reqWalk) include(at Source, opt, arg string) error {
	if arg == "" {
		return &Error{File: at.File, Line: at.Line, Msg: opt + " names no file: give the file it includes, or remove the line"}
	}
	if schemeRe.MatchString(arg) {
		w.notes = append(w.notes, fmt.Sprintf("%s: %s %s is read from the network at every build, not cached by its contents", at, opt, arg))
		return nil
	}
	target := path.Join(path.Dir(at.File), arg)
	if path.IsAbs(arg) || target == ".." || strings.HasPrefix(target, "../") {
		return &Error{File: at.File, Line: at.Line,
			Msg: fmt.Sprintf("%s %s is outside the project, and the build sees only the project's files: move the file into the project", opt, arg)}
	}
	if !w.p.IsFile(target) {
		return &Error{File: at.File, Line: at.Line,
			Msg: fmt.Sprintf("%s %s: no such file (%s, relative to %s): create it, or fix the line", opt, arg, target, at.File)}
	}
	return w.walk(target)
}

// localPath reports whether a requirement line names a path rather than a package on
// an index: ".", "./libs/foo[x]", "file:...", "name @ file:...", "libs/foo".
func localPath(line string) (string, bool) {
	spec := line
	if i := strings.Index(line, " @ "); i > 0 {
		spec = strings.TrimSpace(line[i+3:])
		if !strings.HasPrefix(spec, "file:") {
			return "", false
		}
	}
	spec = strings.Fields(spec)[0]
	switch {
	case strings.HasPrefix(spec, "file:"):
		return spec, true
	case schemeRe.MatchString(spec) || vcsRe.MatchString(spec):
		return "", false
	case strings.HasPrefix(spec, ".") || strings.HasPrefix(spec, "/") || strings.Contains(strings.SplitN(spec, ";", 2)[0], "/"):
		return strings.SplitN(spec, ";", 2)[0], true
	}
	return "", false
}

// local handles a line that installs a path: a folder of the project is left out of
// the cached install (lines start to end) and imported from the working tree; an archive
// (a wheel, an sdist) is copied into the build and installed as it is.
func (w *reqWalk) local(at Source, start, end int, spec, line string) error {
	line = strings.Join(strings.Fields(line), " ")
	spec = strings.TrimPrefix(strings.TrimPrefix(spec, "file://"), "file:")
	var extras []string
	if i := strings.Index(spec, "["); i > 0 && strings.HasSuffix(spec, "]") {
		for _, e := range strings.Split(spec[i+1:len(spec)-1], ",") {
			if e = strings.TrimSpace(e); e != "" {
				extras = append(extras, e)
			}
		}
		spec = spec[:i]
	}
	drop := func() {
		if _, ok := w.drops[at.File]; !ok {
			w.dropFiles = append(w.dropFiles, at.File)
		}
		addr := strconv.Itoa(start)
		if end > start {
			addr += "," + strconv.Itoa(end)
		}
		w.drops[at.File] = append(w.drops[at.File], addr)
	}
	// pip reads a path in a requirements file relative to where it runs, not to the file.
	target := path.Join(w.dir, spec)
	if path.IsAbs(spec) || target == ".." || strings.HasPrefix(target, "../") {
		drop()
		w.notes = append(w.notes, fmt.Sprintf("%s: %s is outside the project: not installed (the build and the container see only the project)", at, line))
		return nil
	}
	if w.p.IsFile(target) {
		if !contains(w.files, target) {
			w.files = append(w.files, target)
		}
		return nil
	}
	if !w.p.IsDir(target) {
		return &Error{File: at.File, Line: at.Line,
			Msg: fmt.Sprintf("%s: no such file or folder in the project (%s; pip reads it relative to %s): fix the line", line, target, pyWhere(w.dir))}
	}
	drop()
	lp := localProject{dir: path.Clean(target), extras: extras, at: at, line: line}
	if lp.dir == "." {
		lp.dir = ""
	}
	pp := &pyproject{}
	if f := rel(lp.dir, "pyproject.toml"); w.p.IsFile(f) {
		if err := readTOML(w.p, f, pp); err != nil {
			return err
		}
		if pp.Project != nil && !contains(pp.Project.Dynamic, "dependencies") {
			lp.manifest = f
		}
	}
	if f := rel(lp.dir, "setup.cfg"); lp.manifest == "" && setupCfgRequires(w.p.Text(f)) {
		lp.manifest = f
	}
	for _, o := range w.projects {
		if o.dir == lp.dir {
			return nil
		}
	}
	w.projects = append(w.projects, lp)
	return nil
}

func pyWhere(dir string) string {
	if dir == "" {
		return "the project root"
	}
	return dir + "/"
}

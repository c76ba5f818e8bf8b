package detect

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

var (
	pythonReleases = lines("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15")
	pythonDefault  = release{3, 13}
)

var pythonManifests = []string{"pyproject.toml", "setup.py", "setup.cfg", "Pipfile", "uv.lock", "poetry.lock", "pdm.lock"}

func pythonPresent(p *Probe, dir string) bool {
	for _, f := range pythonManifests {
		if p.IsFile(rel(dir, f)) {
			return true
		}
	}
	return len(requirementsFiles(p, dir)) > 0
}

// pythonRequirementsOnly reports whether dir shows Python by requirements files alone:
// no project manifest and no lock.
func pythonRequirementsOnly(p *Probe, dir string) bool {
	for _, f := range pythonManifests {
		if p.IsFile(rel(dir, f)) {
			return false
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
		UV struct {
			Workspace *struct {
				Members []string `toml:"members"`
				Exclude []string `toml:"exclude"`
			} `toml:"workspace"`
		} `toml:"uv"`
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
	vcsTools(p, st)
	return st, nil
}

// vcsTools adds the version-control tools pip runs for requirements like
// "pkg @ git+https://..." or "-e git+https://...": the slim Python images have none.
func vcsTools(p *Probe, st *Stack) {
	tools := []struct{ scheme, pkg string }{{"git+", "git"}, {"hg+", "mercurial"}, {"svn+", "subversion"}, {"bzr+", "bzr"}}
	for _, g := range st.Groups {
		for _, f := range g.Files {
			text := p.Text(f)
			for _, t := range tools {
				if strings.Contains(text, t.scheme) && !contains(st.Packages, t.pkg) {
					st.Packages = append(st.Packages, t.pkg)
					st.Chose = append(st.Chose, fmt.Sprintf("%s, for the %s requirements in %s", t.pkg, strings.TrimSuffix(t.scheme, "+"), f))
				}
			}
		}
	}
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
		// The folder's name is quoted on its own: a quote or a $ in it is a character of
		// the path, not of the command.
		r := relFrom(dir, d)
		in := `"$PWD"`
		if r != "." {
			in = `"$PWD"/` + shellQuote(r)
		}
		entries = append(entries, in)
		shown = append(shown, "/"+strings.TrimSuffix(rel(d, ""), "/"))
		if p.IsDir(rel(d, "src")) {
			entries = append(entries, `"$PWD"/`+shellQuote(path.Join(r, "src")))
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

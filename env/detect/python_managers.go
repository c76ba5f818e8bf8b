package detect

import (
	"fmt"
	"path"
	"strings"
)

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
	// group installs files with install and says what it found and chose.
	group := func(files []string, install, chose string) {
		st.Groups = []Group{{Files: files, Install: []string{inDir(dir, install)}}}
		st.Found = append(st.Found, st.Manager+": "+strings.Join(files, ", "))
		if chose != "" {
			st.Chose = append(st.Chose, chose)
		}
	}
	switch {
	case has("uv.lock"):
		tool("uv", "")
		files := []string{pyproj, rel(dir, "uv.lock")}
		used(files...)
		members, err := uvWorkspaceMembers(p, dir, pp, st)
		if err != nil {
			return err
		}
		for _, m := range members {
			files = append(files, rel(m, "pyproject.toml"))
			mp := &pyproject{}
			if err := readTOML(p, rel(m, "pyproject.toml"), mp); err != nil {
				return err
			}
			// uv sync installs a member as an editable package: here it is imported from
			// the working tree instead.
			if projectIsPackage(p, m, mp) {
				pthDirs = append(pthDirs, m)
			}
		}
		// uv exports the lock and pip installs it into the image's Python: `uv sync` would
		// make a .venv in the project folder, which the mounted working tree hides.
		group(files, exportThenPip("uv", "uv export --frozen --no-hashes --no-emit-workspace --format requirements-txt -o"),
			"uv.lock exported (uv's default groups, no extras) and installed with pip into the image's Python, without the project itself")
		st.Left = append(st.Left, "`uv run` and `uv sync` make a .venv of their own in the project folder: run the tools directly (pytest, python -m ...)")
	case has("poetry.lock"):
		tool("poetry", "/root/.cache/pypoetry")
		files := []string{pyproj, rel(dir, "poetry.lock")}
		used(files...)
		group(files, poetryInstall, "poetry install --no-root into the image's Python (no virtualenv): the lock's default and non-optional groups")
		st.Left = append(st.Left, "poetry reads its sources from pyproject.toml ([[tool.poetry.source]]), not from PIP_INDEX_URL")
	case has("pdm.lock"):
		tool("pdm", "/root/.cache/pdm")
		files := []string{pyproj, rel(dir, "pdm.lock")}
		used(files...)
		group(files, exportThenPip("pdm", "pdm export --format requirements --without-hashes --output"),
			"pdm.lock exported (default and dev groups) and installed with pip into the image's Python, without the project itself")
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
		group(files, install, "")
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
		group([]string{pyproj}, poetryInstall, "")
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

// uvWorkspaceMembers are the folders [tool.uv.workspace] members names (globs expand
// one folder level per segment), less exclude: uv reads every member's pyproject.toml
// even to export a frozen lock, so each goes into the build. A member named without a
// glob and without a pyproject.toml is an error at its line, as it is for uv.
func uvWorkspaceMembers(p *Probe, dir string, pp *pyproject, st *Stack) ([]string, error) {
	ws := pp.Tool.UV.Workspace
	if ws == nil {
		return nil, nil
	}
	file := rel(dir, "pyproject.toml")
	excluded := map[string]bool{}
	for _, e := range ws.Exclude {
		for _, d := range p.GlobDirs(dir, e) {
			excluded[d] = true
		}
	}
	var members []string
	for _, m := range ws.Members {
		found := p.GlobManifests(dir, m, "pyproject.toml")
		if len(found) == 0 && !strings.ContainsAny(m, "*?[") {
			line := p.LineOf(file, `"`+m+`"`)
			if line == 0 {
				line = p.LineOf(file, m)
			}
			return nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("uv workspace member %s has no pyproject.toml: create it, or remove %q from members", rel(dir, m), m)}
		}
		for _, d := range found {
			if !excluded[d] && d != dir && !contains(members, d) {
				members = append(members, d)
			}
		}
	}
	if len(members) > 0 {
		noun := "members"
		if len(members) == 1 {
			noun = "member"
		}
		st.Found = append(st.Found, fmt.Sprintf("uv workspace of %d %s (%s): %s", len(members), noun,
			Source{File: file, Line: tomlKeyLine(p.Text(file), "tool.uv.workspace", "members")}, strings.Join(members, ", ")))
	}
	return members, nil
}

// exportThenPip installs a lock through the tool that reads it: the tool writes the
// locked requirements (export, ending in its output flag), and pip installs them into
// the image's Python, where the mounted tree cannot hide them as it would a .venv.
func exportThenPip(tool, export string) string {
	const reqs = "/tmp/devenv-requirements.txt"
	return "pip install " + tool + " && " + export + " " + reqs + " && pip install -r " + reqs + " && rm " + reqs
}

// poetryInstall installs what Poetry resolves into the image's Python: no virtualenv,
// which the mounted tree would hide, and not the project itself, which it imports from.
const poetryInstall = "pip install poetry && POETRY_VIRTUALENVS_CREATE=false poetry install --no-root --no-interaction"

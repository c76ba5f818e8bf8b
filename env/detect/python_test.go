package detect

import (
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestPythonVersionSources(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // Version.String()
		base  string
	}{
		{".python-version", map[string]string{".python-version": "# pyenv\n3.11.4\n", "pyproject.toml": "[project]\nrequires-python = \">=3.12\"\n"},
			"3.11.4 (from .python-version:2)", "python:3.11-slim"},
		{".tool-versions", map[string]string{".tool-versions": "nodejs 22\npython 3.10.2\n", "requirements.txt": ""},
			"3.10.2 (from .tool-versions:2)", "python:3.10-slim"},
		{"requires-python", map[string]string{"pyproject.toml": "[project]\nname = \"x\"\nrequires-python = \">=3.10,<3.12\"\n"},
			"3.11 (from pyproject.toml:3)", "python:3.11-slim"},
		{"poetry python", map[string]string{"pyproject.toml": "[tool.poetry]\nname = \"x\"\n\n[tool.poetry.dependencies]\nrequests = \"^2\"\npython = \">=3.9,<3.11\"\n"},
			"3.10 (from pyproject.toml:6)", "python:3.10-slim"},
		{"poetry caret allows the default", map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\npython = \"^3.10\"\n"},
			"3.13 (from pyproject.toml:2)", "python:3.13-slim"},
		{"poetry python as a table", map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\npython = { version = \"~=3.9.0\" }\n"},
			"3.9 (from pyproject.toml:2)", "python:3.9-slim"},
		{"Pipfile python_version", map[string]string{"Pipfile": "[packages]\nflask = \"*\"\n\n[requires]\npython_version = \"3.10\"\n"},
			"3.10 (from Pipfile:5)", "python:3.10-slim"},
		{"Pipfile python_full_version", map[string]string{"Pipfile": "[requires]\npython_version = \"3.10\"\npython_full_version = \"3.12.1\"\n"},
			"3.12.1 (from Pipfile:3)", "python:3.12-slim"},
		{"requires-python before Pipfile", map[string]string{"Pipfile": "[requires]\npython_version = \"3.10\"\n", "pyproject.toml": "[project]\nrequires-python = \"==3.12.*\"\n"},
			"3.12 (from pyproject.toml:2)", "python:3.12-slim"},
		{"none", map[string]string{"requirements.txt": ""}, "3.13 (devenv's default)", "python:3.13-slim"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, tt.files), "python")
			if err != nil {
				t.Fatal(err)
			}
			if st.Version.String() != tt.want || st.Base != tt.base {
				t.Errorf("version %q base %q, want %q %q", st.Version, st.Base, tt.want, tt.base)
			}
		})
	}
}

// pth is the command that writes the .pth file for the given entries.
func pth(entries string) string {
	return `site=$(python3 -c 'import sysconfig; print(sysconfig.get_path("purelib"))') && mkdir -p "$site" && printf '%s\n' ` + entries + ` > "$site/devenv-project.pth"`
}

func snippet(file string, args ...string) string {
	cmd := "python3 -c " + shellQuote(projectSnippet) + " " + file
	for _, a := range args {
		cmd += " " + a
	}
	return cmd + " >> /tmp/devenv-requirements.txt"
}

func TestPythonManagers(t *testing.T) {
	const pyproj = "[project]\nname = \"app\"\ndependencies = [\"flask\"]\n[build-system]\nrequires = [\"setuptools\"]\n"
	tests := []struct {
		name    string
		files   map[string]string
		manager string
		groups  []Group
		found   string // a line of Found that must be there, "" for none
		chose   string
		left    string
	}{
		{"requirements files only: no project to import", map[string]string{"requirements.txt": "flask\n", "requirements-dev.txt": "-r requirements.txt\npytest\n"},
			"pip", []Group{{Files: []string{"requirements-dev.txt", "requirements.txt"}, Install: []string{"pip install -r requirements-dev.txt -r requirements.txt"}}},
			"requirements: requirements-dev.txt, requirements.txt", "", ""},
		{"nested -r and -c in other folders, relative to the including file", map[string]string{
			"requirements.txt":          "-r requirements/dev.txt\n",
			"requirements/dev.txt":      "--requirement=base.txt # the app's own\n-c ../constraints/pins.txt\npytest\n",
			"requirements/base.txt":     "-r base.txt\nflask\n", // a loop is read once
			"constraints/pins.txt":      "flask<3\n",
			"requirements/unrelated.md": "",
		}, "pip", []Group{{Files: []string{"requirements.txt", "requirements/dev.txt", "requirements/base.txt", "constraints/pins.txt"}, Install: []string{"pip install -r requirements.txt"}}},
			"requirements: requirements.txt (and what they include: requirements/dev.txt, requirements/base.txt, constraints/pins.txt)", "", ""},
		{"a requirements folder without requirements.txt", map[string]string{"requirements/base.txt": "flask\n", "requirements/dev.txt": "-r base.txt\npytest\n"},
			"pip", []Group{{Files: []string{"requirements/base.txt", "requirements/dev.txt"}, Install: []string{"pip install -r requirements/base.txt -r requirements/dev.txt"}}},
			"", "", ""},
		{"-e .[dev] with a src layout: dependencies cached, the project from the tree", map[string]string{
			"requirements.txt": "flask\n-e .[dev]   # the project\n", "pyproject.toml": pyproj, "src/app/__init__.py": "",
		}, "pip", []Group{{Files: []string{"requirements.txt", "pyproject.toml"}, Install: []string{
			"sed -i 2d requirements.txt && " + snippet("pyproject.toml", "extra:dev") + " && pip install -r requirements.txt -r /tmp/devenv-requirements.txt && rm /tmp/devenv-requirements.txt",
			pth(`"$PWD" "$PWD"/src`),
		}}}, "", `requirements.txt:2 "-e .[dev]": its requirements installed from pyproject.toml with extras dev`,
			"the project's console scripts are not installed and importlib.metadata does not know it: run `pip install --user -e .` in the shell if you need them"},
		{"local folders and a wheel in a nested file", map[string]string{
			"requirements.txt":                 "-r reqs/local.txt\n",
			"reqs/local.txt":                   "./libs/foo[x]\n--editable \\\n  libs/bar\nfile:./libs/baz\n./wheels/w-1.0-py3-none-any.whl\n",
			"libs/foo/pyproject.toml":          "[project]\nname = \"foo\"\ndependencies = [\"attrs\"]\n",
			"libs/bar/setup.py":                "",
			"libs/baz/setup.cfg":               "[options]\ninstall_requires =\n    six\n",
			"wheels/w-1.0-py3-none-any.whl":    "",
			"libs/foo/src/foo/__init__.py":     "",
			"libs/bar/bar/__init__.py":         "",
			"libs/baz/baz/__init__.py":         "",
			"requirements/ignored-because.txt": "",
		}, "pip", []Group{{Files: []string{"requirements.txt", "reqs/local.txt", "wheels/w-1.0-py3-none-any.whl", "libs/foo/pyproject.toml", "libs/baz/setup.cfg"}, Install: []string{
			"sed -i '1d;2,3d;4d' reqs/local.txt && " + snippet("libs/foo/pyproject.toml", "extra:x") + " && " + snippet("libs/baz/setup.cfg") +
				" && pip install -r requirements.txt -r /tmp/devenv-requirements.txt && rm /tmp/devenv-requirements.txt",
			pth(`"$PWD"/libs/foo "$PWD"/libs/foo/src "$PWD"/libs/bar "$PWD"/libs/baz`),
		}}}, "", "", `reqs/local.txt:2 "--editable libs/bar": its own requirements are not installed (no [project] dependencies or setup.cfg install_requires to read them from)`},
		{"pyproject alone: dependencies, development extras and groups", map[string]string{
			"pyproject.toml": "[project]\nname = \"app\"\ndependencies = [\"flask\"]\n[project.optional-dependencies]\ntest = [\"pytest\"]\ndocs = [\"sphinx\"]\n" +
				"[dependency-groups]\ndev = [\"ruff\"]\nci = [\"tox\"]\n",
			"app/__init__.py": "",
		}, "pip", []Group{{Files: []string{"pyproject.toml"}, Install: []string{
			strings.TrimSuffix(snippet("pyproject.toml", "extra:test", "group:dev"), " >> /tmp/devenv-requirements.txt") +
				" >> /tmp/devenv-requirements.txt && pip install -r /tmp/devenv-requirements.txt && rm /tmp/devenv-requirements.txt",
			pth(`"$PWD"`),
		}}}, "pyproject.toml: 1 dependencies at pyproject.toml:3",
			"[project] dependencies installed from pyproject.toml in the build, with the development extras test and groups dev (named dev, test, tests or testing)",
			"extras not installed: docs; add install = [...] to devenv.toml to choose them"},
		{"uv.lock comes first", map[string]string{"pyproject.toml": pyproj, "uv.lock": "", "poetry.lock": "", "requirements.txt": ""},
			"uv", []Group{{Files: []string{"pyproject.toml", "uv.lock"}, Install: []string{
				"pip install uv && uv export --frozen --no-hashes --no-emit-workspace --format requirements-txt -o /tmp/devenv-requirements.txt && pip install -r /tmp/devenv-requirements.txt && rm /tmp/devenv-requirements.txt",
				pth(`"$PWD"`),
			}}}, "also poetry.lock, requirements.txt: not used, uv.lock comes first (uv.lock > poetry.lock > pdm.lock > Pipfile.lock > requirements files > pyproject.toml)", "", ""},
		{"poetry.lock", map[string]string{"pyproject.toml": "[tool.poetry]\nname = \"x\"\npackage-mode = false\n", "poetry.lock": "", "requirements.txt": ""},
			"poetry", []Group{{Files: []string{"pyproject.toml", "poetry.lock"}, Install: []string{"pip install poetry && POETRY_VIRTUALENVS_CREATE=false poetry install --no-root --no-interaction"}}},
			"poetry: pyproject.toml, poetry.lock", "poetry installed with pip in the build (PyPI or your PIP_INDEX_URL)", ""},
		{"poetry without a lock", map[string]string{"pyproject.toml": "[tool.poetry]\nname = \"x\"\npackage-mode = false\n[tool.poetry.dependencies]\nrequests = \"^2\"\n"},
			"poetry", []Group{{Files: []string{"pyproject.toml"}, Install: []string{"pip install poetry && POETRY_VIRTUALENVS_CREATE=false poetry install --no-root --no-interaction"}}},
			"", "", "no poetry.lock: poetry resolves at every build; commit a poetry.lock"},
		{"pdm.lock", map[string]string{"pyproject.toml": "", "pdm.lock": "", "Pipfile.lock": ""},
			"pdm", []Group{{Files: []string{"pyproject.toml", "pdm.lock"}, Install: []string{
				"pip install pdm && pdm export --format requirements --without-hashes --output /tmp/devenv-requirements.txt && pip install -r /tmp/devenv-requirements.txt && rm /tmp/devenv-requirements.txt"}}},
			"also Pipfile.lock: not used, pdm.lock comes first (uv.lock > poetry.lock > pdm.lock > Pipfile.lock > requirements files > pyproject.toml)", "", ""},
		{"Pipfile.lock", map[string]string{"Pipfile": "", "Pipfile.lock": "{}", "requirements.txt": ""},
			"pipenv", []Group{{Files: []string{"Pipfile", "Pipfile.lock"}, Install: []string{"pip install pipenv && pipenv install --system --deploy --dev"}}},
			"pipenv: Pipfile, Pipfile.lock", "", ""},
		{"Pipfile without a lock", map[string]string{"Pipfile": ""},
			"pipenv", []Group{{Files: []string{"Pipfile"}, Install: []string{"pip install pipenv && pipenv install --system --dev"}}},
			"", "", "no Pipfile.lock: pipenv locks at every build; commit a Pipfile.lock"},
		{"setup.cfg install_requires", map[string]string{"setup.cfg": "[metadata]\nname = app\n[options]\ninstall_requires =\n    flask\n[options.extras_require]\ntesting = pytest\nall = app[testing]\n", "setup.py": ""},
			"pip", []Group{{Files: []string{"setup.cfg"}, Install: []string{
				strings.TrimSuffix(snippet("setup.cfg", "extra:testing"), " >> /tmp/devenv-requirements.txt") +
					" >> /tmp/devenv-requirements.txt && pip install -r /tmp/devenv-requirements.txt && rm /tmp/devenv-requirements.txt",
				pth(`"$PWD"`),
			}}}, "setup.cfg: [options] install_requires at setup.cfg:4", "", ""},
		{"setup.py alone", map[string]string{"setup.py": "from setuptools import setup\nsetup()\n"},
			"pip", []Group{{Files: []string{"setup.py"}, Install: []string{pth(`"$PWD"`)}}}, "setup.py: setup.py", "",
			"setup.py: its requirements are known only by running it with the source, which the build does not see: list them in a requirements file, or run `pip install --user -e .` in the shell (kept only as long as that container)"},
		{"setup.cfg of tools only is no package", map[string]string{"setup.cfg": "[flake8]\nmax-line-length = 100\n", "requirements.txt": "flask\n"},
			"pip", []Group{{Files: []string{"requirements.txt"}, Install: []string{"pip install -r requirements.txt"}}}, "", "", ""},
		{"a stack in a sub folder", map[string]string{"api/requirements.txt": "-r ../common/base.txt\n-e .\n", "common/base.txt": "flask\n", "api/setup.py": ""},
			"pip", []Group{{Files: []string{"api/requirements.txt", "common/base.txt"}, Install: []string{
				"cd api && sed -i 2d requirements.txt && pip install -r requirements.txt",
				"cd api && " + pth(`"$PWD"`),
			}}}, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, tt.files), "python")
			if err != nil {
				t.Fatal(err)
			}
			if st.Manager != tt.manager {
				t.Errorf("Manager = %q, want %q", st.Manager, tt.manager)
			}
			if len(st.Groups) != len(tt.groups) {
				t.Fatalf("Groups = %#v\nwant %#v", st.Groups, tt.groups)
			}
			for i, g := range st.Groups {
				if !slices.Equal(g.Files, tt.groups[i].Files) {
					t.Errorf("Files = %q\nwant %q", g.Files, tt.groups[i].Files)
				}
				if !slices.Equal(g.Install, tt.groups[i].Install) {
					t.Errorf("Install =\n%s\nwant\n%s", strings.Join(g.Install, "\n"), strings.Join(tt.groups[i].Install, "\n"))
				}
			}
			for _, want := range []struct {
				what string
				list []string
				line string
			}{{"Found", st.Found, tt.found}, {"Chose", st.Chose, tt.chose}, {"Left", st.Left, tt.left}} {
				if want.line != "" && !slices.Contains(want.list, want.line) {
					t.Errorf("%s = %q\nwant a line %q", want.what, want.list, want.line)
				}
			}
		})
	}
}

func TestPythonBadManifests(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"nested -r missing", map[string]string{"requirements.txt": "flask\n\n-r requirements/base.txt\n"},
			"requirements.txt:3: -r requirements/base.txt: no such file (requirements/base.txt, relative to requirements.txt): create it, or fix the line"},
		{"nested -c missing, deeper", map[string]string{"requirements.txt": "-r reqs/dev.txt\n", "reqs/dev.txt": "pytest\n--constraint ../pins.txt\n"},
			"reqs/dev.txt:2: --constraint ../pins.txt: no such file (pins.txt, relative to reqs/dev.txt): create it, or fix the line"},
		{"-r outside the project", map[string]string{"requirements.txt": "-r ../../shared.txt\n"},
			"requirements.txt:1: -r ../../shared.txt is outside the project, and the build sees only the project's files: move the file into the project"},
		{"-r without a file", map[string]string{"requirements.txt": "-r\n"},
			"requirements.txt:1: -r names no file: give the file it includes, or remove the line"},
		{"a local folder that is not there", map[string]string{"requirements.txt": "flask\n-e ./libs/gone\n"},
			"requirements.txt:2: -e ./libs/gone: no such file or folder in the project (libs/gone; pip reads it relative to the project root): fix the line"},
		{"pyproject.toml that does not parse", map[string]string{"pyproject.toml": "[project]\nname = \"x\"\ndependencies = [\"a\",\n"},
			"pyproject.toml:3: not valid TOML"},
		{"a local project whose pyproject.toml does not parse", map[string]string{"requirements.txt": "-e ./lib\n", "lib/pyproject.toml": "[project\n"},
			"lib/pyproject.toml:1: not valid TOML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			for _, run := range []func() error{
				func() error { _, err := Detect(root); return err },
				func() error { _, err := Resolve(root, "python"); return err },
			} {
				err := run()
				var de *Error
				if !errors.As(err, &de) || !strings.HasPrefix(err.Error(), tt.want) {
					t.Errorf("error %v, want a *detect.Error starting %q", err, tt.want)
				}
			}
		})
	}
}

// TestProjectSnippet runs the build's requirement reader on this machine's Python.
func TestProjectSnippet(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on this machine")
	}
	root := writeTree(t, map[string]string{
		"pyproject.toml": `[project]
name = "My_App"
dependencies = ["flask>=3", "click"]
[project.optional-dependencies]
test = ["pytest", "my-app[cov]"]
cov = ["coverage", "my-app[test]"]
docs = ["sphinx"]
[dependency-groups]
dev = ["ruff", {include-group = "typing"}, "click"]
typing = ["mypy", {include-group = "dev"}]
`,
		"setup.cfg": "[metadata]\nname = app\n[options]\ninstall_requires =\n    requests>=2  # http\n    six; python_version<\"3\"\n[options.extras_require]\nTesting =\n    pytest\n",
	})
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"pyproject.toml", "extra:test", "group:dev"}, "flask>=3\nclick\npytest\ncoverage\nruff\nmypy"},
		{[]string{"pyproject.toml"}, "flask>=3\nclick"},
		{[]string{"setup.cfg", "extra:testing"}, "requests>=2\nsix; python_version<\"3\"\npytest"},
	} {
		out, err := exec.Command(py, append([]string{"-c", projectSnippet, filepath.Join(root, tt.args[0])}, tt.args[1:]...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v: %s", tt.args, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != tt.want {
			t.Errorf("%v printed\n%s\nwant\n%s", tt.args, got, tt.want)
		}
	}
}

func TestPythonVCSRequirementsBringTheirTool(t *testing.T) {
	root := writeTree(t, map[string]string{
		"requirements.txt":      "-r requirements/base.txt\n",
		"requirements/base.txt": "kombu @ git+https://github.com/celery/kombu.git\nrequests\n",
	})
	st, err := Resolve(root, "python")
	if err != nil {
		t.Fatal(err)
	}
	if !contains(st.Packages, "git") {
		t.Errorf("packages %v lack git for a git+ requirement", st.Packages)
	}
}

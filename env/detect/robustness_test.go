package detect

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// A UTF-8 byte order mark, as Windows editors write it, is not part of the version or
// of the JSON: npm and the version managers read past it, and so does devenv.
func TestByteOrderMarkIsIgnored(t *testing.T) {
	const bom = "\ufeff"
	tests := []struct {
		files     map[string]string
		want, img string
	}{
		{map[string]string{"requirements.txt": "flask\n", ".python-version": bom + "3.12\r\n"}, "3.12", "python:3.12-slim"},
		{map[string]string{"package.json": "{}", ".nvmrc": bom + "22\n"}, "22", "node:22-bookworm-slim"},
		{map[string]string{"package.json": bom + `{"engines": {"node": "22"}}`}, "22", "node:22-bookworm-slim"},
		{map[string]string{"go.mod": "module x\n", ".tool-versions": bom + "golang 1.24\r\n"}, "1.24", "golang:1.24-bookworm"},
		{map[string]string{"Cargo.toml": "[package]\nname = \"x\"\n", "rust-toolchain": bom + "1.80\n"}, "1.80", "rust:1.80-slim-bookworm"},
		{map[string]string{"Gemfile": "source 'https://rubygems.org'\n", ".ruby-version": bom + "3.3\n"}, "3.3", "ruby:3.3-slim"},
		{map[string]string{"composer.json": "{}", ".php-version": bom + "8.2\n"}, "8.2", "php:8.2-cli"},
	}
	for _, tt := range tests {
		res, err := Detect(writeTree(t, tt.files))
		if err != nil {
			t.Errorf("%v: %v", tt.files, err)
			continue
		}
		if len(res.Stacks) == 0 {
			t.Errorf("%v: no stack", tt.files)
			continue
		}
		st := res.Stacks[0]
		if st.Version.Value != tt.want || st.Base != tt.img || st.VersionErr != nil {
			t.Errorf("%v: version %q, base %s, err %v; want %s, %s", tt.files, st.Version.Value, st.Base, st.VersionErr, tt.want, tt.img)
		}
	}
}

// A folder whose name holds a quote or a $ reaches the .pth command as one word.
func TestPthCommandQuotesFolders(t *testing.T) {
	root := writeTree(t, map[string]string{
		"requirements.txt":                 "-e ./libs/a\"b$(id)\nflask\n",
		"libs/a\"b$(id)/pyproject.toml":    "[project]\nname = \"y\"\ndependencies = [\"b\"]\n",
		"libs/a\"b$(id)/src/y/__init__.py": "",
	})
	res, err := Detect(root)
	if err != nil {
		t.Fatal(err)
	}
	var cmd string
	for _, c := range res.Stacks[0].Groups[0].Install {
		if strings.Contains(c, "devenv-project.pth") {
			cmd = c
		}
	}
	if cmd == "" {
		t.Fatalf("no .pth command in %q", res.Stacks[0].Groups[0].Install)
	}
	// Run the printf part with a stand-in python3 and see the lines it writes.
	sh := "PWD=/w; python3() { echo /tmp/site; }; " + strings.Replace(cmd, `> "$site/devenv-project.pth"`, "", 1)
	out, err := exec.Command("sh", "-c", sh).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	want := "/w/libs/a\"b$(id)\n/w/libs/a\"b$(id)/src\n"
	if string(out) != want {
		t.Errorf(".pth lines %q, want %q (command %s)", out, want, cmd)
	}
}

// A package.json that is valid JSON but not an object names the file, not an empty field.
func TestManifestThatIsNotAnObject(t *testing.T) {
	for _, f := range []string{"package.json", "composer.json"} {
		_, err := Detect(writeTree(t, map[string]string{f: "[1, 2]\n"}))
		var de *Error
		if !errors.As(err, &de) || strings.HasPrefix(de.Msg, " ") || !strings.Contains(de.Msg, "must be a JSON object") {
			t.Errorf("%s: error %v, want one saying the file must be an object", f, err)
		}
	}
}

// A uv workspace (full-stack-fastapi-template: a root pyproject.toml with members =
// ["backend"] and no [project]) is loaded member by member even by `uv export --frozen`:
// each member's pyproject.toml goes into the build, and a member named but missing is an
// error at its line.
func TestUVWorkspaceMembers(t *testing.T) {
	root := writeTree(t, map[string]string{
		"pyproject.toml":          "[dependency-groups]\ndev = [\"ruff\"]\n\n[tool.uv.workspace]\nmembers = [\"backend\", \"libs/*\"]\nexclude = [\"libs/old\"]\n",
		"uv.lock":                 "",
		"backend/pyproject.toml":  "[project]\nname = \"app\"\ndependencies = [\"fastapi\"]\n[build-system]\nrequires = [\"hatchling\"]\n",
		"backend/app/__init__.py": "",
		"libs/a/pyproject.toml":   "[project]\nname = \"a\"\n",
		"libs/old/pyproject.toml": "[project]\nname = \"old\"\n",
		"libs/notes/README.md":    "",
	})
	res, err := Detect(root)
	if err != nil {
		t.Fatal(err)
	}
	st := res.Stacks[0]
	want := []string{"pyproject.toml", "uv.lock", "backend/pyproject.toml", "libs/a/pyproject.toml"}
	if got := st.Groups[0].Files; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files %q, want %q", got, want)
	}
	if !strings.Contains(strings.Join(st.Found, "\n"), "uv workspace of 2 members (pyproject.toml:5): backend, libs/a") {
		t.Errorf("found %q, want the workspace named", st.Found)
	}

	root = writeTree(t, map[string]string{
		"pyproject.toml": "[tool.uv.workspace]\nmembers = [\n  \"backend\",\n]\n",
		"uv.lock":        "",
	})
	_, err = Detect(root)
	var de *Error
	if !errors.As(err, &de) || de.File != "pyproject.toml" || de.Line != 3 || !strings.Contains(de.Msg, "backend") {
		t.Errorf("error %v, want pyproject.toml:3 naming backend", err)
	}
}

// A requirements file alone is a Python project's manifest when nothing else is there
// (healthchecks), but next to another stack's manifest it lists that project's tools
// (otel-go: go.mod and a requirements.txt of codespell): the other stack is the base.
func TestRequirementsAloneBesideAnotherStackIsTooling(t *testing.T) {
	tests := []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"go.mod": "module x\ngo 1.25\n", "requirements.txt": "codespell==2.4.3\n"}, "go python"},
		{map[string]string{"Cargo.toml": "[package]\nname = \"x\"\n", "requirements/docs.txt": "mkdocs\n"}, "rust python"},
		{map[string]string{"requirements.txt": "django\n", "package.json": "{}"}, "python node"},
		{map[string]string{"requirements.txt": "django\n"}, "python"},
		{map[string]string{"go.mod": "module x\n", "requirements.txt": "x\n", "pyproject.toml": "[project]\nname = \"x\"\n"}, "python go"},
	}
	for _, tt := range tests {
		res, err := Detect(writeTree(t, tt.files))
		if err != nil {
			t.Fatal(err)
		}
		if got := stackNames(res); got != tt.want {
			t.Errorf("%v: stacks %q, want %q", tt.files, got, tt.want)
		}
	}
}

package detect

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func stackNames(r *Result) string {
	var out []string
	for _, s := range r.Stacks {
		n := s.Name
		if s.Dir != "" {
			n += "@" + s.Dir
		}
		out = append(out, n)
	}
	return strings.Join(out, " ")
}

func TestDetectStacksWhereTheyAre(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"nothing", map[string]string{"README.md": ""}, ""},
		{"python back end, node front end", map[string]string{"requirements.txt": "", "frontend/package.json": "{}"}, "python node@frontend"},
		{"both at the root: python first", map[string]string{"pyproject.toml": "", "package.json": "{}"}, "python node"},
		{"one of each kind: the root's wins", map[string]string{"package.json": "{}", "web/package.json": "{}"}, "node"},
		{"dependencies and fixtures are not stacks", map[string]string{
			"node_modules/x/package.json": "{}", "vendor/go.mod": "module x\n", "examples/package.json": "{}",
			"docs/requirements.txt": "", ".github/package.json": "{}", "target/Cargo.toml": "",
		}, ""},
		{"beside a root stack, only application folders count", map[string]string{"CMakeLists.txt": "", "src/a.cpp": "", "support/build.gradle": "", "api/go.mod": "module x\n"}, "cpp go@api"},
		{"with no root stack, any folder", map[string]string{"complete/pom.xml": "<project/>", "initial/pom.xml": "<project/>"}, "java@complete"},
		{"node is the base only when alone", map[string]string{"Gemfile": "", "package.json": "{}"}, "ruby node"},
		{"second-level folders are not read", map[string]string{"a/b/go.mod": "module x\n"}, ""},
		{"stacks only in sub folders", map[string]string{"api/go.mod": "module x\ngo 1.25\n", "web/package.json": "{}"}, "go@api node@web"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Detect(writeTree(t, tt.files))
			if err != nil {
				t.Fatal(err)
			}
			if got := stackNames(res); got != tt.want {
				t.Errorf("stacks %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDetectSubfolderStackInstallsThere(t *testing.T) {
	res, err := Detect(writeTree(t, map[string]string{"requirements.txt": "", "web/package.json": "{}", "web/package-lock.json": "{}"}))
	if err != nil {
		t.Fatal(err)
	}
	node := res.Stacks[1]
	if len(node.Groups) != 1 || strings.Join(node.Groups[0].Files, " ") != "web/package.json web/package-lock.json" {
		t.Fatalf("node groups %+v", node.Groups)
	}
	if cmd := node.Groups[0].Install[0]; !strings.HasPrefix(cmd, "cd web && npm ci") {
		t.Errorf("install %q does not run in web/", cmd)
	}
}

func TestDetectNotesExistingEnvironments(t *testing.T) {
	res, err := Detect(writeTree(t, map[string]string{"Dockerfile": "FROM x\n", "compose.yaml": "", ".devcontainer/devcontainer.json": "{}"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Notes, " "); got != ".devcontainer/devcontainer.json Dockerfile compose.yaml" {
		t.Errorf("notes %q", got)
	}
}

func TestDetectBadManifestNamesFileAndLine(t *testing.T) {
	_, err := Detect(writeTree(t, map[string]string{"package.json": "{\n  \"name\": \"x\",\n  \"version\": 1.0.0\n}\n"}))
	var de *Error
	if !errors.As(err, &de) || de.File != "package.json" || de.Line != 3 {
		t.Fatalf("error %v, want package.json line 3", err)
	}
	if !strings.Contains(err.Error(), "package.json:3: not valid JSON") {
		t.Errorf("message %q", err)
	}
}

func TestResolveGivesDefaultsWithoutFiles(t *testing.T) {
	root := writeTree(t, nil)
	for _, name := range Names() {
		st, err := Resolve(root, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if st.Name != name || st.Base == "" {
			t.Errorf("%s: got %q base %q", name, st.Name, st.Base)
		}
	}
	if _, err := Resolve(root, "cobol"); err == nil {
		t.Error("an unknown stack resolves")
	}
}

func TestVersionStrings(t *testing.T) {
	v := Version{Value: "3.12", Source: Source{File: ".python-version", Line: 1}}
	if v.String() != "3.12 (from .python-version:1)" {
		t.Errorf("%q", v.String())
	}
	if d := (Version{Value: "24"}).String(); d != "24 (devenv's default)" {
		t.Errorf("%q", d)
	}
}

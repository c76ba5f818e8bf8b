package detect

import (
	"errors"
	"strings"
	"testing"
)

func TestGoVersionPicksTheImage(t *testing.T) {
	tests := []struct {
		name      string
		files     map[string]string
		base, src string
	}{
		{"go line", map[string]string{"go.mod": "module x\n\ngo 1.25.0\n"}, "golang:1.25-bookworm", "go.mod:3"},
		{"toolchain line wins", map[string]string{"go.mod": "module x\n\ngo 1.25.0\n\ntoolchain go1.26.1\n"}, "golang:1.26-bookworm", "go.mod:5"},
		{"go.work before go.mod", map[string]string{"go.work": "go 1.24\n\nuse .\n", "go.mod": "module x\n\ngo 1.25.0\n"}, "golang:1.24-bookworm", "go.work:1"},
		{"no go line: the default", map[string]string{"go.mod": "module x\n"}, "golang:1.26-bookworm", "devenv's default"},
		{".tool-versions", map[string]string{"go.mod": "module x\n", ".tool-versions": "golang 1.23.4\n"}, "golang:1.23-bookworm", ".tool-versions:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, tt.files), "go")
			if err != nil {
				t.Fatal(err)
			}
			if st.VersionErr != nil {
				t.Fatalf("version error: %v", st.VersionErr)
			}
			if st.Base != tt.base || st.Version.Source.String() != tt.src {
				t.Errorf("base %s from %s, want %s from %s", st.Base, st.Version.Source, tt.base, tt.src)
			}
		})
	}
}

func TestGoVersionNobodyPublishes(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{"go.mod": "module x\n\ngo 1.99\n"}), "go")
	if err != nil {
		t.Fatal(err)
	}
	var de *Error
	if !errors.As(st.VersionErr, &de) || de.File != "go.mod" || de.Line != 3 {
		t.Fatalf("version error %v, want one at go.mod:3", st.VersionErr)
	}
	if !strings.Contains(de.Msg, "1.99") || !strings.Contains(de.Msg, "base") {
		t.Errorf("message %q should name the version and the way out", de.Msg)
	}
	if st.Base != "golang:1.26-bookworm" {
		t.Errorf("base %s, want the default", st.Base)
	}
}

func TestGoModuleWithoutDependencies(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{"go.mod": "module x\n\ngo 1.25.0\n", "main.go": "package main\n"}), "go")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Groups) != 1 {
		t.Fatalf("groups %+v", st.Groups)
	}
	// go.sum is listed but optional; the download folder is made before it is copied.
	cmd := st.Groups[0].Install[0]
	if !strings.Contains(cmd, `mkdir -p "$GOPATH/pkg/mod/cache/download" && cp -Rn`) {
		t.Errorf("install %q does not make the download folder first", cmd)
	}
}

func TestGoWorkspaceMembers(t *testing.T) {
	root := writeTree(t, map[string]string{
		"go.work":    "go 1.25.0\n\nuse (\n\t./api // the server\n\t\"./lib\"\n)\n\nuse ./tools/gen\n",
		"api/go.mod": "module a\n", "api/go.sum": "", "lib/go.mod": "module l\n", "tools/gen/go.mod": "module g\n",
	})
	st, err := Resolve(root, "go")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Groups) != 1 {
		t.Fatalf("groups %+v", st.Groups)
	}
	want := "go.work go.work.sum api/go.mod api/go.sum lib/go.mod lib/go.sum tools/gen/go.mod tools/gen/go.sum"
	if got := strings.Join(st.Groups[0].Files, " "); got != want {
		t.Errorf("files %q, want %q", got, want)
	}
	cmd := st.Groups[0].Install[0]
	if !strings.Contains(cmd, "else go mod download -x; fi") || !strings.Contains(cmd, "for m in ./api ./lib ./tools/gen;") {
		t.Errorf("install %q: want one download for the workspace, per member under GOWORK=off", cmd)
	}
	if st.Version.Source.String() != "go.work:1" {
		t.Errorf("version from %s, want go.work:1", st.Version.Source)
	}
}

func TestGoWorkspaceInSubfolder(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{
		"backend/go.work": "go 1.25.0\nuse .\nuse ./svc\n", "backend/go.mod": "module b\n", "backend/svc/go.mod": "module s\n",
	}), "go")
	if err != nil {
		t.Fatal(err)
	}
	want := "backend/go.work backend/go.work.sum backend/go.mod backend/go.sum backend/svc/go.mod backend/svc/go.sum"
	if got := strings.Join(st.Groups[0].Files, " "); got != want {
		t.Errorf("files %q, want %q", got, want)
	}
	if cmd := st.Groups[0].Install[0]; !strings.HasPrefix(cmd, "cd backend && ") || !strings.Contains(cmd, "for m in . ./svc;") {
		t.Errorf("install %q", cmd)
	}
}

func TestGoWorkspaceBadUse(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		line  int
		msg   string
	}{
		{"missing folder", map[string]string{"go.work": "go 1.25.0\n\nuse (\n\t./a\n\t./gone\n)\n", "a/go.mod": "module a\n"}, 5, "folder gone does not exist"},
		{"folder without go.mod", map[string]string{"go.work": "go 1.25.0\nuse ./a\n", "a/x.go": ""}, 2, "a has no go.mod"},
		{"outside the project", map[string]string{"go.work": "go 1.25.0\nuse ../elsewhere\n"}, 2, "outside the project"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Detect(writeTree(t, tt.files))
			var de *Error
			if !errors.As(err, &de) || de.File != "go.work" || de.Line != tt.line || !strings.Contains(de.Msg, tt.msg) {
				t.Fatalf("error %v, want go.work:%d: ...%s...", err, tt.line, tt.msg)
			}
		})
	}
}

func TestGoVendorNeedsNoDownload(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{
		"go.mod": "module x\n\ngo 1.25.0\n\nrequire github.com/google/uuid v1.6.0\n", "go.sum": "",
		"vendor/modules.txt": "# github.com/google/uuid v1.6.0\n## explicit\ngithub.com/google/uuid\n",
	}), "go")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Groups) != 0 {
		t.Errorf("groups %+v, want no download step", st.Groups)
	}
	for _, c := range st.Caches {
		if c == goProxyCache {
			t.Errorf("caches %v keep the module cache", st.Caches)
		}
	}
	if !strings.Contains(strings.Join(st.Chose, "\n"), "no download step") {
		t.Errorf("chose %q does not say why nothing is downloaded", st.Chose)
	}
}

func TestGoCgoBindingsGetTheirLibraries(t *testing.T) {
	root := writeTree(t, map[string]string{
		"go.mod":             "module x\n\ngo 1.25.0\n\nrequire github.com/seccomp/libseccomp-golang v0.10.0\n",
		"vendor/modules.txt": "# github.com/seccomp/libseccomp-golang v0.10.0\n## explicit\ngithub.com/seccomp/libseccomp-golang\n",
	})
	st, err := Resolve(root, "go")
	if err != nil {
		t.Fatal(err)
	}
	if !contains(st.Packages, "libseccomp-dev") {
		t.Errorf("packages %v lack libseccomp-dev", st.Packages)
	}
	plain, err := Resolve(writeTree(t, map[string]string{"go.mod": "module x\n\nrequire github.com/google/uuid v1.6.0\n"}), "go")
	if err != nil || len(plain.Packages) != 0 {
		t.Errorf("a module without cgo bindings gets packages %v (%v)", plain.Packages, err)
	}
}

func TestGoLocalReplacementsGoIntoTheBuild(t *testing.T) {
	root := writeTree(t, map[string]string{
		"go.mod": "module example.com/a\n\ngo 1.25.0\n\nrequire example.com/metric v1.0.0\n\n" +
			"replace (\n\texample.com/metric => ./metric\n\texample.com/far => ../far\n\texample.com/pinned => example.com/fork v1.2.3\n)\n",
		"go.sum":           "",
		"metric/go.mod":    "module example.com/metric\n",
		"metric/go.sum":    "",
		"metric/metric.go": "package metric\n",
	})
	st, err := Resolve(root, "go")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(st.Groups[0].Files, " "); got != "go.mod go.sum metric/go.mod metric/go.sum" {
		t.Errorf("files %q", got)
	}
	if left := strings.Join(st.Left, "\n"); !strings.Contains(left, "go.mod:9 replaces example.com/far with ../far, outside the project") {
		t.Errorf("left %q does not name the replacement outside the project", left)
	}
	// A replacement folder without go.mod is named at its line.
	bad := writeTree(t, map[string]string{"go.mod": "module a\n\nreplace b => ./b\n", "b/x.go": "package b\n"})
	if _, err := Resolve(bad, "go"); err == nil || !strings.Contains(err.Error(), "go.mod:3: replace b => ./b: b has no go.mod") {
		t.Errorf("error %v", err)
	}
	// A go.mod that does not parse is placed too.
	if _, err := Resolve(writeTree(t, map[string]string{"go.mod": "module a\n\nrequire (\n"}), "go"); err == nil || !strings.Contains(err.Error(), "go.mod:") {
		t.Errorf("error %v", err)
	}
}

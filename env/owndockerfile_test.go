package env

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const ownToml = "name = \"own\"\ndockerfile = \"Dockerfile\"\n"

func ownFiles() map[string]string {
	return map[string]string{
		"Dockerfile":        "FROM debian:bookworm\nRUN apt-get update && apt-get install -y jq\nCOPY app.py /app/\nUSER nobody\nENTRYPOINT [\"python3\"]\n",
		"app.py":            "print('hi')\n",
		"src/lib.py":        "x = 1\n",
		"node_modules/a.js": "big\n",
		"logs/keep.log":     "kept by an exception\n",
		"logs/drop.log":     "dropped\n",
		".dockerignore":     "# dependencies are installed by the Dockerfile\nnode_modules\nlogs\n!logs/keep.log\nDockerfile\n",
	}
}

func TestOwnDockerfileBaseAndRender(t *testing.T) {
	s := mustResolve(t, ownToml+"packages = [\"git\"]\n", ownFiles(), testHost)
	if s.OwnDockerfile == nil {
		t.Fatal("no OwnDockerfile")
	}
	if want := "devenv/own-dockerfile:" + s.OwnDockerfile.Sum; s.Base != want {
		t.Errorf("base = %q, want %q", s.Base, want)
	}
	if s.OwnDockerfile.Context != "." {
		t.Errorf("context = %q, want the Dockerfile's folder", s.OwnDockerfile.Context)
	}
	df, err := Render(s, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	// The user's USER and ENTRYPOINT are reset right after FROM, then devenv's layers:
	// packages on top, and the host user last.
	for _, want := range []string{"FROM " + s.Base + "\n", "\nUSER root\nENTRYPOINT []\n", "WORKDIR /workspace", "'git'", "uid=1000 gid=1000"} {
		if !strings.Contains(df, want) && !strings.Contains(df, strings.Trim(want, "'")) {
			t.Errorf("Dockerfile lacks %q:\n%s", want, df)
		}
	}
	if i, j := strings.Index(df, "ENTRYPOINT []"), strings.Index(df, "uid=1000"); i < 0 || j < i {
		t.Errorf("the host user must come after the reset:\n%s", df)
	}
}

func TestOwnDockerfileSumFollowsContext(t *testing.T) {
	cfg := newProject(t, ownToml, ownFiles())
	root := filepath.Dir(cfg)
	sum := func() *OwnDockerfile {
		t.Helper()
		s, err := resolveErr(t, cfg, testHost)
		if err != nil {
			t.Fatal(err)
		}
		return s.OwnDockerfile
	}
	first := sum()
	if first.Files != 4 { // app.py, src/lib.py, logs/keep.log, .dockerignore; never devenv.toml
		t.Errorf("context sends %d files, want 4", first.Files)
	}
	edit := func(name, text string) { writeFiles(t, root, map[string]string{name: text}) }

	// Ignored files do not count: the image would not change.
	edit("node_modules/a.js", "bigger\n")
	edit("logs/drop.log", "more\n")
	edit(ConfigFile, ownToml+"# a comment\n")
	if got := sum(); got.Sum != first.Sum {
		t.Errorf("editing ignored files changed the sum")
	}
	// A source file in the context does: COPY takes it into the image.
	edit("src/lib.py", "x = 2\n")
	second := sum()
	if second.Sum == first.Sum || second.ContextSum == first.ContextSum || second.DockerfileSum != first.DockerfileSum {
		t.Errorf("editing src/lib.py: sums %+v -> %+v", first, second)
	}
	// The exception to an ignored folder counts too.
	edit("logs/keep.log", "changed\n")
	third := sum()
	if third.Sum == second.Sum {
		t.Errorf("editing logs/keep.log (an exception in .dockerignore) did not change the sum")
	}
	// The Dockerfile counts on its own, even though .dockerignore names it.
	edit("Dockerfile", ownFiles()["Dockerfile"]+"RUN true\n")
	fourth := sum()
	if fourth.Sum == third.Sum || fourth.DockerfileSum == third.DockerfileSum || fourth.ContextSum != third.ContextSum {
		t.Errorf("editing the Dockerfile: sums %+v -> %+v", third, fourth)
	}
	// A rename is a change.
	if err := os.Rename(filepath.Join(root, "app.py"), filepath.Join(root, "main.py")); err != nil {
		t.Fatal(err)
	}
	if sum().Sum == fourth.Sum {
		t.Errorf("renaming app.py did not change the sum")
	}
}

func TestOwnDockerfileContextTar(t *testing.T) {
	s := mustResolve(t, ownToml, ownFiles(), testHost)
	var buf bytes.Buffer
	if err := s.OwnDockerfile.writeContext(&buf, s.Root); err != nil {
		t.Fatal(err)
	}
	got := tarNames(t, &buf)
	// logs/ itself is excluded, its exception is not: docker build sends the same.
	want := []string{".dockerignore", "Dockerfile", "app.py", "logs/keep.log", "src/", "src/lib.py"}
	if !slices.Equal(got, want) {
		t.Errorf("context holds %q, want %q", got, want)
	}
}

func TestOwnDockerfileOutsideContext(t *testing.T) {
	files := map[string]string{
		".devcontainer/Dockerfile": "FROM debian:bookworm\nCOPY web/index.html /srv/\n",
		"web/index.html":           "<p>hi</p>\n",
		"README.md":                "not sent\n",
	}
	s := mustResolve(t, "name = \"own\"\ndockerfile = \".devcontainer/Dockerfile\"\ncontext = \"web\"\n", files, testHost)
	o := s.OwnDockerfile
	if o.Context != "web" || o.dockerfileIn() != ownDockerfileIn {
		t.Fatalf("context %q, Dockerfile sent as %q", o.Context, o.dockerfileIn())
	}
	var buf bytes.Buffer
	if err := o.writeContext(&buf, s.Root); err != nil {
		t.Fatal(err)
	}
	if got, want := tarNames(t, &buf), []string{ownDockerfileIn, "index.html"}; !slices.Equal(got, want) {
		t.Errorf("context holds %q, want %q", got, want)
	}
	// The Dockerfile's own folder is the default context.
	s = mustResolve(t, "name = \"own\"\ndockerfile = \".devcontainer/Dockerfile\"\n", files, testHost)
	if s.OwnDockerfile.Context != ".devcontainer" || s.OwnDockerfile.dockerfileIn() != "Dockerfile" {
		t.Errorf("default context %q, Dockerfile sent as %q", s.OwnDockerfile.Context, s.OwnDockerfile.dockerfileIn())
	}
}

func TestOwnDockerfileInputs(t *testing.T) {
	s := mustResolve(t, ownToml, ownFiles(), testHost)
	df, err := Render(s, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	before, err := inputDigests(s, df)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, s.Root, map[string]string{"Dockerfile": "FROM debian:bookworm\nRUN true\n"})
	s2, err := resolveErr(t, s.ConfigPath, testHost)
	if err != nil {
		t.Fatal(err)
	}
	df2, _ := Render(s2, RenderOptions{BuildKit: true})
	after, err := inputDigests(s2, df2)
	if err != nil {
		t.Fatal(err)
	}
	// Only the Dockerfile changed: status names it, not devenv.toml nor the base tag.
	changes := diffInputs(before, after)
	if len(changes) != 1 || changes[0].Input != "Dockerfile" {
		t.Errorf("changes = %v, want only the Dockerfile", changes)
	}
	if _, ok := after["context ./"]; !ok {
		t.Errorf("inputs %v do not name the context", after)
	}
}

func TestOwnDockerfileErrors(t *testing.T) {
	tests := []struct {
		name, toml string
		want       []string
	}{
		{"template", "name = \"own\"\ntemplate = \"python\"\ndockerfile = \"Dockerfile\"\n", []string{"devenv.toml:2:1", "template does not apply with dockerfile"}},
		{"base", "name = \"own\"\nbase = \"debian:bookworm\"\ndockerfile = \"Dockerfile\"\n", []string{":2:", "base does not apply with dockerfile"}},
		{"image", "name = \"own\"\nimage = \"r.example/x:1\"\ndockerfile = \"Dockerfile\"\n", []string{"image does not apply with dockerfile"}},
		{"missing", "name = \"own\"\ndockerfile = \"Dockerfile.dev\"\n", []string{":2:", `dockerfile "Dockerfile.dev" is not a file`}},
		{"outside", "name = \"own\"\ndockerfile = \"../Dockerfile\"\n", []string{"must be a path inside the project"}},
		{"context alone", "name = \"own\"\ncontext = \".\"\n", []string{"set dockerfile = \"Dockerfile\" too"}},
		{"context missing", "name = \"own\"\ndockerfile = \"Dockerfile\"\ncontext = \"nope\"\n", []string{`context "nope" is not a folder`}},
		{"bad ignore", "name = \"own\"\ndockerfile = \"Dockerfile\"\n", []string{".dockerignore"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"Dockerfile": "FROM debian:bookworm\n"}
			if tt.name == "bad ignore" {
				files[".dockerignore"] = "!\n"
			}
			_, err := resolveErr(t, newProject(t, tt.toml, files), testHost)
			wantErr(t, err, tt.want...)
		})
	}
	// generic is no toolchain: it goes with dockerfile.
	mustResolve(t, "name = \"own\"\ntemplate = \"generic\"\ndockerfile = \"Dockerfile\"\n", map[string]string{"Dockerfile": "FROM debian:bookworm\n"}, testHost)
}

func tarNames(t *testing.T, r io.Reader) []string {
	t.Helper()
	tr := tar.NewReader(r)
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	slices.Sort(names)
	return names
}

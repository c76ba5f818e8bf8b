package env

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestResolveTemplateDefaults(t *testing.T) {
	// Downloads go through a cache-mount module proxy, so a new module is the only download.
	const goInstall = `export GOPROXY="file:///root/.cache/devenv-goproxy,${GOPROXY:-https://proxy.golang.org,direct}" && go mod download -x && mkdir -p "$GOPATH/pkg/mod/cache/download" && cp -Rn "$GOPATH/pkg/mod/cache/download/." /root/.cache/devenv-goproxy/ && chmod -R a+rwX "$GOPATH"`
	const npmMove = "rm -rf /node_modules && mv node_modules /node_modules"
	tests := []struct {
		name     string
		template string
		files    map[string]string
		base     string
		caches   []string
		groups   []Group
	}{
		{"python without requirements", "python", nil, "python:3.13-slim", []string{"/root/.cache/pip"}, nil},
		{"python requirements", "python", map[string]string{"requirements.txt": "flask\n", "requirements-dev.txt": "pytest\n", "setup.cfg": ""},
			"python:3.13-slim", []string{"/root/.cache/pip"}, []Group{
				// One group: requirements-dev.txt may start with -r requirements.txt.
				{Files: []string{"requirements-dev.txt", "requirements.txt"}, Install: []string{"pip install -r requirements-dev.txt -r requirements.txt"}},
			}},
		{"node package.json only", "node", map[string]string{"package.json": "{}"},
			"node:24-bookworm-slim", []string{"/root/.npm", "/root/.cache/yarn", "/root/.local/share/pnpm/store"}, []Group{
				{Files: []string{"package.json"}, Install: []string{"npm install && " + npmMove}},
			}},
		{"node npm", "node", map[string]string{"package.json": "{}", "package-lock.json": "{}"},
			"node:24-bookworm-slim", []string{"/root/.npm", "/root/.cache/yarn", "/root/.local/share/pnpm/store"}, []Group{
				{Files: []string{"package-lock.json", "package.json"}, Install: []string{"npm ci && " + npmMove}},
			}},
		{"node yarn", "node", map[string]string{"package.json": "{}", "yarn.lock": ""},
			"node:24-bookworm-slim", []string{"/root/.npm", "/root/.cache/yarn", "/root/.local/share/pnpm/store"}, []Group{
				{Files: []string{"package.json", "yarn.lock"}, Install: []string{"{ command -v yarn >/dev/null 2>&1 || npm install -g --silent yarn@1; } && yarn install --frozen-lockfile && " + npmMove}},
			}},
		{"node pnpm", "node", map[string]string{"package.json": "{}", "pnpm-lock.yaml": ""},
			"node:24-bookworm-slim", []string{"/root/.npm", "/root/.cache/yarn", "/root/.local/share/pnpm/store"}, []Group{
				{Files: []string{"package.json", "pnpm-lock.yaml"}, Install: []string{"corepack enable && pnpm install --frozen-lockfile && " + npmMove}},
			}},
		{"node pnpm wins over yarn and npm", "node", map[string]string{"package.json": "{}", "pnpm-lock.yaml": "", "yarn.lock": "", "package-lock.json": ""},
			"node:24-bookworm-slim", []string{"/root/.npm", "/root/.cache/yarn", "/root/.local/share/pnpm/store"}, []Group{
				{Files: []string{"package.json", "pnpm-lock.yaml"}, Install: []string{"corepack enable && pnpm install --frozen-lockfile && " + npmMove}},
			}},
		{"node yarn wins over npm", "node", map[string]string{"package.json": "{}", "yarn.lock": "", "package-lock.json": ""},
			"node:24-bookworm-slim", []string{"/root/.npm", "/root/.cache/yarn", "/root/.local/share/pnpm/store"}, []Group{
				{Files: []string{"package.json", "yarn.lock"}, Install: []string{"{ command -v yarn >/dev/null 2>&1 || npm install -g --silent yarn@1; } && yarn install --frozen-lockfile && " + npmMove}},
			}},
		{"node without package.json", "node", nil, "node:24-bookworm-slim", []string{"/root/.npm", "/root/.cache/yarn", "/root/.local/share/pnpm/store"}, nil},
		{"go", "go", map[string]string{"go.mod": "module x\n", "go.sum": ""}, "golang:1.26-bookworm", []string{"/root/.cache/go-build", "/root/.cache/devenv-goproxy"}, []Group{
			{Files: []string{"go.mod", "go.sum"}, Install: []string{goInstall}},
		}},
		{"go without go.sum", "go", map[string]string{"go.mod": "module x\n"}, "golang:1.26-bookworm", []string{"/root/.cache/go-build", "/root/.cache/devenv-goproxy"}, []Group{
			{Files: []string{"go.mod"}, Install: []string{goInstall}},
		}},
		{"rust", "rust", map[string]string{"Cargo.toml": "", "Cargo.lock": ""}, "rust:1-slim-bookworm", nil, []Group{
			{Files: []string{"Cargo.lock", "Cargo.toml"}, Install: []string{`cargo fetch && chmod -R a+rwX "$CARGO_HOME"`}},
		}},
		{"ruby", "ruby", map[string]string{"Gemfile": "", "Gemfile.lock": ""}, "ruby:3.4-slim", []string{"/root/.bundle/cache"}, []Group{
			{Files: []string{"Gemfile", "Gemfile.lock"}, Install: []string{"BUNDLE_FROZEN=true bundle install"}},
		}},
		{"generic", "generic", map[string]string{"package.json": "{}", "go.mod": ""}, "debian:bookworm", nil, nil},
		{"no template is generic", "", map[string]string{"requirements.txt": ""}, "debian:bookworm", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := ""
			if tt.template != "" {
				src = "template = \"" + tt.template + "\"\n"
			}
			s := mustResolve(t, src, tt.files, testHost)
			wantTemplate := tt.template
			if wantTemplate == "" {
				wantTemplate = "generic"
			}
			if s.Template != wantTemplate || s.Base != tt.base {
				t.Errorf("template %q base %q, want %q %q", s.Template, s.Base, wantTemplate, tt.base)
			}
			if !slices.Equal(s.Caches, tt.caches) {
				t.Errorf("Caches = %q, want %q", s.Caches, tt.caches)
			}
			if !groupsEqual(s.Groups, tt.groups) {
				t.Errorf("Groups = %+v\nwant %+v", s.Groups, tt.groups)
			}
			if s.Workdir != "/workspace" {
				t.Errorf("Workdir = %q, want /workspace", s.Workdir)
			}
			if s.Name != "proj" {
				t.Errorf("Name = %q, want the directory's name", s.Name)
			}
		})
	}
}

func groupsEqual(a, b []Group) bool {
	return slices.EqualFunc(a, b, func(x, y Group) bool {
		return slices.Equal(x.Files, y.Files) && slices.Equal(x.Install, y.Install)
	})
}

func TestResolveExplicitValuesBeatDefaults(t *testing.T) {
	src := `template = "python"
name = "my-app"
base = "python:3.11"
workdir = "/src/app"
shell = "bash -l"
caches = []
packages = ["git", "libpq-dev"]
setup = ["echo one", "echo two"]
pass_env = ["GITHUB_TOKEN"]
ports = ["8000:8000", "127.0.0.1:5432:5432/tcp"]

[env]
DEBUG = "1"
`
	s := mustResolve(t, src, map[string]string{"requirements.txt": ""}, testHost)
	if s.Name != "my-app" || s.Base != "python:3.11" || s.Workdir != "/src/app" {
		t.Errorf("explicit strings not kept: %+v", s)
	}
	if !slices.Equal(s.Shell, []string{"bash", "-l"}) {
		t.Errorf("Shell = %q", s.Shell)
	}
	if len(s.Caches) != 0 {
		t.Errorf("caches = [] must remove the template's caches, got %q", s.Caches)
	}
	if !slices.Equal(s.Packages, []string{"git", "libpq-dev"}) || !slices.Equal(s.Setup, []string{"echo one", "echo two"}) {
		t.Errorf("Packages %q Setup %q", s.Packages, s.Setup)
	}
	if s.Env["DEBUG"] != "1" || !slices.Equal(s.PassEnv, []string{"GITHUB_TOKEN"}) || len(s.Ports) != 2 {
		t.Errorf("Env %q PassEnv %q Ports %q", s.Env, s.PassEnv, s.Ports)
	}
	if len(s.Groups) != 1 {
		t.Errorf("template groups still apply when dependencies are not set: %+v", s.Groups)
	}
}

// TestResolveShellWords: shell is split into words as a POSIX shell splits them, with
// nothing expanded: quotes keep a word whole.
func TestResolveShellWords(t *testing.T) {
	tests := []struct {
		shell string
		want  []string
	}{
		{"bash -l", []string{"bash", "-l"}},
		{"bash -c 'a b'", []string{"bash", "-c", "a b"}},
		{`zsh -c "echo \"hi there\""`, []string{"zsh", "-c", `echo "hi there"`}},
		{"fish --init-command 'set -x A $HOME'", []string{"fish", "--init-command", "set -x A $HOME"}},
	}
	for _, tt := range tests {
		s := mustResolve(t, "shell = "+strconv.Quote(tt.shell)+"\n", nil, testHost)
		if !slices.Equal(s.Shell, tt.want) {
			t.Errorf("shell = %s: argv %q, want %q", tt.shell, s.Shell, tt.want)
		}
	}
}

func TestResolveDefaultShellAndName(t *testing.T) {
	root := filepath.Join(t.TempDir(), "My Project_X")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(root, ConfigFile)
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := resolveErr(t, cfg, testHost)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "my-project-x" {
		t.Errorf("Name = %q, want my-project-x", s.Name)
	}
	if len(s.Shell) != 3 || s.Shell[0] != "/bin/sh" || !strings.Contains(s.Shell[2], "exec bash") {
		t.Errorf("default shell = %q", s.Shell)
	}
	if s.Root != root || s.ConfigPath != cfg {
		t.Errorf("Root %s ConfigPath %s", s.Root, s.ConfigPath)
	}
}

func TestNameFromDir(t *testing.T) {
	for dir, want := range map[string]string{
		"/x/app":        "app",
		"/x/My App":     "my-app",
		"/x/--weird__":  "weird",
		"/x/ÜberTool 2": "bertool-2",
		"/x/...":        "project",
	} {
		if got := nameFromDir(dir); got != want {
			t.Errorf("nameFromDir(%q) = %q, want %q", dir, got, want)
		}
	}
}

func TestResolveInstallWithoutDependencies(t *testing.T) {
	t.Run("replaces the template's commands after its files", func(t *testing.T) {
		s := mustResolve(t, "template = \"node\"\ninstall = [\"npm ci --ignore-scripts\"]\n",
			map[string]string{"package.json": "{}", "package-lock.json": "{}"}, testHost)
		want := []Group{{Files: []string{"package-lock.json", "package.json"}, Install: []string{"npm ci --ignore-scripts"}}}
		if !groupsEqual(s.Groups, want) {
			t.Errorf("Groups = %+v, want %+v", s.Groups, want)
		}
	})
	t.Run("runs alone when the template has no files", func(t *testing.T) {
		s := mustResolve(t, "install = \"make deps\"\n", nil, testHost)
		want := []Group{{Install: []string{"make deps"}}}
		if !groupsEqual(s.Groups, want) {
			t.Errorf("Groups = %+v, want %+v", s.Groups, want)
		}
	})
	t.Run("empty install removes the template's group", func(t *testing.T) {
		s := mustResolve(t, "template = \"go\"\ninstall = []\n", map[string]string{"go.mod": ""}, testHost)
		if len(s.Groups) != 0 {
			t.Errorf("Groups = %+v, want none", s.Groups)
		}
	})
}

func TestResolveDependencies(t *testing.T) {
	files := map[string]string{
		"requirements.txt":          "",
		"constraints/base.txt":      "",
		"constraints/dev.txt":       "",
		"web/package.json":          "{}",
		"web/package-lock.json":     "{}",
		"web/nested/deep/extra.txt": "",
	}
	src := `template = "python"
install = "pip install -r requirements.txt"
dependencies = [
  "requirements.txt",
  "constraints/*.txt",
  "requirements.txt",      # listed twice: copied once
  "*.lock",                # a glob matching nothing is fine
  "./web/nested/../nested/deep/extra.txt",
  { files = ["web/package.json", "web/package-lock.json"], install = ["cd web && npm ci"] },
]
`
	s := mustResolve(t, src, files, testHost)
	want := []Group{
		{Files: []string{"constraints/base.txt", "constraints/dev.txt", "requirements.txt", "web/nested/deep/extra.txt"}, Install: []string{"pip install -r requirements.txt"}},
		{Files: []string{"web/package-lock.json", "web/package.json"}, Install: []string{"cd web && npm ci"}},
	}
	if !groupsEqual(s.Groups, want) {
		t.Errorf("Groups = %+v\nwant %+v", s.Groups, want)
	}
}

func TestResolveGlobMatchingNothing(t *testing.T) {
	s := mustResolve(t, "dependencies = [\"*.lock\", \"vendor/*.whl\"]\n", nil, testHost)
	for _, g := range s.Groups {
		if len(g.Files) != 0 {
			t.Errorf("a glob matching nothing copied %q", g.Files)
		}
	}
}

func TestResolveDependencyInsideThroughSymlink(t *testing.T) {
	cfg := newProject(t, "dependencies = [\"link.txt\"]\n", map[string]string{"real/target.txt": "x"})
	root := filepath.Dir(cfg)
	if err := os.Symlink(filepath.Join("real", "target.txt"), filepath.Join(root, "link.txt")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	s, err := resolveErr(t, cfg, testHost)
	if err != nil {
		t.Fatalf("a symlink to a file inside the project is refused: %v", err)
	}
	if !slices.Equal(s.Groups[0].Files, []string{"link.txt"}) {
		t.Errorf("Files = %q", s.Groups[0].Files)
	}
}

func TestResolveDependencyOutsideProject(t *testing.T) {
	tests := []struct {
		name string
		dep  string
		want string
	}{
		{"parent", "../secret.txt", `dependency "../secret.txt" is outside the project: list files under`},
		{"parent glob", "../*.txt", `dependency "../*.txt" is outside the project`},
		{"absolute", "/etc/passwd", `dependency "/etc/passwd" is outside the project`},
		{"climbs out", "sub/../../secret.txt", `dependency "sub/../../secret.txt" is outside the project`},
		{"just ..", "..", `dependency ".." is outside the project`},
		{"symlink to outside", "leak.txt", "dependency leak.txt points outside the project (to "},
		{"glob through symlinked dir", "linkdir/*.txt", "dependency linkdir/secret.txt points outside the project"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := newProject(t, "name = \"x\"\ndependencies = [\""+tt.dep+"\"]\n", map[string]string{"sub/a.txt": ""})
			root := filepath.Dir(cfg)
			outside := filepath.Dir(root)
			writeFiles(t, outside, map[string]string{"secret.txt": "secret"})
			if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(root, "leak.txt")); err != nil {
				t.Skip("no symlinks here:", err)
			}
			if err := os.Symlink(outside, filepath.Join(root, "linkdir")); err != nil {
				t.Skip("no symlinks here:", err)
			}
			_, err := resolveErr(t, cfg, testHost)
			wantErr(t, err, cfg+":2:1: ", tt.want)
		})
	}
}

func TestResolveDependencyFileProblems(t *testing.T) {
	tests := []struct {
		name  string
		deps  string
		files map[string]string
		want  string
	}{
		{"missing literal", `["requirements.txt"]`, nil,
			"dependency file requirements.txt does not exist in "},
		{"missing in group", `[{ files = ["web/package.json"], install = "npm ci" }]`, nil,
			"dependency file web/package.json does not exist in "},
		{"empty name", `[""]`, nil, "dependency file name is empty"},
		{"directory", `["web"]`, map[string]string{"web/package.json": ""},
			`dependency web is not a regular file: list files, not directories (a glob like "web/*.txt" works)`},
		{"glob matches a directory", `["*"]`, map[string]string{"web/package.json": ""},
			"is not a regular file"},
		{"dollar in name", `["a$b.txt"]`, map[string]string{"a$b.txt": ""},
			`dependency "a$b.txt" has a character devenv cannot copy safely`},
		{"quote in name", `["a\"b.txt"]`, map[string]string{`a"b.txt`: ""},
			`dependency "a\"b.txt" has a character devenv cannot copy safely`},
		{"malformed glob", `["[.txt"]`, nil, `dependency pattern "[.txt" is malformed`},
		{"empty install", `[{ files = ["a.txt"], install = [""] }]`, map[string]string{"a.txt": ""},
			`install command "" is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := newProject(t, "dependencies = "+tt.deps+"\n", tt.files)
			_, err := resolveErr(t, cfg, testHost)
			wantErr(t, err, cfg+":1:1: ", tt.want)
		})
	}
}

func TestResolveRejectsInvalidValues(t *testing.T) {
	tests := []struct {
		name string
		src  string // the bad line is the last line of the file
		want string
	}{
		{"unknown template", `template = "pyhton"`, `unknown template "pyhton" (did you mean "python"?)`},
		{"unknown template no suggestion", `template = "cobol"`, `unknown template "cobol": use one of python, go, rust, ruby, java, dotnet, php, node, cpp, generic`},
		{"name upper case", `name = "My App"`, `name "My App" must be lower-case letters, digits and single . _ - between them, like "my-app"`},
		{"name empty", `name = ""`, `name "" must be lower-case letters`},
		{"name double dash", `name = "a--b"`, `name "a--b" must be lower-case letters`},
		{"name too long", `name = "` + strings.Repeat("a", 101) + `"`, `must be lower-case letters`},
		{"base not a reference", `base = "not an image!"`, `base "not an image!" is not an image reference like "debian:bookworm" or "python:3.12-slim"`},
		{"base upper case", `base = "Debian:bookworm"`, `base "Debian:bookworm" is not an image reference`},
		{"base empty", `base = ""`, `base "" is not an image reference`},
		{"base with flag", `base = "--platform=linux/amd64 debian"`, `is not an image reference`},
		{"workdir relative", `workdir = "workspace"`, `workdir "workspace" must be an absolute path inside the container`},
		{"workdir root", `workdir = "/"`, `workdir "/" must be an absolute path`},
		{"workdir not clean", `workdir = "/a/../b"`, `workdir "/a/../b" must be an absolute path`},
		{"workdir trailing slash", `workdir = "/a/"`, `workdir "/a/" must be an absolute path`},
		{"workdir space", `workdir = "/my work"`, `workdir "/my work" must be an absolute path`},
		{"workdir variable", `workdir = "/$HOME"`, `workdir "/$HOME" must be an absolute path`},
		{"shell blank", `shell = "   "`, `shell is blank: name a program, like shell = "bash"`},
		{"shell unclosed quote", `shell = "bash -c 'a b"`, `shell "bash -c 'a b" cannot be split into words`},
		{"package with space", `packages = ["git curl"]`, `package "git curl" is not a package name: use letters, digits and .+_:~=/@- only`},
		{"package flag", `packages = ["-y"]`, `package "-y" is not a package name`},
		{"package shell", `packages = ["git;rm -rf /"]`, `package "git;rm -rf /" is not a package name`},
		{"package newline", `packages = ["git\nRUN evil"]`, `package "git\nRUN evil" is not a package name`},
		{"package empty", `packages = [""]`, `package "" is not a package name`},
		{"setup empty", `setup = ["echo", " "]`, `setup command " " is empty`},
		{"setup NUL", `setup = "echo \u0000"`, `setup command "echo \x00" holds a NUL character`},
		{"install empty", `install = ""`, `install command "" is empty`},
		{"cache relative", `caches = ["cache"]`, `cache "cache" must be an absolute directory in the container, like "/root/.cache/pip"`},
		{"cache root", `caches = ["/"]`, `cache "/" must be an absolute directory`},
		{"cache mount option", `caches = ["/c,target=/etc"]`, `cache "/c,target=/etc" must be an absolute directory`},
		{"cache space", `caches = ["/a b"]`, `cache "/a b" must be an absolute directory`},
		{"env name digit", "[env]\n1X = \"a\"", `[env] name "1X" must be letters, digits and _ and not start with a digit`},
		{"env name dash", "[env]\nA-B = \"a\"", `[env] name "A-B" must be letters, digits and _`},
		{"env name quoted space", "[env]\n\"A B\" = \"a\"", `[env] name "A B" must be letters`},
		{"env value newline", "[env]\nX = \"a\\nRUN evil\"", `[env] X holds a line break: environment values must be one line`},
		{"env value CR", "[env]\nX = \"a\\rb\"", `[env] X holds a line break`},
		{"env value multiline string", "[env]\nX = \"\"\"\na\nb\"\"\"", `[env] X holds a line break`},
		{"pass_env assignment", `pass_env = ["TOKEN=abc"]`, `pass_env name "TOKEN=abc" must be letters, digits and _ (a variable name, not NAME=value)`},
		{"pass_env digit", `pass_env = ["9LIVES"]`, `pass_env name "9LIVES" must be letters`},
		{"port word", `ports = ["http"]`, `ports: `},
		{"port too big", `ports = ["70000:80"]`, `(use docker -p syntax: "8000", "8080:80", "127.0.0.1:5432:5432/tcp")`},
		{"user name", `user = "nobody"`, `user "nobody" must be "host" (your own UID and GID), "root", or "UID:GID" like "1000:1000"`},
		{"user negative", `user = "-1"`, `user "-1" must be "host"`},
		{"user trailing colon", `user = "1000:"`, `user "1000:" must be "host"`},
		{"user three parts", `user = "1:2:3"`, `user "1:2:3" must be "host"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "# devenv.toml\n" + tt.src + "\n"
			cfg := newProject(t, src, nil)
			_, err := resolveErr(t, cfg, testHost)
			wantErr(t, err, tt.want)
			// The message points at the line that sets the value.
			line := strings.Count(strings.TrimSpace(src), "\n") + 1
			if tt.name == "env value multiline string" {
				line = 3
			}
			if err != nil && !strings.HasPrefix(err.Error(), cfg+":") {
				t.Errorf("error %q does not name the file", err)
			}
			if err != nil && !strings.Contains(err.Error(), ConfigFile+":"+strconv.Itoa(line)+":") {
				t.Errorf("error %q is not placed at line %d", err, line)
			}
		})
	}
}

func TestResolveUser(t *testing.T) {
	tests := []struct {
		name  string
		value string
		host  Host
		want  User
	}{
		{"host root", "host", Host{UID: 0, GID: 0, UserName: "root"}, User{UID: 0, GID: 0, Name: "root", Home: "/root"}},
		{"default is host", "", Host{UID: 1000, GID: 1000, UserName: "alice"}, User{UID: 1000, GID: 1000, Name: "alice", Home: "/home/alice"}},
		{"host name lower-cased", "host", Host{UID: 1000, GID: 100, UserName: "Alice"}, User{UID: 1000, GID: 100, Name: "alice", Home: "/home/alice"}},
		{"host name unusable", "host", Host{UID: 1000, GID: 1000, UserName: "Dev User"}, User{UID: 1000, GID: 1000, Name: "dev", Home: "/home/dev"}},
		{"host name empty", "host", Host{UID: 501, GID: 20}, User{UID: 501, GID: 20, Name: "dev", Home: "/home/dev"}},
		{"host name domain", "host", Host{UID: 1000, GID: 1000, UserName: `CORP\bob`}, User{UID: 1000, GID: 1000, Name: "dev", Home: "/home/dev"}},
		{"host without ids (windows)", "host", Host{UID: -1, GID: -1, UserName: "bob"}, User{Name: "root", Home: "/root"}},
		{"root", "root", Host{UID: 1000, GID: 1000, UserName: "alice"}, User{Name: "root", Home: "/root"}},
		{"uid:gid", "1000:1000", Host{UID: 0}, User{UID: 1000, GID: 1000, Name: "dev", Home: "/home/dev"}},
		{"uid:other gid", "1001:50", Host{UID: 0}, User{UID: 1001, GID: 50, Name: "dev", Home: "/home/dev"}},
		{"uid alone", "1234", Host{UID: 0}, User{UID: 1234, GID: 1234, Name: "dev", Home: "/home/dev"}},
		{"uid 0", "0:5", Host{UID: 1000}, User{UID: 0, GID: 5, Name: "root", Home: "/root"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := ""
			if tt.value != "" {
				src = "user = \"" + tt.value + "\"\n"
			}
			s := mustResolve(t, src, nil, tt.host)
			if s.User != tt.want {
				t.Errorf("User = %+v, want %+v", s.User, tt.want)
			}
			if s.User.IsRoot() != (tt.want.UID == 0) {
				t.Errorf("IsRoot = %v", s.User.IsRoot())
			}
		})
	}
}

func TestResolveUserOutOfRange(t *testing.T) {
	for _, v := range []string{"99999999999999999999", "4294967296:1", "1:4294967296"} {
		cfg := newProject(t, "user = \""+v+"\"\n", nil)
		_, err := resolveErr(t, cfg, testHost)
		wantErr(t, err, "user \""+v+"\"")
	}
}

func TestResolveTrustHostCA(t *testing.T) {
	withCA := Host{UID: 1000, GID: 1000, UserName: "dev", CABundle: "/etc/ssl/certs/ca-certificates.crt"}
	tests := []struct {
		src     string
		host    Host
		bundle  string
		missing bool
	}{
		{"", withCA, withCA.CABundle, false},
		{"trust_host_ca = true\n", withCA, withCA.CABundle, false},
		{"trust_host_ca = false\n", withCA, "", false},
		{"", testHost, "", true},
		{"trust_host_ca = false\n", testHost, "", false},
	}
	for _, tt := range tests {
		s := mustResolve(t, tt.src, nil, tt.host)
		if s.CABundle != tt.bundle || s.CAMissing != tt.missing {
			t.Errorf("%q with host bundle %q: CABundle %q CAMissing %v, want %q %v", tt.src, tt.host.CABundle, s.CABundle, s.CAMissing, tt.bundle, tt.missing)
		}
	}
}

func TestDetectTemplate(t *testing.T) {
	tests := []struct {
		files []string
		want  string
	}{
		{nil, "generic"},
		{[]string{"README.md", "LICENSE"}, "generic"},
		{[]string{"requirements.txt"}, "python"},
		{[]string{"requirements-dev.txt"}, "python"},
		{[]string{"pyproject.toml"}, "python"},
		{[]string{"setup.py"}, "python"},
		{[]string{"Pipfile"}, "python"},
		{[]string{"package.json"}, "node"},
		{[]string{"go.mod"}, "go"},
		{[]string{"Cargo.toml"}, "rust"},
		{[]string{"Gemfile"}, "ruby"},
		{[]string{"package.json", "pyproject.toml"}, "python"},
		{[]string{"go.mod", "package.json"}, "go"},
		{[]string{"Cargo.toml", "go.mod"}, "go"},
		{[]string{"Gemfile", "Cargo.toml"}, "rust"},
		{[]string{"web/package.json"}, "node"},
		{[]string{"docs/package.json"}, "generic"},
		{[]string{"node_modules/x/package.json"}, "generic"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.files, "+"), func(t *testing.T) {
			root := t.TempDir()
			files := map[string]string{}
			for _, f := range tt.files {
				files[f] = ""
				if strings.HasSuffix(f, "package.json") {
					files[f] = "{}"
				}
			}
			writeFiles(t, root, files)
			if got := DetectTemplate(root); got != tt.want {
				t.Errorf("DetectTemplate = %q, want %q", got, tt.want)
			}
		})
	}
}

// Every template's file, as init writes it, loads and resolves as it stands.
func TestInitTextResolves(t *testing.T) {
	for _, tmpl := range Templates {
		t.Run(tmpl, func(t *testing.T) {
			s := mustResolve(t, InitText("/x/proj", tmpl), nil, testHost)
			if s.Template != tmpl || s.Name != "proj" {
				t.Errorf("init text for %s resolves to template %q name %q", tmpl, s.Template, s.Name)
			}
		})
	}
}

// install names the commands that install the dependencies: when devenv.toml also
// lists dependencies with no bare file names for them to belong to, they must still
// run, or Resolve must say why not.
func TestResolveInstallIsNeverDropped(t *testing.T) {
	for _, src := range []string{
		"dependencies = []\ninstall = [\"make deps\"]\n",
		"dependencies = [{ files = [\"a.txt\"], install = [\"x\"] }]\ninstall = [\"make deps\"]\n",
	} {
		s, err := resolveErr(t, newProject(t, src, map[string]string{"a.txt": ""}), testHost)
		if err != nil {
			wantErr(t, err, "install")
			continue
		}
		found := false
		for _, g := range s.Groups {
			found = found || slices.Contains(g.Install, "make deps")
		}
		if !found {
			t.Errorf("%q: install command \"make deps\" is in no group: %+v", src, s.Groups)
		}
	}
}

// TestResolveErrorPositions: errors Resolve finds are placed at their key after a
// multi-line string, inside an inline table and in a dotted key.
func TestResolveErrorPositions(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"after a multi-line string", "setup = \"\"\"\nname = \"ok\"\n\"\"\"\nname = \"Bad Name\"\n",
			`:4:1: name "Bad Name" must be lower-case letters`},
		{"inside an inline table", "name = \"x\"\nenv = { OK = \"1\", \"1X\" = \"a\" }\n",
			`:2:19: [env] name "1X" must be letters, digits and _`},
		{"in a dotted key", "name = \"x\"\nservices.db.image = \"Not An Image\"\n",
			`:2:1: [services.db] image "Not An Image" is not an image reference`},
		{"a dotted service with no image", "name = \"x\"\nservices.db.ports = [\"5432\"]\n",
			`:2:1: [services.db] needs image = "postgres:16"`},
		{"in a service's inline env", "[services.db]\nimage = \"postgres\"\nenv = { \"A B\" = \"1\" }\n",
			`:3:9: [services.db] env name "A B" must be letters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := newProject(t, tt.src, nil)
			_, err := resolveErr(t, cfg, testHost)
			wantErr(t, err, cfg+tt.want)
		})
	}
}

// TestResolvePlacesErrorsInTheTextItWasGiven: while watch runs, devenv.toml may change
// between parsing and resolving; an error is placed in the text that was parsed, not
// in the file as it is by then.
func TestResolvePlacesErrorsInTheTextItWasGiven(t *testing.T) {
	parsed := "# the first version\n\nname = \"x\"\nbase = \"Not An Image\"\n"
	cfg := newProject(t, parsed, nil)
	c, err := ParseConfig(cfg, []byte(parsed))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("base = \"Not An Image\"\nname = \"x\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Resolve(c, testHost)
	wantErr(t, err, cfg+`:4:1: base "Not An Image" is not an image reference`)
	// Nor is the file needed at all.
	if err := os.Remove(cfg); err != nil {
		t.Fatal(err)
	}
	_, err = Resolve(c, testHost)
	wantErr(t, err, cfg+`:4:1: base "Not An Image"`)
}

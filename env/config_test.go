package env

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestFindConfigWalksUp(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"devenv.toml":        "",
		"a/b/c/file.txt":     "",
		"nested/devenv.toml": "",
		"nested/x/y/.keep":   "",
	})
	// A directory called devenv.toml is not a config file: the walk goes past it.
	if err := os.MkdirAll(filepath.Join(root, "a", "b", "devenv.toml"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		start string
		want  string
	}{
		{".", "devenv.toml"},
		{"a", "devenv.toml"},
		{"a/b/c", "devenv.toml"},
		{"nested/x/y", "nested/devenv.toml"},
		{"nested", "nested/devenv.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.start, func(t *testing.T) {
			got, err := FindConfig(filepath.Join(root, filepath.FromSlash(tt.start)))
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(root, filepath.FromSlash(tt.want)); got != want {
				t.Errorf("FindConfig = %s, want %s", got, want)
			}
		})
	}
}

func TestFindConfigNotFound(t *testing.T) {
	start := filepath.Join(t.TempDir(), "src", "api")
	if err := os.MkdirAll(start, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := FindConfig(start)
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("FindConfig error = %v (%T), want *NotFoundError", err, err)
	}
	if nf.Start != start {
		t.Errorf("NotFoundError.Start = %s, want %s", nf.Start, start)
	}
	wantErr(t, err, "no devenv.toml in "+start+" or any parent directory", "run `devenv init`")
}

// parseErr parses src as the devenv.toml of a fresh project, written to the file too.
func parseErr(t *testing.T, src string) (*Config, string, error) {
	t.Helper()
	p := newProject(t, src, nil)
	c, err := ParseConfig(p, []byte(src))
	return c, p, err
}

func TestParseConfigSyntaxError(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		line, col int
	}{
		{"bare word", "name = \"app\"\ntemplate = python\n", 2, 12},
		{"missing equals", "name \"app\"\n", 1, 6},
		// BurntSushi/toml places some errors at the end of the line, or past it: only
		// the line is checked for those (col 0).
		{"unterminated string", "name = \"app\"\n\nbase = \"debian\n", 3, 0},
		{"unclosed array", "packages = [\"git\",\nname = \"x\"\n", 2, 0},
		{"duplicate key", "name = \"a\"\nname = \"b\"\n", 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, err := parseErr(t, tt.src)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error = %v (%T), want *ConfigError", err, err)
			}
			col := tt.col
			if col == 0 {
				col = ce.Col
			}
			if ce.Line != tt.line || ce.Col != col || col < 1 {
				t.Errorf("error placed at %d:%d, want %d:%d: %v", ce.Line, ce.Col, tt.line, tt.col, err)
			}
			want := p + ":" + strconv.Itoa(tt.line) + ":" + strconv.Itoa(col) + ": invalid TOML: "
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error = %q, want it to start with %q", err, want)
			}
		})
	}
}

func TestParseConfigWrongTypes(t *testing.T) {
	tests := []struct {
		name string
		src  string
		pos  string // ":line:col: "
		msg  string
	}{
		{"name number", "template = \"go\"\nname = 3\n", ":2:1: ", `"name" must be a string in quotes, not the number 3`},
		{"indented key column", "template = \"go\"\n   name = true\n", ":2:4: ", `"name" must be a string in quotes, not the boolean true`},
		{"quoted key", "\"base\" = 1.5\n", ":1:1: ", `"base" must be a string in quotes, not the number 1.5`},
		{"packages string", "name = \"x\"\npackages = \"git\"\n", ":2:1: ", `"packages" must be a list of strings: write packages = ["git"]`},
		{"packages number", "packages = 7\n", ":1:1: ", `"packages" must be a list of strings, like packages = ["git", "curl"]; got the number 7`},
		{"packages item", "packages = [\"git\", 2]\n", ":1:1: ", `"packages" item 2 must be a string in quotes, not the number 2`},
		{"ports string", "ports = \"8000\"\n", ":1:1: ", `"ports" must be a list of strings: write ports = ["8000"]`},
		{"pass_env table", "pass_env = { A = 1 }\n", ":1:1: ", `"pass_env" must be a list of strings, like pass_env = ["GITHUB_TOKEN"]; got a table`},
		{"trust_host_ca string", "name = \"x\"\n\ntrust_host_ca = \"yes\"\n", ":3:1: ", `"trust_host_ca" must be true or false (no quotes), not the string "yes"`},
		{"env list value", "name = \"x\"\n\n[env]\nA = \"1\"\nX = [1]\n", ":5:1: ", `[env] X must be a string, not a list`},
		{"env not a table", "env = \"A=1\"\n", ":1:1: ", `"env" must be a table: write [env] on its own line, then NAME = "value" lines`},
		{"install number", "install = 3\n", ":1:1: ", `"install" must be a list of strings, like install = ["make deps"]; got the number 3`},
		{"setup item", "setup = [\"a\", [\"b\"]]\n", ":1:1: ", `"setup" item 2 must be a string in quotes, not a list`},
		{"dependencies string", "dependencies = \"go.mod\"\n", ":1:1: ", `"dependencies" must be a list: write dependencies = ["go.mod"]`},
		{"dependencies item number", "dependencies = [3]\n", ":1:1: ", `dependencies item 1 must be a file name in quotes or { files = [...], install = [...] }, not the number 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, err := parseErr(t, tt.src)
			wantErr(t, err, p+tt.pos+tt.msg)
		})
	}
}

func TestParseConfigUnknownKey(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"typo", "name = \"x\"\ntemplate = \"go\"\npacakges = [\"git\"]\n", `:3:1: unknown key "pacakges" (did you mean "packages"?)`},
		{"case", "Name = \"x\"\n", `:1:1: unknown key "Name" (did you mean "name"?)`},
		{"trust", "trust_host_cert = false\n", `:1:1: unknown key "trust_host_cert" (did you mean "trust_host_ca"?)`},
		{"nothing close", "name = \"x\"\nxyzzy = 1\n", `:2:1: unknown key "xyzzy" (see devenv.toml.example for every key)`},
		{"table", "[envs]\nA = \"1\"\n", `:1:1: unknown key "envs" (did you mean "env"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, err := parseErr(t, tt.src)
			wantErr(t, err, p+tt.want)
		})
	}
}

func TestParseConfigFirstErrorInFileOrder(t *testing.T) {
	// Both keys are wrong; the one higher in the file is reported, whatever the map
	// order of the decoded TOML.
	src := "zzz = 1\nname = 3\naaa = 2\n"
	for range 20 {
		_, p, err := parseErr(t, src)
		wantErr(t, err, p+`:1:1: unknown key "zzz"`)
	}
}

func TestParseConfigValues(t *testing.T) {
	src := `name = "app"
template = "python"
base = "python:3.12"
workdir = "/src"
shell = "bash -l"
user = "root"
packages = ["git", "curl"]
ports = ["8000:8000"]
caches = []
pass_env = ["TOKEN"]
trust_host_ca = false
setup = "echo setup"

[env]
DEBUG = "1"
PORT = 8000
VERBOSE = true
`
	c := parseFile(t, newProject(t, src, nil))
	if c.Name != "app" || c.Template != "python" || c.Base != "python:3.12" || c.Workdir != "/src" || c.Shell != "bash -l" || c.User != "root" {
		t.Errorf("strings decoded wrong: %+v", c)
	}
	if !slices.Equal(c.Packages, []string{"git", "curl"}) || !slices.Equal(c.Ports, []string{"8000:8000"}) || !slices.Equal(c.PassEnv, []string{"TOKEN"}) {
		t.Errorf("lists decoded wrong: %+v", c)
	}
	if !slices.Equal(c.Setup, []string{"echo setup"}) {
		t.Errorf("Setup = %q, want the one string as a list", c.Setup)
	}
	if c.TrustHostCA == nil || *c.TrustHostCA {
		t.Errorf("TrustHostCA = %v, want false", c.TrustHostCA)
	}
	if want := map[string]string{"DEBUG": "1", "PORT": "8000", "VERBOSE": "true"}; !maps.Equal(c.Env, want) {
		t.Errorf("Env = %q, want %q", c.Env, want)
	}
	if !c.IsSet("caches") || c.Caches == nil || len(c.Caches) != 0 {
		t.Errorf("caches = [] must be set and empty, got set=%v %q", c.IsSet("caches"), c.Caches)
	}
	if c.IsSet("install") || c.IsSet("dependencies") {
		t.Errorf("keys the file does not set are reported as set")
	}
	if c.Root() != filepath.Dir(c.Path) || filepath.Base(c.Path) != ConfigFile {
		t.Errorf("Root = %s for Path %s", c.Root(), c.Path)
	}
}

func TestParseConfigInstallStringOrList(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{`install = "make deps"`, []string{"make deps"}},
		{`install = ["make deps", "make tools"]`, []string{"make deps", "make tools"}},
		{`install = []`, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			c := parseFile(t, newProject(t, tt.src+"\n", nil))
			if !slices.Equal(c.Install, tt.want) || c.Install == nil {
				t.Errorf("Install = %#v, want %#v", c.Install, tt.want)
			}
		})
	}
}

func TestParseConfigDependencies(t *testing.T) {
	src := `install = ["make deps"]
dependencies = [
  "requirements.txt",
  { files = ["web/package.json", "web/package-lock.json"], install = ["cd web && npm ci"] },
  "constraints/*.txt",
  { files = ["Gemfile"], install = "bundle install" },
  { files = ["go.mod"] },
]
`
	c := parseFile(t, newProject(t, src, nil))
	want := []DependencyGroup{
		{Files: []string{"requirements.txt", "constraints/*.txt"}, Install: []string{"make deps"}},
		{Files: []string{"web/package.json", "web/package-lock.json"}, Install: []string{"cd web && npm ci"}},
		{Files: []string{"Gemfile"}, Install: []string{"bundle install"}},
		{Files: []string{"go.mod"}},
	}
	if len(c.Dependencies) != len(want) {
		t.Fatalf("got %d groups, want %d: %+v", len(c.Dependencies), len(want), c.Dependencies)
	}
	for i, g := range c.Dependencies {
		if !slices.Equal(g.Files, want[i].Files) || !slices.Equal(g.Install, want[i].Install) || g.Optional {
			t.Errorf("group %d = %+v, want %+v", i, g, want[i])
		}
	}
	if !plainGroup(c.Dependencies[0]) || plainGroup(c.Dependencies[1]) {
		t.Errorf("only the group of bare file names is the plain group")
	}
}

func TestParseConfigDependenciesPlainOnlyTakesInstall(t *testing.T) {
	// install written after dependencies still belongs to the plain group.
	c := parseFile(t, newProject(t, "dependencies = [\"a.txt\"]\ninstall = \"make\"\n", nil))
	if len(c.Dependencies) != 1 || !slices.Equal(c.Dependencies[0].Install, []string{"make"}) {
		t.Errorf("Dependencies = %+v, want one group installed by make", c.Dependencies)
	}
}

func TestParseConfigDependencyTableErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"typo in table", "name = \"x\"\ndependencies = [{ files = [\"a\"], instal = [\"x\"] }]\n",
			`:2:1: dependencies item 1: unknown key "instal" (did you mean "install"?)`},
		{"unknown key in table", "dependencies = [\"a\", { files = [\"a\"], run = \"x\" }]\n",
			`:1:1: dependencies item 2: unknown key "run" (a group has files and install)`},
		{"no files", "dependencies = [{ install = [\"npm ci\"] }]\n",
			`:1:1: dependencies item 1 names no files: add files = ["..."]`},
		{"empty files", "dependencies = [{ files = [], install = [\"npm ci\"] }]\n",
			`:1:1: dependencies item 1 names no files`},
		{"files item number", "dependencies = [{ files = [1] }]\n",
			`:1:1: dependencies item 1: files item 1 must be a string in quotes, not the number 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, err := parseErr(t, tt.src)
			wantErr(t, err, p+tt.want)
		})
	}
}

// TestParseConfigDependencyTableMessages: a mistake inside a group names the group's
// own key and what to write there.
func TestParseConfigDependencyTableMessages(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{"dependencies = [{ files = \"a.txt\" }]\n", `files = ["a.txt"]`},
		{"dependencies = [{ files = [\"a.txt\"], install = 3 }]\n", `install`},
	}
	for _, tt := range tests {
		_, _, err := parseErr(t, tt.src)
		wantErr(t, err, tt.want)
		if strings.Contains(err.Error(), `dependencies = ["a.txt"]`) || strings.Contains(err.Error(), `dependencies = ["make deps"]`) {
			t.Errorf("error %q suggests a dependencies line, not the group's key", err)
		}
	}
}

// TestParseConfigArrayOfTables: [[dependencies]] is the other TOML spelling of a list
// of tables; it must work like the inline tables or say how to write them, not name a
// Go type.
func TestParseConfigArrayOfTables(t *testing.T) {
	_, _, err := parseErr(t, "[[dependencies]]\nfiles = [\"a.txt\"]\ninstall = [\"x\"]\n")
	if err != nil && strings.Contains(err.Error(), "interface {}") {
		t.Errorf("error names a Go type: %v", err)
	}
}

// TestPlaceKeys: every key is placed where it is written, whatever surrounds it:
// strings that look like keys or headers, comments, inline tables, dotted and quoted
// keys, arrays of tables. The parser's own list of keys is the check that none is
// missed.
func TestPlaceKeys(t *testing.T) {
	src := `# comment [fake]
name = "x"   # name = "y"
setup = """
[env]
base = "inside a string"
"""
  "quoted.key" = 1
literal = '''
a'''''
env = { A = [1], "B C" = { D = 2 } }
services.db.image = "pg"
a . b = 1
[ tbl . "x.y" ]
k = [
  { in = 1 },  # ]
  "]",
]
[[arr]]
z = 1
[[arr]]
z = 2
`
	p := placeKeys(src)
	tests := []struct {
		path      []string
		line, col int
	}{
		{[]string{"name"}, 2, 1},
		{[]string{"setup"}, 3, 1},
		{[]string{"base"}, 0, 0}, // only inside a string
		{[]string{"quoted.key"}, 7, 3},
		{[]string{"literal"}, 8, 1},
		{[]string{"env"}, 10, 1},
		{[]string{"env", "A"}, 10, 9},
		{[]string{"env", "B C"}, 10, 18},
		{[]string{"env", "B C", "D"}, 10, 28},
		{[]string{"services"}, 11, 1},
		{[]string{"services", "db", "image"}, 11, 1},
		{[]string{"services", "db", "ports"}, 11, 1}, // not written: at its parent
		{[]string{"a", "b"}, 12, 1},
		{[]string{"tbl", "x.y"}, 13, 1},
		{[]string{"tbl", "x.y", "k"}, 14, 1},
		{[]string{"tbl", "x.y", "k", "in"}, 15, 5},
		{[]string{"arr"}, 18, 1}, // the first of the array's tables
		{[]string{"arr", "z"}, 19, 1},
	}
	for _, tt := range tests {
		if line, col := p.find(tt.path); line != tt.line || col != tt.col {
			t.Errorf("%q placed at %d:%d, want %d:%d", tt.path, line, col, tt.line, tt.col)
		}
	}
	var raw map[string]any
	md, err := toml.Decode(src, &raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range md.Keys() {
		if line, _ := p.find(k); line == 0 {
			t.Errorf("the parser's key %s is not placed", k)
		}
	}
}

// FuzzPlaceKeys: for any text the parser accepts, every key it reports is placed on a
// line of the text, and no text makes placing panic or loop.
func FuzzPlaceKeys(f *testing.F) {
	for _, s := range []string{
		"a = 1\n", "a.b.c = 1\n[x]\ny = 2\n", "[[t]]\na = 1\n[[t]]\na = 2\n",
		"s = \"\"\"\nk = 1\n\"\"\"\nk = 2\n", "l = '''\n[t]\n'''\n", "e = { A = [1, { b = 2 }] }\n",
		"\"q.k\" = 1\n'l.k' = 2\n", "d = 1979-05-27 07:32:00 # c\n", "a = [\n# ]\n1,\n]\n",
		"s = \"\"\"a\"\"\"\"\"\nt = 1\n", "x = \"\\\"\"\ny = 1\n", "[a]\r\nb = 1\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p := placeKeys(src)
		var raw map[string]any
		md, err := toml.Decode(src, &raw)
		if err != nil {
			return
		}
		lines := strings.Count(src, "\n") + 1
		for _, k := range md.Keys() {
			if line, col := p.find(k); line < 1 || line > lines || col < 1 {
				t.Fatalf("key %s placed at %d:%d in %q", k, line, col, src)
			}
		}
	})
}

// TestParseConfigErrorPositions: the three places a search of the text for "key ="
// got wrong: after a multi-line string holding a look-alike, inside an inline table,
// and in a dotted key.
func TestParseConfigErrorPositions(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"after a multi-line string", "setup = \"\"\"\nname = \"x\"\n[env]\n\"\"\"\nname = 3\n",
			`:5:1: "name" must be a string in quotes, not the number 3`},
		{"unknown key after a multi-line string", "setup = '''\nnme = 1\n'''\n\nnme = 2\n",
			`:5:1: unknown key "nme" (did you mean "name"?)`},
		{"inside an inline table", "name = \"x\"\nenv = { A = [1] }\n",
			`:2:9: [env] A must be a string, not a list`},
		{"in a dotted key", "name = \"x\"\nservices.db.image = 1\n",
			`:2:1: [services.db] image must be a string in quotes, not the number 1`},
		{"in a service's inline env", "[services.db]\nimage = \"pg\"\nenv = { B = \"1\", A = { x = 1 } }\n",
			`:3:18: [services.db] env A must be a string, not a table`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, err := parseErr(t, tt.src)
			wantErr(t, err, p+tt.want)
		})
	}
}

package env

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden from the current output")

// renderCase is a project rendered for the golden tests.
type renderCase struct {
	name  string
	toml  string
	files map[string]string
	host  Host
	// classic renders for an engine without BuildKit.
	classic bool
	ca      bool // the host has a CA bundle
}

var renderCases = []renderCase{
	{name: "python", toml: "template = \"python\"\n", files: map[string]string{"requirements.txt": "flask\n", "app.py": ""}},
	{name: "node", toml: "template = \"node\"\n", files: map[string]string{"package.json": "{}", "package-lock.json": "{}", "index.js": ""}},
	{name: "go", toml: "template = \"go\"\n", files: map[string]string{"go.mod": "module example.com/x\n", "go.sum": "", "main.go": ""}},
	{name: "rust", toml: "template = \"rust\"\n", files: map[string]string{"Cargo.toml": "", "Cargo.lock": "", "src/main.rs": ""}},
	{name: "ruby", toml: "template = \"ruby\"\n", files: map[string]string{"Gemfile": "", "Gemfile.lock": ""}},
	{name: "generic", toml: "", files: map[string]string{"Makefile": ""}},
	{name: "packages_setup_env", toml: `template = "generic"
packages = ["git", "curl", "build-essential", "libfoo~1.2", "ca-certificates=20230311"]
setup = [
  "curl -fsSL https://example.com/install.sh | sh",
  "echo \"quoted\" 'single' $HOME \\",
  "printf 'line1\nline2\n' > /etc/motd",
  "cat <<EOF > /tmp/x\nhello\nEOF",
]

[env]
DEBUG = "1"
PORT = 8000
GREETING = "say \"hi\" to $USER at ${HOST} \\o/"
TRAILING = "ends with a backslash \\"
`},
	{name: "dependency_groups", toml: `template = "python"
install = ["pip install -r requirements/base.txt", "pip install -r requirements/dev.txt"]
dependencies = [
  "requirements/*.txt",
  "setup.cfg",
  { files = ["frontend/package.json", "frontend/package-lock.json"], install = ["cd frontend && npm ci"] },
  { files = ["services/api/go.mod", "services/api/go.sum", "tools/go.mod"], install = "cd services/api && go mod download" },
]
`, files: map[string]string{
		"requirements/base.txt":      "",
		"requirements/dev.txt":       "",
		"setup.cfg":                  "",
		"frontend/package.json":      "{}",
		"frontend/package-lock.json": "{}",
		"services/api/go.mod":        "",
		"services/api/go.sum":        "",
		"tools/go.mod":               "",
	}},
	// [env] values reach the Dockerfile only when an install step may need them:
	// [build.env], a package manager's own names, a value a build command names.
	{name: "env_build", toml: `template = "python"
setup = "pip config list --verbose $SETUP_FLAGS"

[env]
PORT = "8000"
PIP_INDEX_URL = "http://127.0.0.1:8080/simple/"
SETUP_FLAGS = "-v"

[build.env]
GREETING = "say \"hi\" to $USER \\o/"
`, files: map[string]string{"requirements.txt": ""}},
	{name: "no_buildkit", toml: "template = \"python\"\npackages = [\"git\"]\n", files: map[string]string{"requirements.txt": ""}, classic: true, ca: true},
	{name: "ca_bundle", toml: "template = \"node\"\npackages = [\"git\"]\nsetup = \"npm i -g pnpm\"\n", files: map[string]string{"package.json": "{}"}, ca: true},
	{name: "user_uid_gid", toml: "template = \"go\"\nuser = \"2000:3000\"\n", files: map[string]string{"go.mod": ""}},
	{name: "user_root", toml: "template = \"go\"\nuser = \"root\"\n", files: map[string]string{"go.mod": ""}},
	{name: "host_root", toml: "template = \"ruby\"\n", files: map[string]string{"Gemfile": ""}, host: Host{UID: 0, GID: 0, UserName: "root"}},
}

func (rc renderCase) spec(t *testing.T) *Spec {
	t.Helper()
	host := rc.host
	if host == (Host{}) {
		host = Host{UID: 1000, GID: 1000, UserName: "dev"}
	}
	if rc.ca {
		host.CABundle = filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(host.CABundle, []byte("-----BEGIN CERTIFICATE-----\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return mustResolve(t, rc.toml, rc.files, host)
}

func (rc renderCase) options() RenderOptions { return RenderOptions{BuildKit: !rc.classic} }

func TestRenderGolden(t *testing.T) {
	for _, rc := range renderCases {
		t.Run(rc.name, func(t *testing.T) {
			s := rc.spec(t)
			opt := rc.options()
			got, err := Render(s, opt)
			if err != nil {
				t.Fatal(err)
			}
			checkDockerfile(t, s, opt, got)

			golden := filepath.Join("testdata", "golden", rc.name+".Dockerfile")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run `go test ./env -run TestRenderGolden -update` to create it)", err)
			}
			if got != string(want) {
				t.Errorf("Render differs from %s (rerun with -update if the change is meant):\n%s", golden, lineDiff(string(want), got))
			}
		})
	}
}

// Every golden file is a case: a left-over file would be checked by nobody.
func TestRenderGoldenFilesHaveCases(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, rc := range renderCases {
		names[rc.name] = true
	}
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".Dockerfile"); !names[name] {
			t.Errorf("%s has no render case", f)
		}
	}
}

// lineDiff shows the first lines where want and got differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want: %s\n  got:  %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

func TestRenderIsDeterministic(t *testing.T) {
	// packages_setup_env has several [env] keys, whose map order varies.
	i := slices.IndexFunc(renderCases, func(rc renderCase) bool { return rc.name == "packages_setup_env" })
	s := renderCases[i].spec(t)
	first, err := Render(s, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, err := Render(s, RenderOptions{BuildKit: true})
		if err != nil {
			t.Fatal(err)
		}
		if again != first {
			t.Fatalf("Render gives different text for the same spec:\n%s", lineDiff(first, again))
		}
	}
}

func TestRenderWithoutBuildKitHasNoMounts(t *testing.T) {
	for _, rc := range renderCases {
		t.Run(rc.name, func(t *testing.T) {
			s := rc.spec(t)
			df, err := Render(s, RenderOptions{BuildKit: false})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(df, "--mount") || strings.Contains(df, "/run/devenv") {
				t.Errorf("Dockerfile for the classic builder uses BuildKit features:\n%s", df)
			}
			checkDockerfile(t, s, RenderOptions{BuildKit: false}, df)
		})
	}
}

func TestRenderCAOnlyWithBundle(t *testing.T) {
	with := renderCase{name: "ca", toml: "setup = \"true\"\n", ca: true}
	without := renderCase{name: "noca", toml: "setup = \"true\"\n"}
	sWith, sWithout := with.spec(t), without.spec(t)
	dfWith, err := Render(sWith, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	checkDockerfile(t, sWith, RenderOptions{BuildKit: true}, dfWith)
	dfWithout, err := Render(sWithout, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	checkDockerfile(t, sWithout, RenderOptions{BuildKit: true}, dfWithout)
	if !strings.Contains(dfWith, "--mount=type=secret,id=devenv-ca,target=/run/devenv/ca.pem") || !strings.Contains(dfWith, `. /run/devenv/ca.sh; fi\n`) {
		t.Errorf("with a CA bundle the build steps do not use it:\n%s", dfWith)
	}
	if strings.Contains(dfWithout, "/run/devenv") {
		t.Errorf("without a CA bundle the Dockerfile still mounts one:\n%s", dfWithout)
	}
}

func TestRenderUnknownTemplate(t *testing.T) {
	_, err := Render(&Spec{Template: "cobol", Base: "debian", Workdir: "/w"}, RenderOptions{})
	wantErr(t, err, "template cobol")
}

func TestCAScriptAndEnv(t *testing.T) {
	script := CAScript()
	env := CAEnv()
	if len(env) != len(caEnv) {
		t.Fatalf("CAEnv has %d entries, want %d", len(env), len(caEnv))
	}
	for _, kv := range env {
		if !strings.HasSuffix(kv, "="+CAPath) {
			t.Errorf("CAEnv entry %q does not point at %s", kv, CAPath)
		}
		if !strings.Contains(script, " "+kv) {
			t.Errorf("CAScript does not export %s:\n%s", kv, script)
		}
	}
	if !strings.HasPrefix(script, "export ") || !strings.HasSuffix(script, "\n") || strings.Count(script, "\n") != 1 {
		t.Errorf("CAScript is not one export line: %q", script)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"git":          "git",
		"libc6:amd64":  "libc6:amd64",
		"python3=3.11": "python3=3.11",
		"foo~1":        "'foo~1'",
		"":             "''",
		"it's":         `'it'\''s'`,
		"a b":          "'a b'",
		"$HOME":        "'$HOME'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// quoteEnvValue must write a word that BuildKit reads back as exactly the value: no
// variable expanded, no quote or backslash lost, nothing ending the instruction.
func TestQuoteEnvValueRoundTrip(t *testing.T) {
	values := []string{
		"",
		"plain",
		"with space",
		"  leading and trailing  ",
		`double "quotes" inside`,
		`single 'quotes' inside`,
		`unbalanced "`,
		`unbalanced '`,
		`back\slash`,
		`\\double backslash`,
		`trailing backslash\`,
		`\`,
		`\"`,
		`$VAR`,
		`${X}`,
		`${X:-default}`,
		`${X:+alt}`,
		`$$`,
		`$`,
		`price: 5$`,
		`\$VAR`,
		"`backticks` and $(command)",
		"tab\there",
		"unicode: héllo wörld ✓ 日本語 🚀",
		"zero width\u200bjoiner",
		"line\u2028separator",
		"ends with #",
		"# starts with hash",
		"a=b=c",
		`C:\Program Files\x`,
		"<<EOF",
		`["/bin/sh", "-c", "evil"]`,
		"--mount=type=bind,source=/,target=/host",
		"\x01\x1f\x7f control",
	}
	for _, v := range values {
		t.Run(v, func(t *testing.T) {
			checkEnvRoundTrip(t, v)
		})
	}
}

// checkEnvRoundTrip renders ENV K=<quoted v> in a Dockerfile, parses it with BuildKit
// and expands the value as BuildKit does when it runs the ENV.
func checkEnvRoundTrip(t testing.TB, v string) {
	t.Helper()
	df := "FROM scratch\nENV K=" + quoteEnvValue(v) + "\n"
	nodes := parseDockerfile(t, df)
	if len(nodes) != 2 {
		t.Fatalf("ENV of %q parses as %d instructions:\n%s", v, len(nodes), df)
	}
	args := nodeArgs(nodes[1])
	if len(args) != 3 || args[0] != "K" || args[2] != "=" {
		t.Fatalf("ENV of %q parses as %q, want one K=value pair", v, args)
	}
	if got := expandWord(t, args[1]); got != v {
		t.Errorf("ENV K=%s reads back as %q, want %q", quoteEnvValue(v), got, v)
	}
}

func TestGroupByDir(t *testing.T) {
	got := groupByDir([]string{"b/x.txt", "a.txt", "b/y.txt", "c/d/e.txt", "z.txt"})
	want := []dirFiles{
		{name: "", files: []string{"a.txt", "z.txt"}},
		{name: "b", files: []string{"b/x.txt", "b/y.txt"}},
		{name: "c/d", files: []string{"c/d/e.txt"}},
	}
	if len(got) != len(want) {
		t.Fatalf("groupByDir = %+v, want %+v", got, want)
	}
	for i := range got {
		if got[i].name != want[i].name || strings.Join(got[i].files, ",") != strings.Join(want[i].files, ",") {
			t.Errorf("groupByDir[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// requirements-dev.txt usually starts with "-r requirements.txt": the file it names
// must be in the image before pip reads it.
func TestRenderPythonIncludedRequirementsCopiedFirst(t *testing.T) {
	s := mustResolve(t, "template = \"python\"\n", map[string]string{
		"requirements.txt":     "flask\n",
		"requirements-dev.txt": "-r requirements.txt\npytest\n",
	}, testHost)
	copied := map[string]bool{}
	for _, g := range s.Groups {
		for _, f := range g.Files {
			copied[f] = true
		}
		for _, cmd := range g.Install {
			if strings.Contains(cmd, "requirements-dev.txt") && !copied["requirements.txt"] {
				t.Errorf("%q runs before requirements.txt, which it includes, is copied: groups %+v", cmd, s.Groups)
			}
		}
	}
}

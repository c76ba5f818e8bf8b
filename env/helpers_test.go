package env

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// testHost is the fixed machine every test resolves for, so that outputs do not depend
// on who runs the tests.
var testHost = Host{UID: 1000, GID: 1000, UserName: "dev"}

// writeFiles creates files (slash-separated paths relative to root) with their text.
func writeFiles(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// newProject makes a project directory holding devenv.toml with toml and the other
// files, and returns the path of its devenv.toml.
func newProject(t testing.TB, toml string, files map[string]string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "proj")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, root, files)
	cfg := filepath.Join(root, ConfigFile)
	if err := os.WriteFile(cfg, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// parseFile reads and parses the devenv.toml at cfgPath, failing the test on error.
func parseFile(t testing.TB, cfgPath string) *Config {
	t.Helper()
	c, err := LoadConfig(cfgPath)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	return c
}

// resolveErr parses and resolves the project at cfgPath for host.
func resolveErr(t testing.TB, cfgPath string, host Host) (*Spec, error) {
	t.Helper()
	c, err := LoadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	return Resolve(c, host)
}

// mustResolve makes a project and resolves it, failing the test on any error.
func mustResolve(t testing.TB, toml string, files map[string]string, host Host) *Spec {
	t.Helper()
	s, err := resolveErr(t, newProject(t, toml, files), host)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return s
}

// stackEnvLines is how many ENV instructions each template's own block writes.
var stackEnvLines = map[string]int{"python": 1, "node": 1, "go": 1, "rust": 1, "ruby": 1, "dotnet": 1, "generic": 0}

// groupDirs lists the distinct directories of files, sorted: one COPY each.
func groupDirs(files []string) []string {
	var dirs []string
	for _, f := range files {
		d := path.Dir(f)
		if !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	slices.Sort(dirs)
	return dirs
}

// expectedInstructions is the number of instructions the spec asks for: FROM, the
// stack's ENV lines, one ENV per [env] key, WORKDIR, the packages RUN, one RUN per
// setup command, per group one COPY per directory and one RUN per install command, and
// the RUN that adds the user.
func expectedInstructions(s *Spec) int {
	n := 1 + stackEnvLines[s.Template] + len(BuildEnvNames(s)) + 1
	if len(s.Packages) > 0 {
		n++
	}
	n += len(s.Setup)
	for _, g := range s.Groups {
		n += len(groupDirs(g.Files)) + len(g.Install)
	}
	if !s.User.IsRoot() {
		n++
	}
	return n
}

// parseDockerfile parses text with BuildKit's own Dockerfile parser.
func parseDockerfile(t testing.TB, text string) []*parser.Node {
	t.Helper()
	res, err := parser.Parse(strings.NewReader(text))
	if err != nil {
		t.Fatalf("BuildKit cannot parse the Dockerfile: %v\n%s", err, text)
	}
	if len(res.Warnings) > 0 {
		t.Errorf("BuildKit warns about the Dockerfile: %v\n%s", res.Warnings[0].Short, text)
	}
	return res.AST.Children
}

// nodeArgs is the list of an instruction's arguments as the parser read them.
func nodeArgs(n *parser.Node) []string {
	var out []string
	for a := n.Next; a != nil; a = a.Next {
		out = append(out, a.Value)
	}
	return out
}

// expandWord reads a Dockerfile word the way BuildKit does when it runs ENV, with
// variables set that an unescaped $ would pick up.
func expandWord(t testing.TB, word string) string {
	t.Helper()
	lex := shell.NewLex('\\')
	got, _, err := lex.ProcessWord(word, shell.EnvsFromSlice([]string{"VAR=expanded", "X=expanded", "HOME=/root"}))
	if err != nil {
		t.Fatalf("BuildKit cannot read the word %s: %v", word, err)
	}
	return got
}

// checkDockerfile parses the rendered Dockerfile with BuildKit's parser and checks
// that it holds exactly the instructions the spec asks for, in order, with the
// arguments devenv means: nothing in devenv.toml may add, remove or reshape one.
func checkDockerfile(t testing.TB, s *Spec, opt RenderOptions, text string) {
	t.Helper()
	nodes := parseDockerfile(t, text)
	if want := expectedInstructions(s); len(nodes) != want {
		t.Fatalf("Dockerfile has %d instructions, the spec asks for %d:\n%s", len(nodes), want, text)
	}
	for _, n := range nodes {
		if len(n.Heredocs) > 0 {
			t.Errorf("line %d: instruction carries a heredoc: %s", n.StartLine, n.Original)
		}
	}

	allowedFlags := map[string]bool{}
	if opt.BuildKit {
		for _, c := range s.Caches {
			allowedFlags["--mount=type=cache,target="+c] = true
		}
		allowedFlags["--mount=type=cache,target=/var/cache/apt,sharing=locked"] = true
		allowedFlags["--mount=type=cache,target=/var/lib/apt/lists,sharing=locked"] = true
		if s.CABundle != "" {
			allowedFlags["--mount=type=secret,id=devenv-ca,target=/run/devenv/ca.pem"] = true
			allowedFlags["--mount=type=secret,id=devenv-ca-env,target=/run/devenv/ca.sh"] = true
		}
	}
	prefix := ""
	if opt.BuildKit && s.CABundle != "" {
		prefix = "if [ -f /run/devenv/ca.sh ]; then . /run/devenv/ca.sh; fi\n"
	}

	i := 0
	next := func(cmd string) *parser.Node {
		t.Helper()
		n := nodes[i]
		i++
		if !strings.EqualFold(n.Value, cmd) {
			t.Fatalf("instruction %d is %s, want %s: %s\n%s", i, strings.ToUpper(n.Value), cmd, n.Original, text)
		}
		return n
	}
	checkRun := func(n *parser.Node, script string, exact bool) {
		t.Helper()
		if !n.Attributes["json"] {
			t.Errorf("line %d: RUN is not in JSON exec form: %s", n.StartLine, n.Original)
		}
		for _, f := range n.Flags {
			if !allowedFlags[f] {
				t.Errorf("line %d: RUN has flag %q devenv does not write", n.StartLine, f)
			}
		}
		args := nodeArgs(n)
		if len(args) != 3 || args[0] != "/bin/sh" || args[1] != "-c" {
			t.Fatalf("line %d: RUN is %q, want [/bin/sh -c script]", n.StartLine, args)
		}
		if exact && args[2] != script {
			t.Errorf("line %d: RUN script is %q, want %q", n.StartLine, args[2], script)
		}
		if !exact && !strings.Contains(args[2], script) {
			t.Errorf("line %d: RUN script %q does not hold %q", n.StartLine, args[2], script)
		}
	}

	from := next("FROM")
	if args := nodeArgs(from); len(args) != 1 || args[0] != s.Base || len(from.Flags) != 0 {
		t.Errorf("FROM is %q with flags %q, want just %q", args, from.Flags, s.Base)
	}
	for range stackEnvLines[s.Template] {
		next("ENV")
	}
	for _, k := range BuildEnvNames(s) {
		n := next("ENV")
		args := nodeArgs(n)
		if len(args) != 3 || args[0] != k {
			t.Fatalf("line %d: ENV is %q, want one variable %s", n.StartLine, args, k)
		}
		if got := expandWord(t, args[1]); got != s.Env[k] {
			t.Errorf("line %d: ENV %s reads back as %q, want %q", n.StartLine, k, got, s.Env[k])
		}
	}
	if args := nodeArgs(next("WORKDIR")); len(args) != 1 || args[0] != s.Workdir {
		t.Errorf("WORKDIR is %q, want %q", args, s.Workdir)
	}
	if len(s.Packages) > 0 {
		n := next("RUN")
		checkRun(n, prefix, false)
		script := nodeArgs(n)[2]
		for _, p := range s.Packages {
			if !strings.Contains(script, shellQuote(p)) {
				t.Errorf("packages RUN does not install %q", p)
			}
		}
	}
	for _, cmd := range s.Setup {
		checkRun(next("RUN"), prefix+cmd, true)
	}
	for _, g := range s.Groups {
		for _, dir := range groupDirs(g.Files) {
			n := next("COPY")
			if !n.Attributes["json"] || len(n.Flags) != 0 {
				t.Errorf("line %d: COPY is not plain JSON form: %s", n.StartLine, n.Original)
			}
			var want []string
			for _, f := range g.Files {
				if path.Dir(f) == dir {
					want = append(want, f)
				}
			}
			dest := s.Workdir + "/"
			if dir != "." {
				dest = path.Join(s.Workdir, dir) + "/"
			}
			want = append(want, dest)
			if got := nodeArgs(n); !slices.Equal(got, want) {
				t.Errorf("line %d: COPY is %q, want %q", n.StartLine, got, want)
			}
		}
		for _, cmd := range g.Install {
			checkRun(next("RUN"), prefix+cmd, true)
		}
	}
	if !s.User.IsRoot() {
		n := next("RUN")
		checkRun(n, "", false)
		if len(n.Flags) != 0 {
			t.Errorf("user RUN has flags %q", n.Flags)
		}
		for _, want := range []string{"uid=" + strconv.Itoa(s.User.UID), "gid=" + strconv.Itoa(s.User.GID), "name=" + s.User.Name, "home=" + s.User.Home} {
			if !strings.Contains(nodeArgs(n)[2], want) {
				t.Errorf("user RUN does not set %s", want)
			}
		}
	}
}

// wantErr fails unless err is non-nil and its message holds every one of parts.
func wantErr(t testing.TB, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one saying %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err.Error(), p)
		}
	}
}

package env

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// The seeds each target adds below are its corpus. An input the fuzzer finds failing
// goes into testdata/fuzz/<Target>/ in the commit that fixes it, and only those: the
// 304 generated files once committed there had found nothing (all pass on the code
// they were committed with) and are gone.

// fuzzProjectFiles are the files every fuzzed project holds, so that dependencies in
// the fuzzed devenv.toml have something to match.
var fuzzProjectFiles = map[string]string{
	"requirements.txt":       "flask\n",
	"package.json":           "{}",
	"package-lock.json":      "{}",
	"go.mod":                 "module x\n",
	"sub/dir/a.lock":         "lock",
	"sub/dir/b.lock":         "lock",
	"with space/my file.txt": "x",
	"ünï/cödé.txt":           "x",
}

// maxFuzzConfig bounds the fuzzed devenv.toml: BuildKit refuses Dockerfile lines over
// 64 KiB, which a long enough file reaches (see TestRenderLongLine), and the fuzzer is
// here to find other things.
const maxFuzzConfig = 8 << 10

// FuzzConfigToDockerfile: whatever devenv.toml holds, devenv never panics, and when it
// renders a Dockerfile, BuildKit reads exactly the instructions the spec asks for,
// every RUN in exec form, nothing more.
func FuzzConfigToDockerfile(f *testing.F) {
	seeds := []string{
		"",
		"template = \"python\"\n",
		"template = \"node\"\n",
		"template = \"go\"\n",
		"template = \"rust\"\n",
		"template = \"ruby\"\n",
		"template = \"generic\"\npackages = [\"git\", \"curl\"]\n",
		// Line breaks and continuations in every place a string goes.
		"packages = [\"git\\nRUN evil\"]\n",
		"setup = [\"echo hi\\nRUN evil\", \"echo \\\\\\nRUN evil\"]\n",
		"setup = \"\\\\\\nRUN evil\"\n",
		"install = [\"make \\\\\", \"\\\\\"]\n",
		"[env]\nX = \"a\\nRUN evil\"\n",
		"[env]\nX = \"a\\\\\"\nY = \"\\\\\\nRUN evil\"\n",
		"[env]\nX = \"\\\" Y=\\\"2\"\n",
		"[env]\nA = \"${}\"\nB = \"$\"\nC = \"${A:-$(id)}\"\nD = \"'\\\"'\"\n",
		"[env]\nE = \"\\u2028RUN evil\"\nF = \"\\u0085\"\nG = \"\\t\\u000b\\f\"\n",
		// Heredocs, JSON look-alikes, comments and flags.
		"setup = [\"cat <<EOF\\nRUN evil\\nEOF\"]\n",
		"setup = \"<<EOF\"\ninstall = \"<<-EOT\"\n",
		"setup = \"\\\"]\\nRUN [\\\"evil\"\n",
		"setup = \"# comment\\nFROM evil\"\n",
		"setup = \"--mount=type=bind,source=/,target=/host\"\n",
		"name = \"x\\nFROM evil\"\n",
		"base = \"debian\\nRUN evil\"\n",
		"base = \"debian AS evil\"\n",
		"workdir = \"/w\\nRUN evil\"\n",
		"workdir = \"/w $X\"\n",
		"shell = \"bash\\nRUN evil\"\n",
		"caches = [\"/c\\nRUN evil\", \"/c,target=/etc\"]\n",
		"user = \"1000\\nUSER root\"\n",
		"ports = [\"8000\\nEXPOSE 1\"]\n",
		"pass_env = [\"A\\nB\"]\n",
		// Unbalanced quotes and brackets.
		"setup = \"echo 'unbalanced\"\n",
		"setup = \"echo \\\"unbalanced\"\n",
		"[env]\nQ = \"'\"\nR = \"\\\"\"\n",
		"packages = [\"git\"\n",
		"setup = \"\"\"\nmulti\nline\n\"\"\"\n",
		"setup = '''\\\nRUN evil'''\n",
		// Dependencies.
		"dependencies = [\"requirements.txt\", \"sub/dir/*.lock\", \"with space/my file.txt\", \"ünï/cödé.txt\"]\ninstall = \"pip install -r requirements.txt\"\n",
		"dependencies = [{ files = [\"package.json\"], install = [\"npm ci\\nRUN evil\"] }, \"go.mod\"]\n",
		"dependencies = [\"../x\", \"/etc/passwd\"]\n",
		"dependencies = [\"*\"]\n",
		"dependencies = [\"sub/*/*.lock\", \"[\"]\n",
		"template = \"node\"\ninstall = [\"npm ci\"]\ntrust_host_ca = false\nuser = \"root\"\n",
		"template = \"python\"\npackages = [\"libpq-dev\"]\nsetup = [\"pip install -U pip\"]\nuser = \"2000:3000\"\n[env]\nDEBUG = \"1\"\nPORT = 8000\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzConfig {
			t.Skip()
		}
		root := t.TempDir()
		writeFiles(t, root, fuzzProjectFiles)
		cfgPath := filepath.Join(root, ConfigFile)
		if err := os.WriteFile(cfgPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ca := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, []byte("cert"), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := ParseConfig(cfgPath, data)
		if err != nil {
			return
		}
		for _, host := range []Host{
			{UID: 1000, GID: 1000, UserName: "dev", CABundle: ca},
			{UID: 0, GID: 0, UserName: "root"},
		} {
			s, err := Resolve(c, host)
			if err != nil {
				continue
			}
			for _, opt := range []RenderOptions{{BuildKit: true}, {BuildKit: false}} {
				df, err := Render(s, opt)
				if err != nil {
					continue
				}
				checkDockerfile(t, s, opt, df)
				checkOnlyDevenvInstructions(t, df)
			}
		}
	})
}

// checkOnlyDevenvInstructions fails on any instruction devenv does not write, and on
// a FROM or WORKDIR anywhere but in their one place.
func checkOnlyDevenvInstructions(t testing.TB, df string) {
	t.Helper()
	nodes := parseDockerfile(t, df)
	froms, workdirs := 0, 0
	for i, n := range nodes {
		switch strings.ToUpper(n.Value) {
		case "FROM":
			froms++
			if i != 0 {
				t.Errorf("FROM at instruction %d:\n%s", i+1, df)
			}
		case "WORKDIR":
			workdirs++
		case "ENV", "COPY":
		case "RUN":
			if !n.Attributes["json"] {
				t.Errorf("RUN not in exec form: %s", n.Original)
			}
		default:
			t.Errorf("instruction %s devenv never writes: %s\n%s", n.Value, n.Original, df)
		}
	}
	if froms != 1 || workdirs != 1 {
		t.Errorf("%d FROM and %d WORKDIR, want one each:\n%s", froms, workdirs, df)
	}
}

// FuzzDependencyNames: whatever a dependency file is called, devenv never panics and
// never writes an instruction more than the spec asks for; names that leave the
// project are refused.
func FuzzDependencyNames(f *testing.F) {
	for _, s := range []string{
		"requirements.txt",
		"sub/dir/a.lock",
		"with space.txt",
		"ünïcödé.txt",
		"../outside.txt",
		"/etc/passwd",
		"a/../../b",
		"..",
		".",
		"",
		"a\nRUN evil",
		"a\"b",
		`a\b`,
		"$HOME",
		"${X}.txt",
		"*",
		"*.txt",
		"[",
		"?",
		"<<EOF",
		"--from=evil",
		"[\"a\",\"b\"]",
		"#comment",
		"-",
		".devenv/Dockerfile",
		"'quote'",
		"\x00",
		"\t",
		"a//b",
		"./a",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, name string, inTable bool) {
		if !utf8.ValidString(name) || len(name) > 1024 {
			t.Skip() // TOML cannot hold it
		}
		root := filepath.Join(t.TempDir(), "proj")
		if err := os.Mkdir(root, 0o755); err != nil {
			t.Fatal(err)
		}
		// Create the file when the OS allows, and only ever inside the project.
		if filepath.IsLocal(name) && !strings.ContainsRune(name, 0) {
			p := filepath.Join(root, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
				_ = os.WriteFile(p, []byte("x"), 0o644)
			}
		}
		deps := "dependencies = [" + tomlQuote(name) + "]\ninstall = \"make deps\"\n"
		if inTable {
			deps = "dependencies = [{ files = [" + tomlQuote(name) + "], install = \"make deps\" }]\n"
		}
		cfgPath := filepath.Join(root, ConfigFile)
		if err := os.WriteFile(cfgPath, []byte(deps), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := ParseConfig(cfgPath, []byte(deps))
		if err != nil {
			t.Fatalf("a TOML string as a dependency is refused: %v\n%s", err, deps)
		}
		s, err := Resolve(c, testHost)

		if leavesProject(name) {
			if err == nil {
				t.Fatalf("dependency %q outside the project is accepted: %+v", name, s.Groups)
			}
			if !strings.Contains(err.Error(), "outside the project") {
				t.Errorf("dependency %q refused with %q, want it to say it is outside the project", name, err)
			}
		}
		if err != nil {
			return
		}
		for _, g := range s.Groups {
			for _, f := range g.Files {
				if !filepath.IsLocal(filepath.FromSlash(f)) {
					t.Errorf("dependency %q resolves to %q, not a path inside the project", name, f)
				}
				st, err := os.Lstat(filepath.Join(root, filepath.FromSlash(f)))
				if err != nil || !st.Mode().IsRegular() {
					t.Errorf("dependency %q resolves to %q, not a regular file in the project (%v)", name, f, err)
				}
			}
		}
		for _, opt := range []RenderOptions{{BuildKit: true}, {BuildKit: false}} {
			df, err := Render(s, opt)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			checkDockerfile(t, s, opt, df)
			checkOnlyDevenvInstructions(t, df)
		}
	})
}

// leavesProject reports whether a slash-separated dependency name points outside the
// project root: absolute, or climbing above it.
func leavesProject(name string) bool {
	clean := path.Clean(name)
	return name != "" && (path.IsAbs(name) || filepath.IsAbs(name) || clean == ".." || strings.HasPrefix(clean, "../"))
}

// FuzzQuoteEnvValue: every value [env] accepts reads back from the Dockerfile exactly.
func FuzzQuoteEnvValue(f *testing.F) {
	for _, s := range []string{"", `\`, `"`, "$X", "${X}", `a\"b`, "\\$", "é", "<<EOF", "'", "\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.ContainsAny(v, "\x00\r\n") || !utf8.ValidString(v) {
			t.Skip() // Resolve refuses these values
		}
		checkEnvRoundTrip(t, v)
	})
}

// BuildKit reads Dockerfile lines of at most 64 KiB: devenv must refuse what it cannot
// render within that, instead of writing a Dockerfile no engine builds.
func TestRenderLongLine(t *testing.T) {
	cfg := newProject(t, "setup = \""+strings.Repeat("a", 70000)+"\"\n", nil)
	s, err := resolveErr(t, cfg, testHost)
	if err != nil {
		return // refused with a message: fine
	}
	df, err := Render(s, RenderOptions{BuildKit: true})
	if err != nil {
		return
	}
	checkDockerfile(t, s, RenderOptions{BuildKit: true}, df)
}

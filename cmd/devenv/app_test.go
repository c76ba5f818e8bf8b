package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
	"github.com/devenv/devenv/env/iostreams"
)

// unreachable is an engine that does not answer.
func unreachable() *enginetest.Engine {
	eng := enginetest.New()
	eng.Fail("Ping", &engine.UnreachableError{Endpoint: "unix:///var/run/docker.sock"})
	return eng
}

// testFactory gives commands buffers for streams and eng as the engine.
func testFactory(eng env.Engine) (*factory, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errOut := iostreams.Test()
	return &factory{
		io: ios,
		newEngine: func() (env.Engine, error) {
			if eng == nil {
				return nil, errors.New("no engine in this test")
			}
			return eng, nil
		},
		signals:        make(chan os.Signal),
		forwardSignals: func(bool) {},
	}, out, errOut
}

// runApp runs devenv with args as the user would and returns its exit status and
// output; app may be changed by the test first (hooks).
func runApp(t *testing.T, f *factory, app *cli.App, args ...string) int {
	t.Helper()
	if app == nil {
		app = newApp(f)
	}
	err := app.RunContext(t.Context(), append([]string{"devenv"}, args...))
	return exitCode(err, f.io)
}

// withCommand replaces the command of that name in app, to hook its runF.
func withCommand(app *cli.App, cmd *cli.Command) *cli.App {
	for i, c := range app.Commands {
		if c.Name == cmd.Name {
			app.Commands[i] = cmd
		}
	}
	return app
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"run without a command", []string{"-C", dir, "run"}, []string{"devenv: run needs a command: devenv run -- CMD [ARGS...]"}},
		{"run with only flags", []string{"-C", dir, "run", "--rebuild"}, []string{"run needs a command"}},
		{"shell with arguments", []string{"-C", dir, "shell", "extra"}, []string{"devenv: shell takes no arguments: to run a command use `devenv run -- extra`"}},
		{"unknown flag on run", []string{"-C", dir, "run", "-la"}, []string{"flag provided but not defined: -la", "put -- before a command that has flags, as in `devenv run -- ls -la`"}},
		{"unknown flag on shell", []string{"-C", dir, "shell", "--verbose"}, []string{"flag provided but not defined: -verbose", "devenv shell --help"}},
		{"unknown command", []string{"bogus"}, []string{`devenv: unknown command "bogus" (see ` + "`devenv --help`)"}},
		{"init with arguments", []string{"-C", dir, "init", "node"}, []string{"init takes no arguments (use -C DIR for another directory)"}},
		{"dockerfile with arguments", []string{"-C", dir, "dockerfile", "out"}, []string{"dockerfile takes no arguments (did you mean -o out?)"}},
		{"build with arguments", []string{"-C", dir, "build", "now"}, []string{"build takes no arguments"}},
		{"bad progress", []string{"-C", dir, "build", "--progress", "fancy"}, []string{`--progress "fancy": use auto, plain or quiet`}},
		{"bad progress on run", []string{"-C", dir, "run", "--progress", "fancy", "--", "true"}, []string{`--progress "fancy"`}},
		{"missing -C directory", []string{"-C", filepath.Join(dir, "nope"), "init"}, []string{"-C " + filepath.Join(dir, "nope") + ": no such directory"}},
		{"-C names a file", []string{"-C", writeTemp(t, "file"), "init"}, []string{"no such directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := enginetest.New()
			f, _, errOut := testFactory(eng)
			code := runApp(t, f, nil, tt.args...)
			if code != exitUsage {
				t.Errorf("exit status %d, want %d (stderr %q)", code, exitUsage, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr = %q, want it to say %q", errOut, w)
				}
			}
			if len(eng.Builds())+len(eng.Runs()) != 0 {
				t.Errorf("a usage error still built or ran")
			}
			if _, err := os.Stat(filepath.Join(dir, "devenv.toml")); err == nil {
				t.Errorf("a usage error wrote devenv.toml")
			}
		})
	}
}

func writeTemp(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunPassesCommandAndFlags(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args    []string
		cmd     []string
		rebuild bool
		noTTY   bool
	}{
		{[]string{"run", "--", "ls", "-la"}, []string{"ls", "-la"}, false, false},
		{[]string{"run", "make", "test"}, []string{"make", "test"}, false, false},
		{[]string{"run", "--rebuild", "-T", "--", "go", "test", "./..."}, []string{"go", "test", "./..."}, true, true},
		{[]string{"run", "--no-tty", "--", "--weird-cmd"}, []string{"--weird-cmd"}, false, true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, _, errOut := testFactory(nil)
			var got *runOptions
			app := withCommand(newApp(f), newRunCmd(f, func(_ context.Context, o *runOptions) error {
				got = o
				return nil
			}))
			if code := runApp(t, f, app, append([]string{"-C", dir}, tt.args...)...); code != exitOK {
				t.Fatalf("exit status %d: %s", code, errOut)
			}
			if got == nil {
				t.Fatal("run hook not called")
			}
			if !slices.Equal(got.cmd, tt.cmd) || got.rebuild != tt.rebuild || got.noTTY != tt.noTTY || got.dir != dir || got.progress != "auto" {
				t.Errorf("options = %+v, want cmd %q rebuild %v noTTY %v dir %s", got, tt.cmd, tt.rebuild, tt.noTTY, dir)
			}
		})
	}
}

func TestShellRunsTheShell(t *testing.T) {
	dir := t.TempDir()
	f, _, errOut := testFactory(nil)
	var got *runOptions
	app := withCommand(newApp(f), newShellCmd(f, func(_ context.Context, o *runOptions) error {
		got = o
		return nil
	}))
	if code := runApp(t, f, app, "-C", dir, "shell", "--progress", "quiet"); code != exitOK {
		t.Fatalf("exit status %d: %s", code, errOut)
	}
	if got == nil || got.cmd != nil || got.progress != "quiet" || got.dir != dir {
		t.Errorf("options = %+v, want the shell (no command) in %s", got, dir)
	}
}

func TestChdirRelative(t *testing.T) {
	base := t.TempDir()
	t.Chdir(base)
	if err := os.Mkdir(filepath.Join(base, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, _, errOut := testFactory(nil)
	var got *runOptions
	app := withCommand(newApp(f), newRunCmd(f, func(_ context.Context, o *runOptions) error {
		got = o
		return nil
	}))
	if code := runApp(t, f, app, "-C", "sub", "run", "true"); code != exitOK {
		t.Fatalf("exit status %d: %s", code, errOut)
	}
	if got == nil || got.dir != filepath.Join(base, "sub") {
		t.Errorf("dir = %+v, want %s", got, filepath.Join(base, "sub"))
	}
}

func TestInit(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "devenv.toml")

	f, _, errOut := testFactory(nil)
	if code := runApp(t, f, nil, "-C", dir, "init"); code != exitOK {
		t.Fatalf("init: exit status %d: %s", code, errOut)
	}
	if want := "wrote " + cfg + ` (template "node")`; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "\ntemplate = \"node\"") {
		t.Errorf("devenv.toml does not set template node:\n%s", data)
	}
	c, err := env.LoadConfig(cfg)
	if err != nil {
		t.Fatalf("init wrote a devenv.toml that does not load: %v", err)
	}
	if c.Template != "node" {
		t.Errorf("template = %q", c.Template)
	}

	// The user edits the file; init again must not touch it.
	edited := append(data, []byte("\n# my edit\n")...)
	if err := os.WriteFile(cfg, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	f, _, errOut = testFactory(nil)
	if code := runApp(t, f, nil, "-C", dir, "init"); code != exitError {
		t.Errorf("second init: exit status %d, want %d", code, exitError)
	}
	if want := "devenv: " + cfg + " already exists: edit it, or run `devenv init --force` to replace it"; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
	if now, _ := os.ReadFile(cfg); !bytes.Equal(now, edited) {
		t.Errorf("second init changed devenv.toml:\n%s", now)
	}

	// --force replaces it.
	f, _, errOut = testFactory(nil)
	if code := runApp(t, f, nil, "-C", dir, "init", "--force"); code != exitOK {
		t.Fatalf("init --force: exit status %d: %s", code, errOut)
	}
	if now, _ := os.ReadFile(cfg); !bytes.Equal(now, data) {
		t.Errorf("init --force did not write a fresh devenv.toml:\n%s", now)
	}
}

func TestInitHookGetsOptions(t *testing.T) {
	dir := t.TempDir()
	f, _, _ := testFactory(nil)
	var got *initOptions
	app := withCommand(newApp(f), newInitCmd(f, func(o *initOptions) error {
		got = o
		return nil
	}))
	if code := runApp(t, f, app, "-C", dir, "init", "-f"); code != exitOK {
		t.Fatalf("exit status %d", code)
	}
	if got == nil || !got.force || got.dir != dir {
		t.Errorf("options = %+v", got)
	}
}

func TestDockerfile(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"devenv.toml":      "template = \"python\"\npackages = [\"git\"]\n",
		"requirements.txt": "flask\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := env.LoadProject(dir, env.CurrentHost(), env.RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("stdout", func(t *testing.T) {
		f, out, errOut := testFactory(nil)
		if code := runApp(t, f, nil, "-C", dir, "dockerfile"); code != exitOK {
			t.Fatalf("exit status %d: %s", code, errOut)
		}
		if out.String() != p.Dockerfile {
			t.Errorf("stdout = %q, want the rendered Dockerfile", out)
		}
	})
	t.Run("-o FILE", func(t *testing.T) {
		target := filepath.Join(t.TempDir(), "Dockerfile.devenv")
		f, out, errOut := testFactory(nil)
		if code := runApp(t, f, nil, "-C", dir, "dockerfile", "-o", target); code != exitOK {
			t.Fatalf("exit status %d: %s", code, errOut)
		}
		got, err := os.ReadFile(target)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != p.Dockerfile {
			t.Errorf("%s holds %q, want the rendered Dockerfile", target, got)
		}
		if out.Len() != 0 || !strings.Contains(errOut.String(), "wrote "+target) {
			t.Errorf("stdout %q stderr %q", out, errOut)
		}
	})
	t.Run("-o -", func(t *testing.T) {
		f, out, _ := testFactory(nil)
		if code := runApp(t, f, nil, "-C", dir, "dockerfile", "-o", "-"); code != exitOK {
			t.Fatalf("exit status %d", code)
		}
		if out.String() != p.Dockerfile {
			t.Errorf("-o - does not print the Dockerfile")
		}
	})
	t.Run("-o into a missing directory", func(t *testing.T) {
		target := filepath.Join(t.TempDir(), "no", "such", "Dockerfile")
		f, _, errOut := testFactory(nil)
		if code := runApp(t, f, nil, "-C", dir, "dockerfile", "-o", target); code != exitError {
			t.Errorf("exit status %d, want %d", code, exitError)
		}
		if !strings.Contains(errOut.String(), "devenv: cannot write "+target) {
			t.Errorf("stderr = %q", errOut)
		}
	})
}

// -C DIR is "run as if devenv was started in DIR": a relative -o FILE lands in DIR.
func TestDockerfileOutputRelativeToChdir(t *testing.T) {
	cwd, proj := t.TempDir(), t.TempDir()
	t.Chdir(cwd)
	if err := os.WriteFile(filepath.Join(proj, "devenv.toml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f, _, errOut := testFactory(nil)
	if code := runApp(t, f, nil, "-C", proj, "dockerfile", "-o", "Dockerfile.out"); code != exitOK {
		t.Fatalf("exit status %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(proj, "Dockerfile.out")); err != nil {
		t.Errorf("-C %s dockerfile -o Dockerfile.out did not write into %s: %v", proj, proj, err)
	}
}

func TestMissingConfig(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"dockerfile"},
		{"build"},
		{"run", "--", "true"},
		{"shell"},
	} {
		t.Run(args[0], func(t *testing.T) {
			f, _, errOut := testFactory(enginetest.New())
			code := runApp(t, f, nil, append([]string{"-C", dir}, args...)...)
			if code != exitError {
				t.Errorf("exit status %d, want %d", code, exitError)
			}
			want := "devenv: no devenv.toml in " + dir + " or any parent directory: run `devenv init` to create one\n"
			if errOut.String() != want {
				t.Errorf("stderr = %q, want %q", errOut, want)
			}
		})
	}
}

func TestConfigErrorBeforeEngine(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "devenv.toml"), []byte("pacakges = [\"git\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// No engine answers, yet the mistake in devenv.toml is what the user hears about.
	f, _, errOut := testFactory(unreachable())
	if code := runApp(t, f, nil, "-C", dir, "build"); code != exitError {
		t.Errorf("exit status %d, want %d", code, exitError)
	}
	if want := `devenv.toml:1:1: unknown key "pacakges" (did you mean "packages"?)`; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
}

func TestEngineUnreachable(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "devenv.toml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f, _, errOut := testFactory(unreachable())
	if code := runApp(t, f, nil, "-C", dir, "run", "--", "true"); code != exitError {
		t.Errorf("exit status %d, want %d", code, exitError)
	}
	if !strings.Contains(errOut.String(), "devenv: cannot reach Docker at unix:///var/run/docker.sock: is the Docker daemon running?") {
		t.Errorf("stderr = %q", errOut)
	}
}

func TestBuildAndRunWithFakeEngine(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"devenv.toml":      "name = \"web\"\ntemplate = \"python\"\n",
		"requirements.txt": "flask\n",
		"app.py":           "print()\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sub := filepath.Join(dir, "src")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	ca := writeTemp(t, "ca.pem")
	t.Setenv("SSL_CERT_FILE", ca)
	eng := enginetest.New()
	eng.OnRun = func(engine.RunRequest) (int, error) { return 7, nil }

	f, _, errOut := testFactory(eng)
	if code := runApp(t, f, nil, "-C", dir, "build", "--progress", "plain"); code != exitOK {
		t.Fatalf("build: exit status %d: %s", code, errOut)
	}
	builds := eng.Builds()
	if len(builds) != 1 || !strings.HasPrefix(builds[0].Tag, "devenv/web:") {
		t.Fatalf("builds = %+v", builds)
	}
	if want := []string{".devenv/Dockerfile", "requirements.txt"}; !slices.Equal(eng.Contexts()[0].Names, want) {
		t.Errorf("build context = %q", eng.Contexts()[0].Names)
	}
	if !strings.Contains(errOut.String(), "built "+builds[0].Tag) {
		t.Errorf("stderr = %q", errOut)
	}

	f, _, errOut = testFactory(eng)
	if code := runApp(t, f, nil, "-C", dir, "build"); code != exitOK {
		t.Fatalf("second build: exit status %d: %s", code, errOut)
	}
	if len(eng.Builds()) != 1 || !strings.Contains(errOut.String(), builds[0].Tag+" is up to date") {
		t.Errorf("second build rebuilt (%d builds) or said %q", len(eng.Builds()), errOut)
	}

	// The command's own status is devenv's, and it runs where the user stands.
	f, _, errOut = testFactory(eng)
	if code := runApp(t, f, nil, "-C", sub, "run", "--", "python", "app.py"); code != 7 {
		t.Errorf("run: exit status %d, want the command's 7 (stderr %q)", code, errOut)
	}
	if len(eng.Runs()) != 1 {
		t.Fatalf("runs = %d", len(eng.Runs()))
	}
	run := eng.Runs()[0]
	if !slices.Equal(run.Cmd, []string{"python", "app.py"}) || run.Workdir != "/workspace/src" || run.Image != builds[0].Tag || run.TTY {
		t.Errorf("run request = %+v", run)
	}
	if strings.Contains(errOut.String(), "devenv:") {
		t.Errorf("a command's own failure is reported by devenv too: %q", errOut)
	}

	// Without BuildKit the image is another one, built from a Dockerfile without mounts.
	eng.SetInfo(engine.Info{BuildKit: false})
	f, _, errOut = testFactory(eng)
	if code := runApp(t, f, nil, "-C", dir, "build", "--progress", "quiet"); code != exitOK {
		t.Fatalf("classic build: exit status %d: %s", code, errOut)
	}
	if builds := eng.Builds(); len(builds) != 2 || builds[1].Tag == builds[0].Tag || builds[1].BuildKit {
		t.Errorf("classic build: %+v", builds)
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err    error
		code   int
		stderr string
	}{
		{nil, exitOK, ""},
		{&env.ExitError{Code: 42}, 42, ""},
		{errors.New("boom"), exitError, "devenv: boom\n"},
		{&usageError{errors.New("bad flag")}, exitUsage, "devenv: bad flag\n"},
	}
	for _, tt := range tests {
		ios, _, _, errOut := iostreams.Test()
		if got := exitCode(tt.err, ios); got != tt.code || errOut.String() != tt.stderr {
			t.Errorf("exitCode(%v) = %d with stderr %q, want %d %q", tt.err, got, errOut, tt.code, tt.stderr)
		}
	}
}

package env

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Changing, adding or removing an [env] value that no install step reads leaves the
// image as it is: the value is given to the container when it starts.
func TestFingerprintIgnoresRunEnv(t *testing.T) {
	cfg := fpProject(t)
	root := filepath.Dir(cfg)
	install := `install = "pip install -r requirements.txt"`
	rewriteConfig(t, root, install, install+"\n[env]\nGREETING = \"hello\"\nDEBUG = \"1\"")
	before := fingerprint(t, cfg, testHost)
	for _, change := range [][2]string{
		{`GREETING = "hello"`, `GREETING = "bonjour"`},
		{`DEBUG = "1"`, `DEBUG = "1"` + "\nADDED = \"x\""},
		{`GREETING = "bonjour"`, ""},
	} {
		rewriteConfig(t, root, change[0], change[1])
		if after := fingerprint(t, cfg, testHost); after != before {
			t.Fatalf("changing %q to %q changed the fingerprint %s to %s", change[0], change[1], before, after)
		}
	}
}

func TestBuildEnvNames(t *testing.T) {
	s := mustResolve(t, `template = "python"
setup = ["echo ${FROM_SETUP:-x} $FROM_SETUP_TOO"]

[env]
PIP_INDEX_URL = "http://127.0.0.1/simple/"
npm_config_registry = "http://127.0.0.1/npm/"
GOPROXY = "off"
HTTPS_PROXY = "http://proxy:3128"
FROM_SETUP = "a"
FROM_SETUP_TOO = "b"
FROM_SETUP_T = "not named: a prefix of a named one"
PORT = "8000"
DATABASE_URL = "postgres://db/app"

[build.env]
E2E_NONCE = "1"
`, map[string]string{"requirements.txt": ""}, testHost)
	got := BuildEnvNames(s)
	want := []string{"E2E_NONCE", "FROM_SETUP", "FROM_SETUP_TOO", "GOPROXY", "HTTPS_PROXY", "PIP_INDEX_URL", "npm_config_registry"}
	if !slices.Equal(got, want) {
		t.Errorf("BuildEnvNames = %q, want %q", got, want)
	}
	// Every value, build-time or not, is given to the container.
	req := RunRequest(&Project{Spec: s}, RunOptions{Cwd: s.Root}, "linux")
	for _, kv := range []string{"PORT=8000", "DATABASE_URL=postgres://db/app", "E2E_NONCE=1", "PIP_INDEX_URL=http://127.0.0.1/simple/"} {
		if !slices.Contains(req.Env, kv) {
			t.Errorf("the container's environment lacks %s: %q", kv, req.Env)
		}
	}
	df, err := Render(s, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(df, "PORT") || strings.Contains(df, "DATABASE_URL") {
		t.Errorf("a run-time value reached the Dockerfile:\n%s", df)
	}
	if !strings.Contains(df, `ENV E2E_NONCE="1"`) || !strings.Contains(df, `ENV PIP_INDEX_URL=`) {
		t.Errorf("a build-time value is missing from the Dockerfile:\n%s", df)
	}
}

func TestBuildEnvErrors(t *testing.T) {
	for _, tc := range []struct{ toml, want string }{
		{"[env]\nA = \"1\"\n[build.env]\nA = \"2\"\n", "devenv.toml:4:1: A is set in both [env] and [build.env]"},
		{"[build.env]\nA = [\"1\"]\n", "devenv.toml:2"},
		{"[build.envs]\nA = \"1\"\n", `unknown key "envs" in [build]`},
		{"build = \"x\"\n", "must be a table"},
		{"[build.env]\n\"1A\" = \"1\"\n", "[build.env] name \"1A\""},
	} {
		_, err := resolveErr(t, newProject(t, tc.toml, nil), testHost)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %q", tc.toml, err, tc.want)
		}
	}
}

func TestEnvHashFollowsValues(t *testing.T) {
	a := &Spec{Env: map[string]string{"A": "1", "B": "2"}}
	b := &Spec{Env: map[string]string{"A": "1", "B": "3"}}
	c := &Spec{Env: map[string]string{"A": "1=B", "": "2"}}
	if envHash(a) == envHash(b) || envHash(a) == envHash(c) {
		t.Errorf("different [env] values hash the same")
	}
	if envHash(a) != envHash(&Spec{Env: map[string]string{"B": "2", "A": "1"}}) {
		t.Errorf("the same values hash differently")
	}
}

// devenv.toml.example lists every name and family that reaches the build by default.
func TestBuildEnvNamesDocumented(t *testing.T) {
	data, err := os.ReadFile("../devenv.toml.example")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, n := range buildEnvNames {
		if !strings.Contains(text, " "+n+",") && !strings.Contains(text, " "+n+";") {
			t.Errorf("devenv.toml.example does not list %s among the build-time names", n)
		}
	}
	for _, p := range buildEnvPrefixes {
		if !strings.Contains(text, p+"*") {
			t.Errorf("devenv.toml.example does not list %s* among the build-time families", p)
		}
	}
}

package env

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Every example a new user may cd into loads, resolves and renders into a Dockerfile
// that BuildKit parses.
func TestExamplesRender(t *testing.T) {
	configs, err := filepath.Glob("../examples/*/devenv.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(configs) == 0 {
		t.Fatal("no examples/*/devenv.toml found")
	}
	for _, path := range configs {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			cfg, err := LoadConfig(path)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := Resolve(cfg, Host{UID: 1000, GID: 1000, UserName: "student"})
			if err != nil {
				t.Fatal(err)
			}
			// The Go and Node examples show a real dependency installed during the build.
			if (cfg.Template == "go" || cfg.Template == "node") && len(spec.Groups) == 0 {
				t.Errorf("the %s example installs no dependencies", cfg.Template)
			}
			df, err := Render(spec, RenderOptions{BuildKit: true})
			if err != nil {
				t.Fatal(err)
			}
			res, err := parser.Parse(strings.NewReader(df))
			if err != nil {
				t.Fatalf("BuildKit cannot parse the Dockerfile: %v\n%s", err, df)
			}
			if got := strings.ToLower(res.AST.Children[0].Value); got != "from" {
				t.Errorf("first instruction is %s, want FROM", got)
			}
		})
	}
}

// devenv.toml.example documents every key: it must itself be a valid devenv.toml.
func TestConfigExampleParses(t *testing.T) {
	data, err := os.ReadFile("../devenv.toml.example")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(filepath.Join(t.TempDir(), "devenv.toml"), data)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range configKeys {
		if !cfg.IsSet(key) {
			t.Errorf("devenv.toml.example does not show key %q", key)
		}
	}
}

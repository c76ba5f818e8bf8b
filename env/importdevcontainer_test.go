package env

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// planFor writes files into a fresh project folder and plans its init.
func planFor(t *testing.T, files map[string]string) (*InitPlan, *Spec, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "proj")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, root, files)
	plan, err := PlanInit(root)
	if err != nil {
		t.Fatalf("PlanInit: %v", err)
	}
	var explain bytes.Buffer
	plan.Explain(&explain)
	// What init writes must load as it is.
	cfg, err := ParseConfig(filepath.Join(root, ConfigFile), []byte(plan.Text))
	if err != nil {
		t.Fatalf("the devenv.toml init writes does not parse: %v\n%s", err, plan.Text)
	}
	spec, err := Resolve(cfg, testHost)
	if err != nil {
		t.Fatalf("the devenv.toml init writes does not resolve: %v\n%s", err, plan.Text)
	}
	return plan, spec, explain.String()
}

func wantLines(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, l) {
			t.Errorf("missing %q in:\n%s", l, text)
		}
	}
}

// A devcontainer.json as VS Code writes them: comments, trailing commas.
const realDevcontainer = `// For format details, see https://aka.ms/devcontainer.json.
{
	"name": "My App",
	"build": {
		// Sets the run context to one level up instead of the .devcontainer folder.
		"context": "..",
		"dockerfile": "Dockerfile", /* the dev image */
		"args": { "VARIANT": "3.12" },
	},
	"containerEnv": {
		"APP_ENV": "development",
		"GITHUB_TOKEN": "${localEnv:GITHUB_TOKEN}",
		"HOST_HOME": "${localEnv:HOME}",
	},
	"forwardPorts": [3000, "8080", "db:5432"],
	"postCreateCommand": "pip install --user -e .",
	"postStartCommand": ["make", "migrate"],
	"features": {
		"ghcr.io/devcontainers/features/node:1": { "version": "lts" },
		"ghcr.io/devcontainers/features/github-cli:1": {},
	},
	"customizations": { "vscode": { "extensions": ["ms-python.python"] } },
	"remoteUser": "vscode",
	"runArgs": ["--cap-add=SYS_PTRACE"],
}
`

func TestImportDevcontainerBuild(t *testing.T) {
	plan, spec, explain := planFor(t, map[string]string{
		".devcontainer/devcontainer.json": realDevcontainer,
		".devcontainer/Dockerfile":        "FROM debian:bookworm\nRUN apt-get update && apt-get install -y python3\n",
		"requirements.txt":                "flask\n",
		"app.py":                          "",
	})
	if spec.OwnDockerfile == nil || spec.OwnDockerfile.Path != ".devcontainer/Dockerfile" || spec.OwnDockerfile.Context != "." {
		t.Fatalf("OwnDockerfile = %+v, want .devcontainer/Dockerfile with the root as context", spec.OwnDockerfile)
	}
	if plan.Template() != "generic" {
		t.Errorf("template %q: the Dockerfile gives the environment", plan.Template())
	}
	if got := spec.Env; got["APP_ENV"] != "development" || len(got) != 1 {
		t.Errorf("[env] = %v, want APP_ENV only", got)
	}
	if !slices.Equal(spec.PassEnv, []string{"GITHUB_TOKEN"}) {
		t.Errorf("pass_env = %v, want the host's own GITHUB_TOKEN", spec.PassEnv)
	}
	if !slices.Equal(spec.Ports, []string{"3000:3000", "8080:8080"}) {
		t.Errorf("ports = %v", spec.Ports)
	}
	if !slices.Equal(spec.OnCreate, []string{"pip install --user -e ."}) || !slices.Equal(spec.OnStart, []string{"make migrate"}) {
		t.Errorf("on_create = %q, on_start = %q: want the devcontainer's postCreateCommand and postStartCommand", spec.OnCreate, spec.OnStart)
	}
	wantLines(t, plan.Text,
		`on_create = ["pip install --user -e ."]`,
		`on_start = ["make migrate"]`,
	)
	wantLines(t, explain,
		"found   .devcontainer/devcontainer.json",
		"chose   the environment of .devcontainer/devcontainer.json build over the python stack",
		`chose   dockerfile = ".devcontainer/Dockerfile" (devcontainer.json build)`,
		"chose   [env] APP_ENV (devcontainer.json containerEnv)",
		"chose   pass_env GITHUB_TOKEN",
		`chose   ports "3000:3000" (forwardPorts 3000)`,
		"left    build.args are not imported",
		`left    devcontainer.json containerEnv HOST_HOME = "${localEnv:HOME}" needs a value devenv cannot work out`,
		`left    forwardPorts "db:5432" names a port of another container`,
		`chose   on_create "pip install --user -e ." (devcontainer.json postCreateCommand)`,
		`chose   on_start "make migrate" (devcontainer.json postStartCommand)`,
		"left    devcontainer features are not imported (ghcr.io/devcontainers/features/github-cli:1, ghcr.io/devcontainers/features/node:1): add their tools to packages",
		`left    remoteUser "vscode" is not imported: devenv runs as your own UID and GID`,
		"left    devcontainer.json runArgs is not imported",
	)
	if strings.Contains(explain, "customizations") || strings.Contains(explain, "is here too") {
		t.Errorf("editor settings and imported files need no line:\n%s", explain)
	}
}

func TestImportDevcontainerImage(t *testing.T) {
	plan, spec, explain := planFor(t, map[string]string{
		".devcontainer.json": `{"image": "mcr.microsoft.com/devcontainers/go:1.22", "workspaceFolder": "/src", "remoteUser": "root"}`,
		"go.mod":             "module example.com/x\n\ngo 1.22\n",
	})
	// The image carries Go: it is the base, and the go stack's layers go on it.
	if spec.Base != "mcr.microsoft.com/devcontainers/go:1.22" || spec.Workdir != "/src" || plan.Template() != "go" {
		t.Errorf("base %q workdir %q template %q", spec.Base, spec.Workdir, plan.Template())
	}
	wantLines(t, explain, `chose   base = "mcr.microsoft.com/devcontainers/go:1.22" (.devcontainer.json image), with the go stack's dependency layers on it`, `left    remoteUser "root"`)
	if strings.Contains(explain, "no stack devenv knows") {
		t.Errorf("the image is the environment: no generic lines\n%s", explain)
	}
}

func TestImportDevcontainerBadJSON(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{".devcontainer/devcontainer.json": "{\n  // ok\n  \"image\": \"debian\",\n  \"forwardPorts\": 3000\n}\n"})
	_, err := PlanInit(root)
	wantErr(t, err, ".devcontainer/devcontainer.json:4:", "forwardPorts must be a list")
	writeFiles(t, root, map[string]string{".devcontainer/devcontainer.json": "{\n  \"image\": \"debian\"\n  \"x\": 1\n}\n"})
	_, err = PlanInit(root)
	wantErr(t, err, ".devcontainer/devcontainer.json", "line 3")
	if _, statErr := os.Stat(filepath.Join(root, ConfigFile)); statErr == nil {
		t.Error("a devenv.toml was written")
	}
}

func TestImportLoneDockerfileIsOffered(t *testing.T) {
	plan, _, explain := planFor(t, map[string]string{"Dockerfile": "FROM debian:bookworm\n", "requirements.txt": "flask\n"})
	wantLines(t, plan.Text, `# dockerfile = "Dockerfile"  # build the environment from the project's own Dockerfile instead`)
	wantLines(t, explain, "note    Dockerfile is here too")
}

// A general image gets its language from features, which devenv does not import: the
// stack's own image is the base, and init says why the devcontainer's is not.
func TestImportDevcontainerGeneralImage(t *testing.T) {
	plan, spec, explain := planFor(t, map[string]string{
		".devcontainer/devcontainer.json": `{"image": "mcr.microsoft.com/devcontainers/base:ubuntu", "features": {"ghcr.io/devcontainers/features/java:1": {}}}`,
		"pom.xml":                         "<project><properties><maven.compiler.release>17</maven.compiler.release></properties></project>",
	})
	if plan.Template() != "java" || spec.Base != "maven:3-eclipse-temurin-17" {
		t.Errorf("template %q base %q", plan.Template(), spec.Base)
	}
	wantLines(t, explain, `left    image "mcr.microsoft.com/devcontainers/base:ubuntu" (devcontainer.json image) is not used: it has no java of its own`)
}

func TestImageCarries(t *testing.T) {
	for _, tt := range []struct {
		image, stack string
		want         bool
	}{
		{"mcr.microsoft.com/devcontainers/python:3", "python", true},
		{"mcr.microsoft.com/devcontainers/typescript-node:22", "node", true},
		{"mcr.microsoft.com/devcontainers/base:ubuntu", "python", false},
		{"mcr.microsoft.com/devcontainers/universal:2", "go", false},
		{"golang:1.23", "go", true},
		{"registry.example.com:5000/team/go-tools:1", "go", true},
		{"mcr.microsoft.com/devcontainers/base:python", "python", false},
	} {
		if got := imageCarries(tt.image, tt.stack); got != tt.want {
			t.Errorf("imageCarries(%q, %q) = %v", tt.image, tt.stack, got)
		}
	}
}

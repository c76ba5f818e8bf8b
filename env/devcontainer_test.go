package env

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDevcontainerFiles(t *testing.T) {
	s := mustResolve(t, `name = "shop"
template = "python"
ports = ["8000:8000", "127.0.0.1:5432:5432"]
pass_env = ["GITHUB_TOKEN"]
[env]
DEBUG = "1"
`, map[string]string{"requirements.txt": "flask\n"}, Host{UID: 501, GID: 20, UserName: "alice", CABundle: "/etc/ssl/cert.pem"})
	dcJSON, df, err := DevcontainerFiles(s)
	if err != nil {
		t.Fatal(err)
	}
	// JSON with comments: the first line is ours.
	body := bytes.SplitN(dcJSON, []byte("\n"), 2)[1]
	var dc map[string]any
	if err := json.Unmarshal(body, &dc); err != nil {
		t.Fatalf("devcontainer.json does not parse: %v\n%s", err, dcJSON)
	}
	want := map[string]any{
		"name":                "shop",
		"build":               map[string]any{"dockerfile": "Dockerfile", "context": ".."},
		"workspaceMount":      "source=${localWorkspaceFolder},target=/workspace,type=bind",
		"workspaceFolder":     "/workspace",
		"runArgs":             []any{"--init"},
		"remoteUser":          "dev",
		"containerUser":       "dev",
		"updateRemoteUserUID": true,
		"containerEnv":        map[string]any{"DEBUG": "1"},
		"remoteEnv":           map[string]any{"GITHUB_TOKEN": "${localEnv:GITHUB_TOKEN}"},
		"forwardPorts":        []any{5432.0, 8000.0},
	}
	if !reflect.DeepEqual(dc, want) {
		t.Errorf("devcontainer.json =\n%s\nwant %v", body, want)
	}
	// The Dockerfile is the project's, without this machine's CA bundle or UID.
	text := string(df)
	if strings.Contains(text, "devenv-ca") || strings.Contains(text, "uid=501") {
		t.Errorf("exported Dockerfile carries host-specific parts:\n%s", text)
	}
	if !strings.Contains(text, "uid=1000 gid=1000 name=dev") || !strings.Contains(text, `COPY ["requirements.txt","/workspace/"]`) {
		t.Errorf("exported Dockerfile lacks the user or the dependencies:\n%s", text)
	}
}

func TestWriteDevcontainerRefusesToOverwrite(t *testing.T) {
	s := mustResolve(t, "name = \"x\"\n", nil, testHost)
	dir := filepath.Join(s.Root, ".devcontainer")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(dir, "devcontainer.json")
	if err := os.WriteFile(mine, []byte("{\"name\": \"hand-made\"}"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := WriteDevcontainer(s, false)
	wantErr(t, err, "devcontainer.json already exists", "--force")
	if data, _ := os.ReadFile(mine); string(data) != "{\"name\": \"hand-made\"}" {
		t.Errorf("devcontainer.json was changed: %s", data)
	}
	if _, err := os.Stat(filepath.Join(dir, "Dockerfile")); err == nil {
		t.Error("a Dockerfile was written although the export was refused")
	}
	if _, err := WriteDevcontainer(s, true); err != nil {
		t.Fatal(err)
	}
}

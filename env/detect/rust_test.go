package detect

import (
	"errors"
	"strings"
	"testing"
)

func TestRustVersion(t *testing.T) {
	tests := []struct {
		name        string
		files       map[string]string
		base, found string
	}{
		{"rust-toolchain.toml", map[string]string{"Cargo.toml": "[package]\nname = \"x\"\n", "rust-toolchain.toml": "[toolchain]\n\nchannel = \"1.79.0\"\n"},
			"rust:1.79-slim-bookworm", "Rust 1.79.0 (from rust-toolchain.toml:3)"},
		{"rust-toolchain", map[string]string{"Cargo.toml": "[package]\nname = \"x\"\n", "rust-toolchain": "# pinned\n1.80\n"},
			"rust:1.80-slim-bookworm", "Rust 1.80 (from rust-toolchain:2)"},
		{"stable channel keeps the stable image", map[string]string{"Cargo.toml": "[package]\nname = \"x\"\n", "rust-toolchain.toml": "[toolchain]\nchannel = \"stable\"\n"},
			"rust:1-slim-bookworm", "Rust stable (from rust-toolchain.toml:2)"},
		{"rust-version is a minimum", map[string]string{"Cargo.toml": "[package]\nname = \"x\"\nedition = \"2021\"\nrust-version = \"1.70\"\n"},
			"rust:1-slim-bookworm", "rust-version 1.70 (the oldest Rust it supports) in Cargo.toml:4"},
		{"workspace rust-version", map[string]string{"Cargo.toml": "[workspace]\nmembers = []\n\n[workspace.package]\nrust-version = \"1.74\"\n"},
			"rust:1-slim-bookworm", "rust-version 1.74 (the oldest Rust it supports) in Cargo.toml:5"},
		{"toolchain file wins over rust-version", map[string]string{"Cargo.toml": "[package]\nname = \"x\"\nrust-version = \"1.70\"\n", "rust-toolchain": "1.81.0\n"},
			"rust:1.81-slim-bookworm", "Rust 1.81.0 (from rust-toolchain:1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, tt.files), "rust")
			if err != nil {
				t.Fatal(err)
			}
			if st.Base != tt.base {
				t.Errorf("base %s, want %s", st.Base, tt.base)
			}
			if found := strings.Join(st.Found, "\n"); !strings.Contains(found, tt.found) {
				t.Errorf("found %q, want %q", found, tt.found)
			}
		})
	}
}

func TestRustSinglePackage(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{"Cargo.toml": "[package]\nname = \"x\"\n", "Cargo.lock": ""}), "rust")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(st.Groups[0].Files, " "); got != "Cargo.toml Cargo.lock .cargo/config.toml .cargo/config" {
		t.Errorf("files %q", got)
	}
	cmd := st.Groups[0].Install[0]
	if !strings.Contains(cmd, "stub src/lib.rs '' && cargo fetch") {
		t.Errorf("install %q: want a stub library, then cargo fetch", cmd)
	}
}

func TestRustWorkspaceMembersAndStubs(t *testing.T) {
	root := writeTree(t, map[string]string{
		"Cargo.toml": `[workspace]
members = [
    "crates/*",
    "cli",
]
exclude = ["crates/old"]

[workspace.dependencies]
shared = { path = "libs/shared" }
`,
		"crates/core/Cargo.toml":    "[package]\nname = \"core\"\n\n[lib]\npath = \"lib.rs\"\n",
		"crates/net/Cargo.toml":     "[package]\nname = \"net\"\nbuild = \"build.rs\"\n\n[dependencies]\ncore = { path = \"../core\" }\n",
		"crates/old/Cargo.toml":     "[package]\nname = \"old\"\n",
		"crates/README.md":          "",
		"crates/notes/todo.txt":     "",
		"cli/Cargo.toml":            "[package]\nname = \"cli\"\n\n[[bin]]\nname = \"cli\"\n\n[[bin]]\nname = \"helper\"\n\n[[test]]\nname = \"smoke\"\n\n[target.'cfg(unix)'.dependencies]\nsys = { path = \"../sys\" }\n",
		"sys/Cargo.toml":            "[package]\nname = \"sys\"\n",
		"libs/shared/Cargo.toml":    "[package]\nname = \"shared\"\n",
		"crates/core/src/unread.rs": "",
	})
	st, err := Resolve(root, "rust")
	if err != nil {
		t.Fatal(err)
	}
	files := strings.Join(st.Groups[0].Files, " ")
	for _, f := range []string{"crates/core/Cargo.toml", "crates/net/Cargo.toml", "cli/Cargo.toml", "sys/Cargo.toml", "libs/shared/Cargo.toml"} {
		if !strings.Contains(files, f) {
			t.Errorf("files %q lack %s", files, f)
		}
	}
	if strings.Contains(files, "crates/old") {
		t.Errorf("files %q hold the excluded member", files)
	}
	cmd := st.Groups[0].Install[0]
	for _, stub := range []string{"stub crates/core/lib.rs ''", "stub crates/net/build.rs 'fn main() {}'", "stub crates/net/src/lib.rs ''",
		"stub cli/src/main.rs 'fn main() {}'", "stub cli/src/bin/helper.rs 'fn main() {}'", "stub cli/tests/smoke.rs 'fn main() {}'",
		"stub sys/src/lib.rs ''", "stub libs/shared/src/lib.rs ''"} {
		if !strings.Contains(cmd, stub) {
			t.Errorf("install %q lacks %s", cmd, stub)
		}
	}
	if strings.Contains(cmd, "stub src/lib.rs") {
		t.Errorf("install %q stubs a target for the virtual manifest", cmd)
	}
	if !strings.HasSuffix(cmd, `cargo fetch && chmod -R a+rwX "$CARGO_HOME"`) {
		t.Errorf("install %q does not end with cargo fetch", cmd)
	}
}

func TestRustWorkspaceInSubfolder(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{
		"engine/Cargo.toml":     "[package]\nname = \"engine\"\n\n[workspace]\nmembers = [\"ffi\"]\n\n[dependencies]\nproto = { path = \"../proto\" }\n",
		"engine/ffi/Cargo.toml": "[package]\nname = \"ffi\"\n",
		"proto/Cargo.toml":      "[package]\nname = \"proto\"\n",
	}), "rust")
	if err != nil {
		t.Fatal(err)
	}
	cmd := st.Groups[0].Install[0]
	if !strings.HasPrefix(cmd, "cd engine && ") || !strings.Contains(cmd, "stub ffi/src/lib.rs ''") || !strings.Contains(cmd, "stub ../proto/src/lib.rs ''") {
		t.Errorf("install %q", cmd)
	}
	if files := strings.Join(st.Groups[0].Files, " "); !strings.Contains(files, "proto/Cargo.toml") || !strings.Contains(files, "engine/ffi/Cargo.toml") {
		t.Errorf("files %q", files)
	}
}

func TestRustBadWorkspace(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		file  string
		line  int
		msg   string
	}{
		{"missing member", map[string]string{"Cargo.toml": "[workspace]\nmembers = [\n  \"core\",\n  \"gone\",\n]\n", "core/Cargo.toml": "[package]\nname = \"core\"\n"},
			"Cargo.toml", 4, `workspace member "gone": folder gone does not exist`},
		{"member without a manifest", map[string]string{"Cargo.toml": "[workspace]\nmembers = [\"core\"]\n", "core/src/lib.rs": ""},
			"Cargo.toml", 2, `core has no Cargo.toml`},
		{"missing path dependency", map[string]string{"Cargo.toml": "[workspace]\nmembers = [\"app\"]\n", "app/Cargo.toml": "[package]\nname = \"app\"\n\n[dependencies]\nutil = { path = \"../util\" }\n"},
			"app/Cargo.toml", 5, `path dependency "../util": folder util does not exist`},
		{"path dependency outside", map[string]string{"Cargo.toml": "[package]\nname = \"a\"\n[dependencies]\nb = { path = \"../../b\" }\n"},
			"Cargo.toml", 4, "outside the project"},
		{"manifest that does not parse", map[string]string{"Cargo.toml": "[package]\nname = \"a\n"},
			"Cargo.toml", 2, "not valid TOML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Detect(writeTree(t, tt.files))
			var de *Error
			if !errors.As(err, &de) || de.File != tt.file || de.Line != tt.line || !strings.Contains(de.Msg, tt.msg) {
				t.Fatalf("error %v, want %s:%d: ...%s...", err, tt.file, tt.line, tt.msg)
			}
		})
	}
}

func TestRustVendoredNeedsNoFetch(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{
		"Cargo.toml":             "[package]\nname = \"x\"\n\n[dependencies]\nitoa = \"1\"\n",
		".cargo/config.toml":     "[source.crates-io]\nreplace-with = \"vendored-sources\"\n\n[source.vendored-sources]\ndirectory = \"vendor\"\n",
		"vendor/itoa/Cargo.toml": "[package]\nname = \"itoa\"\n",
	}), "rust")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Groups) != 0 {
		t.Errorf("groups %+v, want no fetch step", st.Groups)
	}
	if !strings.Contains(strings.Join(st.Chose, "\n"), "no fetch step: crates come from vendor") {
		t.Errorf("chose %q", st.Chose)
	}
}

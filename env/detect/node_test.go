package detect

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestNodeVersionSources(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		want   string // Version.String()
		base   string
		reason string
	}{
		{".nvmrc", map[string]string{"package.json": "{}", ".nvmrc": "# team pin\nv22.11.0\n"},
			"v22.11.0 (from .nvmrc:2)", "node:22-bookworm-slim", ""},
		{".node-version", map[string]string{"package.json": "{}", ".node-version": "20\n"},
			"20 (from .node-version:1)", "node:20-bookworm-slim", ""},
		{".tool-versions", map[string]string{"package.json": "{}", ".tool-versions": "python 3.12\nnodejs 22.1.0\n"},
			"22.1.0 (from .tool-versions:2)", "node:22-bookworm-slim", ""},
		{"mise.toml", map[string]string{"package.json": "{}", "mise.toml": "[tools]\nnode = \"20.18\"\n"},
			"20.18 (from mise.toml:2)", "node:20-bookworm-slim", ""},
		{"volta", map[string]string{"package.json": "{\n  \"name\": \"a\",\n  \"engines\": {\"node\": \">=18\"},\n  \"volta\": {\n    \"node\": \"22.1.0\",\n    \"npm\": \"10.5.0\"\n  }\n}\n"},
			"22.1.0 (from package.json:5)", "node:22-bookworm-slim", ""},
		{".nvmrc wins over volta", map[string]string{"package.json": `{"volta": {"node": "20.1.0"}}`, ".nvmrc": "22\n"},
			"22 (from .nvmrc:1)", "node:22-bookworm-slim", ""},
		{"engines.node below the default", map[string]string{"package.json": "{\n  \"engines\": {\n    \"node\": \">=22.12.0 <23\"\n  }\n}\n"},
			"22 (from package.json:3)", "node:22-bookworm-slim", ""},
		{"engines.node allowing the default", map[string]string{"package.json": "{\"engines\": {\"node\": \">=22.12.0\"}}"},
			"24 (from package.json:1)", "node:24-bookworm-slim", ""},
		{"none", map[string]string{"package.json": "{}"}, "24 (devenv's default)", "node:24-bookworm-slim", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, tt.files), "node")
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Version.String(); got != tt.want {
				t.Errorf("version %q, want %q", got, tt.want)
			}
			if st.Base != tt.base {
				t.Errorf("base %q, want %q", st.Base, tt.base)
			}
		})
	}
}

func TestNodePackageManagerField(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		manager  string
		found    string // one of the Found lines
		install  string // a part of the install command
		files2   string // the group's files
		noInstal string // not in the install command
	}{
		{"pnpm with its hash", map[string]string{
			"package.json":   "{\n  \"name\": \"a\",\n  \"packageManager\": \"pnpm@9.12.0+sha512.4abf\"\n}\n",
			"pnpm-lock.yaml": "lockfileVersion: '9.0'\n"},
			"pnpm", "packageManager pnpm@9.12.0 (from package.json:3)",
			"corepack enable && { corepack install || { sleep 3; corepack install; } || { sleep 10; corepack install; }; } && pnpm install --frozen-lockfile && rm -rf /node_modules", "package.json pnpm-lock.yaml", "hoisted"},
		{"yarn 4 is berry", map[string]string{
			"package.json": `{"packageManager": "yarn@4.5.0"}`, "yarn.lock": "__metadata:\n  version: 8\n",
			".yarnrc.yml": "nodeLinker: pnp\nyarnPath: .yarn/releases/yarn-4.5.0.cjs\n", ".yarn/releases/yarn-4.5.0.cjs": "//",
			".yarn/plugins/@yarnpkg/plugin-x.cjs": "//"},
			"yarn berry", "packageManager yarn@4.5.0 (from package.json:1)",
			"r=$(npm config get registry) && export COREPACK_NPM_REGISTRY=\"${r%/}\" && corepack enable && { corepack install || { sleep 3; corepack install; } || { sleep 10; corepack install; }; } && YARN_NODE_LINKER=node-modules YARN_ENABLE_GLOBAL_CACHE=true YARN_GLOBAL_FOLDER=/root/.yarn/berry yarn install --immutable &&",
			"package.json yarn.lock .yarnrc.yml .yarn/releases/yarn-4.5.0.cjs .yarn/plugins/@yarnpkg/plugin-x.cjs", "yarn@stable"},
		{"npm names its version", map[string]string{"package.json": `{"packageManager": "npm@10.9.0"}`, "package-lock.json": "{}"},
			"npm", "packageManager npm@10.9.0 (from package.json:1)", "npm ci && ", "package.json package-lock.json", "corepack"},
		{"bun from the npm registry", map[string]string{"package.json": `{"packageManager": "bun@1.1.30"}`, "bun.lockb": "\x00"},
			"bun", "packageManager bun@1.1.30 (from package.json:1)",
			"npm install -g --no-audit bun@1.1.30 && bun install --frozen-lockfile &&", "package.json bun.lockb", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, tt.files), "node")
			if err != nil {
				t.Fatal(err)
			}
			if st.Manager != tt.manager {
				t.Errorf("manager %q, want %q", st.Manager, tt.manager)
			}
			if !slices.Contains(st.Found, tt.found) {
				t.Errorf("found %q, want a line %q", st.Found, tt.found)
			}
			if len(st.Groups) != 1 {
				t.Fatalf("groups %+v", st.Groups)
			}
			cmd := st.Groups[0].Install[0]
			if !strings.Contains(cmd, tt.install) || (tt.noInstal != "" && strings.Contains(cmd, tt.noInstal)) {
				t.Errorf("install %q, want %q in it and not %q", cmd, tt.install, tt.noInstal)
			}
			if got := strings.Join(st.Groups[0].Files, " "); got != tt.files2 {
				t.Errorf("files %q, want %q", got, tt.files2)
			}
		})
	}
}

func TestNodeBadPackageManager(t *testing.T) {
	for _, spec := range []string{"pnpm", "pnpm@9", "deno@2.0.0", "yarn@latest"} {
		_, err := Detect(writeTree(t, map[string]string{"package.json": "{\n  \"packageManager\": \"" + spec + "\"\n}\n"}))
		var de *Error
		if !errors.As(err, &de) || de.File != "package.json" || de.Line != 2 || !strings.Contains(de.Msg, "exact version") {
			t.Errorf("%s: error %v, want package.json:2 asking for an exact version", spec, err)
		}
	}
}

func TestNodeLockFiles(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		manager string
		install string // the install command up to the move
		files2  string
	}{
		{"npm-shrinkwrap", map[string]string{"package.json": "{}", "npm-shrinkwrap.json": "{}", ".npmrc": "registry=https://npm.example/\n"},
			"npm", "npm ci", "package.json npm-shrinkwrap.json .npmrc"},
		{"yarn classic", map[string]string{"package.json": "{}", "yarn.lock": "# yarn lockfile v1\n\n\nis-number@^7.0.0:\n  version \"7.0.0\"\n", ".yarnrc": "network-timeout 600000\n"},
			"yarn", "{ command -v yarn >/dev/null 2>&1 || npm install -g --silent yarn@1; } && yarn install --frozen-lockfile", "package.json yarn.lock .yarnrc"},
		{"yarn berry from its lock file", map[string]string{"package.json": "{}", "yarn.lock": "# This file is generated\n__metadata:\n  version: 8\n"},
			"yarn berry", "r=$(npm config get registry) && export COREPACK_NPM_REGISTRY=\"${r%/}\" && corepack enable && corepack install -g yarn@stable && YARN_NODE_LINKER=node-modules YARN_ENABLE_GLOBAL_CACHE=true YARN_GLOBAL_FOLDER=/root/.yarn/berry yarn install --immutable",
			"package.json yarn.lock"},
		{"pnpm", map[string]string{"package.json": "{}", "pnpm-lock.yaml": ""},
			"pnpm", "corepack enable && pnpm install --frozen-lockfile", "package.json pnpm-lock.yaml"},
		{"bun text lock", map[string]string{"package.json": "{}", "bun.lock": "{}", "bunfig.toml": ""},
			"bun", "npm install -g --no-audit bun && bun install --frozen-lockfile", "package.json bun.lock bunfig.toml"},
		{"no lock", map[string]string{"package.json": "{}"}, "npm", "npm install", "package.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, tt.files), "node")
			if err != nil {
				t.Fatal(err)
			}
			if st.Manager != tt.manager {
				t.Errorf("manager %q, want %q", st.Manager, tt.manager)
			}
			want := tt.install + " && rm -rf /node_modules && mv node_modules /node_modules"
			if got := st.Groups[0].Install; len(got) != 1 || got[0] != want {
				t.Errorf("install %q\nwant      %q", got, want)
			}
			if got := strings.Join(st.Groups[0].Files, " "); got != tt.files2 {
				t.Errorf("files %q, want %q", got, tt.files2)
			}
		})
	}
}

func TestNodeWorkspaceMembers(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		want    string // the group's files
		install string // a part of the install command
	}{
		{"npm array with a glob and a folder", map[string]string{
			"package.json":            "{\"workspaces\": [\"packages/*\", \"tools/cli\"]}",
			"package-lock.json":       "{}",
			"packages/a/package.json": "{}", "packages/b/package.json": "{}", "packages/notes/README.md": "",
			"packages/node_modules/x/package.json": "{}", "tools/cli/package.json": "{}",
		}, "package.json package-lock.json packages/a/package.json packages/b/package.json tools/cli/package.json",
			"npm ci && find node_modules -maxdepth 2 -type l"},
		{"yarn object form, two segments of globs", map[string]string{
			"package.json": "{\"workspaces\": {\"packages\": [\"apps/*/*\"], \"nohoist\": []}}",
			"yarn.lock":    "", "apps/web/site/package.json": "{}", "apps/web/.cache/package.json": "{}",
		}, "package.json yarn.lock apps/web/site/package.json", "yarn install --frozen-lockfile && find"},
		{"pnpm-workspace.yaml", map[string]string{
			"package.json": "{}", "pnpm-lock.yaml": "",
			"pnpm-workspace.yaml":     "# the workspace\npackages:\n  - 'packages/*'\n  - \"!packages/skip\"\n  - apps/web # the site\ncatalog:\n  x: 1\n",
			"packages/a/package.json": "{}", "apps/web/package.json": "{}",
		}, "package.json pnpm-lock.yaml pnpm-workspace.yaml apps/web/package.json packages/a/package.json",
			"pnpm install --frozen-lockfile --config.node-linker=hoisted && find"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, tt.files), "node")
			if err != nil {
				t.Fatal(err)
			}
			g := st.Groups[0]
			got := slices.Clone(g.Files)
			wantFiles := strings.Fields(tt.want)
			slices.Sort(got)
			slices.Sort(wantFiles)
			if !slices.Equal(got, wantFiles) {
				t.Errorf("files %q, want %q", g.Files, tt.want)
			}
			cmd := g.Install[0]
			if !strings.Contains(cmd, tt.install) || !strings.HasSuffix(cmd, "rm -rf /node_modules && mv node_modules /node_modules") {
				t.Errorf("install %q, want %q in it and the move last", cmd, tt.install)
			}
			if !strings.Contains(cmd, `ln -sfn "$a" "$l"`) || !strings.Contains(cmd, `rm -rf "$m/node_modules"`) {
				t.Errorf("install %q: links are not re-pointed, or members' node_modules stay", cmd)
			}
		})
	}
}

func TestNodeWorkspaceMissingMember(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		file  string
		line  int
		msg   string
	}{
		{"package.json", map[string]string{
			"package.json":            "{\n  \"name\": \"root\",\n  \"workspaces\": [\n    \"packages/*\",\n    \"packages/gone\"\n  ]\n}\n",
			"packages/a/package.json": "{}",
		}, "package.json", 5, "workspace member packages/gone has no package.json"},
		{"pnpm-workspace.yaml", map[string]string{
			"package.json": "{}", "pnpm-workspace.yaml": "packages:\n  - lib\n  - app\n", "lib/package.json": "{}", "app/README.md": "",
		}, "pnpm-workspace.yaml", 3, "workspace member app has no package.json"},
		{"outside the project", map[string]string{"package.json": "{\"workspaces\": [\"../shared\"]}"},
			"package.json", 1, "outside the project"},
		{"not a list", map[string]string{"package.json": "{\n\"workspaces\": \"packages/*\"\n}"},
			"package.json", 2, `"workspaces" must be an array`},
		{"a member's own manifest is of the wrong shape", map[string]string{"package.json": "{\"workspaces\": [\"b\"]}", "b/package.json": "{\n  \"engines\": \"node 22\"\n}\n"},
			"b/package.json", 2, "engines must be an object"},
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

func TestNodeManifestOfTheWrongShape(t *testing.T) {
	_, err := Detect(writeTree(t, map[string]string{"package.json": "{\n  \"name\": \"x\",\n  \"engines\": \"node 22\"\n}\n"}))
	var de *Error
	if !errors.As(err, &de) || de.File != "package.json" || de.Line != 3 || !strings.Contains(de.Msg, "engines must be an object") {
		t.Fatalf("error %v, want package.json:3: engines must be an object", err)
	}
}

func TestNodeSubfolderWorkspace(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{
		"web/package.json": `{"workspaces": ["ui"]}`, "web/package-lock.json": "{}", "web/ui/package.json": "{}",
	}), "node")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(st.Groups[0].Files, " "); got != "web/package.json web/package-lock.json web/ui/package.json" {
		t.Errorf("files %q", got)
	}
	if cmd := st.Groups[0].Install[0]; !strings.HasPrefix(cmd, "cd web && npm ci && find") || !strings.Contains(cmd, "for m in ui;") {
		t.Errorf("install %q", cmd)
	}
}

func TestNodeTrailingCommaAtItsLine(t *testing.T) {
	_, err := Detect(writeTree(t, map[string]string{"package.json": "{\n  \"dependencies\": {\n    \"is-number\": \"7.0.0\",\n  }\n}\n"}))
	var de *Error
	if !errors.As(err, &de) || de.Line != 3 || !strings.Contains(de.Msg, "a comma before }") {
		t.Fatalf("error %v, want package.json:3 naming the comma", err)
	}
}

func TestNPMLockOutOfDate(t *testing.T) {
	lock := `{"name":"a","lockfileVersion":3,"packages":{"":{"name":"a","dependencies":{"is-number":"^7.0.0"},"devDependencies":{"old":"1.0.0"}}}}`
	for _, tt := range []struct {
		manifest, want string
	}{
		{`{"dependencies":{"is-number":"^7.0.0"},"devDependencies":{"old":"1.0.0"}}`, ""},
		{`{"dependencies":{"is-number":"^7.0.0","is-odd":"3.0.1"},"devDependencies":{"old":"1.0.0"}}`, `package-lock.json: out of date with package.json (is-odd is not in it): run ` + "`npm install`"},
		{`{"dependencies":{"is-number":"^8.0.0"}}`, `is-number "^7.0.0" there, "^8.0.0" in package.json; old is there but no longer in package.json`},
	} {
		root := writeTree(t, map[string]string{"package.json": tt.manifest, "package-lock.json": lock})
		_, err := Detect(root)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.manifest, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.manifest, err, tt.want)
		}
	}
	// A version 1 lock has no root entry to compare: no error.
	root := writeTree(t, map[string]string{"package.json": `{"dependencies":{"x":"1"}}`, "package-lock.json": `{"lockfileVersion":1,"dependencies":{}}`})
	if _, err := Detect(root); err != nil {
		t.Errorf("lockfile v1: %v", err)
	}
}

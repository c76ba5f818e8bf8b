package env

import (
	"os"
	"path/filepath"
	"sort"
)

// Templates are the stacks devenv knows; each gives defaults for the keys the user
// leaves out, and its own Dockerfile lines (templates/<name>.tmpl).
var Templates = []string{"python", "node", "go", "rust", "ruby", "generic"}

// stack holds a template's defaults. Dependency groups are computed from the files
// present, because the right install command depends on them (npm, yarn or pnpm).
type stack struct {
	base   string
	caches []string
	groups func(root string) []DependencyGroup
}

var stacks = map[string]stack{
	"python": {
		base:   "python:3.12-slim",
		caches: []string{"/root/.cache/pip"},
		groups: func(root string) []DependencyGroup {
			// One group: requirements-dev.txt often starts with -r requirements.txt,
			// so every file must be there before pip reads any of them.
			files := globAll(root, "requirements*.txt")
			if len(files) == 0 {
				return []DependencyGroup{{Files: []string{"requirements.txt"}, Install: []string{"pip install -r requirements.txt"}, Optional: true}}
			}
			install := "pip install"
			for _, f := range files {
				install += " -r " + shellQuote(f)
			}
			return []DependencyGroup{{Files: files, Install: []string{install}, Optional: true}}
		},
	},
	"node": {
		base:   "node:20-bookworm-slim",
		caches: []string{"/root/.npm", "/root/.cache/yarn", "/root/.local/share/pnpm/store"},
		groups: func(root string) []DependencyGroup {
			// node_modules moves to /node_modules: the bind mount hides the working
			// directory's own, and Node looks in every parent directory, so both
			// require() and import find the packages from anywhere under the workdir.
			const move = "rm -rf /node_modules && mv node_modules /node_modules"
			switch {
			case exists(root, "pnpm-lock.yaml"):
				return []DependencyGroup{{Files: []string{"package.json", "pnpm-lock.yaml"}, Install: []string{"corepack enable && pnpm install --frozen-lockfile", move}, Optional: true}}
			case exists(root, "yarn.lock"):
				return []DependencyGroup{{Files: []string{"package.json", "yarn.lock"}, Install: []string{"corepack enable && yarn install --frozen-lockfile", move}, Optional: true}}
			case exists(root, "package-lock.json"):
				return []DependencyGroup{{Files: []string{"package.json", "package-lock.json"}, Install: []string{"npm ci", move}, Optional: true}}
			default:
				return []DependencyGroup{{Files: []string{"package.json"}, Install: []string{"npm install", move}, Optional: true}}
			}
		},
	},
	"go": {
		base:   "golang:1.23-bookworm",
		caches: []string{"/root/.cache/go-build", goProxyCache},
		groups: func(root string) []DependencyGroup {
			// The module cache is part of the image (the shell needs it), made
			// writable so the host user can add modules later. Downloads also land
			// in a cache mount that serves as the first module proxy, so when
			// go.sum gains one module, only that one comes over the network.
			return []DependencyGroup{{Files: []string{"go.mod", "go.sum"}, Install: []string{
				"export GOPROXY=\"file://" + goProxyCache + ",${GOPROXY:-https://proxy.golang.org,direct}\" && " +
					"go mod download -x && cp -Rn \"$GOPATH/pkg/mod/cache/download/.\" " + goProxyCache + "/ && chmod -R a+rwX \"$GOPATH\"",
			}, Optional: true}}
		},
	},
	"rust": {
		base: "rust:1-slim-bookworm",
		groups: func(root string) []DependencyGroup {
			// cargo fetch wants a target to exist; a stub main is enough and is hidden by
			// the bind mount at run time.
			return []DependencyGroup{{Files: []string{"Cargo.toml", "Cargo.lock"}, Install: []string{
				"mkdir -p src && { [ -e src/main.rs ] || [ -e src/lib.rs ] || echo 'fn main() {}' > src/main.rs; } && cargo fetch && chmod -R a+rwX \"$CARGO_HOME\"",
			}, Optional: true}}
		},
	},
	"ruby": {
		base:   "ruby:3.3-slim",
		caches: []string{"/root/.cache/bundle"},
		groups: func(root string) []DependencyGroup {
			return []DependencyGroup{{Files: []string{"Gemfile", "Gemfile.lock"}, Install: []string{"bundle install"}, Optional: true}}
		},
	},
	"generic": {
		base:   "debian:bookworm",
		groups: func(string) []DependencyGroup { return nil },
	},
}

// goProxyCache is a BuildKit cache mount laid out as a Go module proxy: what one
// build downloaded, the next one takes from there.
const goProxyCache = "/root/.cache/devenv-goproxy"

// DetectTemplate names the stack of the project at root from the files it holds.
func DetectTemplate(root string) string {
	switch {
	case len(globAll(root, "requirements*.txt")) > 0 || exists(root, "pyproject.toml") || exists(root, "setup.py") || exists(root, "Pipfile"):
		return "python"
	case exists(root, "package.json"):
		return "node"
	case exists(root, "go.mod"):
		return "go"
	case exists(root, "Cargo.toml"):
		return "rust"
	case exists(root, "Gemfile"):
		return "ruby"
	default:
		return "generic"
	}
}

func exists(root, name string) bool {
	_, err := os.Stat(filepath.Join(root, name))
	return err == nil
}

// globAll returns the slash-separated paths relative to root that match pattern.
func globAll(root, pattern string) []string {
	matches, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(pattern)))
	out := make([]string, 0, len(matches))
	for _, m := range matches {
		if st, err := os.Stat(m); err != nil || st.IsDir() {
			continue
		}
		rel, err := filepath.Rel(root, m)
		if err == nil {
			out = append(out, filepath.ToSlash(rel))
		}
	}
	sort.Strings(out)
	return out
}

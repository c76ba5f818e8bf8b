package detect

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

var (
	nodeReleases = lines("16", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27")
	nodeDefault  = release{24}
)

func nodePresent(p *Probe, dir string) bool { return p.IsFile(rel(dir, "package.json")) }

// packageJSON is the part of package.json devenv reads.
type packageJSON struct {
	Engines        map[string]string `json:"engines"`
	PackageManager string            `json:"packageManager"`
	Workspaces     json.RawMessage   `json:"workspaces"`
	Volta          map[string]any    `json:"volta"`
}

func readPackageJSON(p *Probe, file string) (*packageJSON, error) {
	b, err := p.Read(file)
	if err != nil {
		return nil, err
	}
	var pj packageJSON
	if err := json.Unmarshal(b, &pj); err != nil {
		return nil, jsonError(file, b, err)
	}
	return &pj, nil
}

// jsonError places a JSON syntax error at its line.
func jsonError(file string, b []byte, err error) error {
	line := 0
	switch e := err.(type) {
	case *json.SyntaxError:
		at := min(int(e.Offset), len(b))
		// A comma before } or ] is the usual slip, reported where the comma is.
		before := strings.TrimRight(string(b[:max(at-1, 0)]), " \t\r\n")
		if strings.HasSuffix(before, ",") && at > 0 && (b[at-1] == '}' || b[at-1] == ']') {
			line = strings.Count(before, "\n") + 1
			return &Error{File: file, Line: line, Msg: "not valid JSON (a comma before " + string(b[at-1]) + "): remove the comma, then run devenv again"}
		}
		line = strings.Count(string(b[:at]), "\n") + 1
	case *json.UnmarshalTypeError:
		// A value of the wrong kind ("engines": "22"): valid JSON, but not package.json.
		line = strings.Count(string(b[:min(int(e.Offset), len(b))]), "\n") + 1
		if e.Field == "" {
			// The document itself is of the wrong kind ([...], "x", 1).
			return &Error{File: file, Line: line, Msg: fmt.Sprintf("the file must be a JSON object ({...}), not a JSON %s: fix the file, then run devenv again", e.Value)}
		}
		return &Error{File: file, Line: line, Msg: fmt.Sprintf("%s must be %s, not a JSON %s: fix the file, then run devenv again", e.Field, kindOf(e.Type.Kind().String()), e.Value)}
	}
	return &Error{File: file, Line: line, Msg: "not valid JSON (" + err.Error() + "): fix the file, then run devenv again"}
}

func kindOf(k string) string {
	switch k {
	case "map", "struct":
		return "an object"
	case "slice":
		return "an array"
	}
	return "a " + k
}

// corepackManagers are the package managers corepack provides at the version
// packageManager names; npm is the image's own, and bun comes from the npm registry.
var packageManagerRe = regexp.MustCompile(`^(npm|pnpm|yarn|bun)@([0-9]+\.[0-9]+\.[0-9]+[0-9A-Za-z.+-]*)$`)

func resolveNode(p *Probe, dir string) (*Stack, error) {
	st := &Stack{Name: "node", Dir: dir, Manager: "npm",
		Caches: []string{"/root/.npm", "/root/.cache/yarn", "/root/.local/share/pnpm/store"},
		Toolchain: Toolchain{
			Copy: []string{"/usr/local/bin/node", "/usr/local/lib/node_modules", "/usr/local/include/node"},
			Setup: []string{"ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && " +
				"ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && " +
				"ln -sf ../lib/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack"},
		}}
	manifest := rel(dir, "package.json")
	pj := &packageJSON{}
	if p.IsFile(manifest) {
		var err error
		if pj, err = readPackageJSON(p, manifest); err != nil {
			return nil, err
		}
	}
	r, err := nodeVersion(p, dir, pj, st)
	r = st.versionOr(r, err, nodeDefault)
	st.Base = fmt.Sprintf("node:%s-bookworm-slim", r)
	st.Chose = append(st.Chose, "base "+st.Base)
	if !p.IsFile(manifest) {
		return st, nil
	}

	pm, err := nodeManager(p, dir, pj, st)
	if err != nil {
		return nil, err
	}
	if st.Manager == "npm" {
		for _, f := range pm.files {
			if err := npmLockInSync(p, dir, f); err != nil {
				return nil, err
			}
		}
	}
	members, err := nodeWorkspaces(p, dir, pj, pm, st)
	if err != nil {
		return nil, err
	}
	files := append([]string{"package.json"}, pm.files...)
	for _, f := range []string{".npmrc"} {
		if p.IsFile(rel(dir, f)) {
			files = append(files, f)
		}
	}
	for _, m := range members {
		files = append(files, path.Join(m, "package.json"))
	}
	for i, f := range files {
		files[i] = rel(dir, f)
	}
	install := pm.install
	if len(members) > 0 {
		install += " && " + relinkWorkspace + " && " + memberModules(members)
	}
	// node_modules moves to /node_modules in the same step as the install (one layer):
	// the bind mount hides the working directory's own, and Node looks in every parent
	// directory, so require() and import find the packages from anywhere below.
	install += " && rm -rf /node_modules && mv node_modules /node_modules"
	st.Groups = []Group{{Files: files, Install: []string{inDir(dir, install)}}}
	st.Found = append(st.Found, st.Manager+": "+strings.Join(files, ", "))
	return st, nil
}

// manager is how a project installs its packages.
type manager struct {
	files   []string // beside package.json, relative to the stack's folder
	install string
}

// nodeManager works out the package manager: packageManager in package.json first (the
// exact version, through corepack), then the lock file.
func nodeManager(p *Probe, dir string, pj *packageJSON, st *Stack) (manager, error) {
	manifest := rel(dir, "package.json")
	name, version := "", ""
	if spec := strings.TrimSpace(pj.PackageManager); spec != "" {
		line := p.LineOf(manifest, `"packageManager"`)
		m := packageManagerRe.FindStringSubmatch(spec)
		if m == nil {
			return manager{}, &Error{File: manifest, Line: line, Msg: fmt.Sprintf("packageManager %q is not a package manager at an exact version: write one like \"pnpm@9.12.0\" or \"yarn@4.5.0\"", spec)}
		}
		name, version = m[1], strings.SplitN(m[2], "+", 2)[0] // "+sha512..." is corepack's check, not the version
		st.Found = append(st.Found, fmt.Sprintf("packageManager %s@%s (from %s:%d)", name, version, manifest, line))
	}
	has := func(f string) bool { return p.IsFile(rel(dir, f)) }
	lock := ""
	for _, l := range []struct{ file, manager string }{
		{"pnpm-lock.yaml", "pnpm"}, {"bun.lock", "bun"}, {"bun.lockb", "bun"}, {"yarn.lock", "yarn"},
		{"package-lock.json", "npm"}, {"npm-shrinkwrap.json", "npm"},
	} {
		if has(l.file) && (name == "" || name == l.manager) {
			name, lock = l.manager, l.file
			break
		}
	}
	switch {
	case name != "":
	case has("pnpm-workspace.yaml"):
		name = "pnpm"
	case has(".yarnrc.yml"):
		name = "yarn"
	default:
		name = "npm"
	}
	st.Manager = name
	var m manager
	if lock != "" {
		m.files = append(m.files, lock)
	} else if name != "npm" || version != "" {
		st.Left = append(st.Left, "no lock file for "+name+": the build resolves the newest versions package.json allows; commit the lock file to pin them")
	}
	// corepack provides pnpm and yarn at the version packageManager names (it reads the
	// field itself), or at its own default without one.
	// What it fetches stays in COREPACK_HOME (templates/node.tmpl), readable by the host
	// user at run time.
	corepack := "corepack enable && "
	if version != "" && (name == "pnpm" || name == "yarn") {
		// corepack fetches the release with a 10 s connect timeout and no retry of its own:
		// on a slow or busy network the install failed for want of a second try.
		corepack += "{ corepack install || { sleep 3; corepack install; } || { sleep 10; corepack install; }; } && "
	}
	switch name {
	case "npm":
		m.install = "npm install"
		if lock != "" {
			m.install = "npm ci"
		}
		if version != "" {
			st.Left = append(st.Left, "packageManager names npm "+version+": the build uses the npm of the Node image")
		}
	case "pnpm":
		if has("pnpm-workspace.yaml") {
			m.files = append(m.files, "pnpm-workspace.yaml")
		}
		m.files = append(m.files, p.globIn(dir, ".pnpmfile.cjs")...)
		m.install = corepack + "pnpm install"
		if lock != "" {
			m.install += " --frozen-lockfile"
		}
		if has("pnpm-workspace.yaml") {
			// Hoisted: one flat node_modules at the root, as npm makes it, rather
			// than one per member that the mount would hide.
			m.install += " --config.node-linker=hoisted"
		}
	case "yarn":
		berry := has(".yarnrc.yml") || strings.Contains(p.Text(rel(dir, "yarn.lock")), "__metadata:") ||
			(version != "" && !strings.HasPrefix(version, "1."))
		if !berry {
			m.files = append(m.files, p.globIn(dir, ".yarnrc")...)
			m.install = corepack + "yarn install"
			if version == "" {
				// Without packageManager corepack would fetch "the latest stable" yarn and
				// check its signature against the keys it was released with, which fails
				// once the registry's keys move on: Yarn 1 from the npm registry instead,
				// unless the image has one.
				m.install = "{ command -v yarn >/dev/null 2>&1 || npm install -g --silent yarn@1; } && yarn install"
				st.Chose = append(st.Chose, "Yarn 1 (classic) from the npm registry: no packageManager names a version")
			}
			if lock != "" {
				m.install += " --frozen-lockfile"
			}
			break
		}
		st.Manager = "yarn berry"
		// The release and plugins .yarnrc.yml points at, and patches the lock file uses.
		m.files = append(m.files, p.globIn(dir, ".yarnrc.yml")...)
		for _, d := range []string{".yarn/releases", ".yarn/plugins", ".yarn/plugins/@yarnpkg", ".yarn/patches"} {
			m.files = append(m.files, p.globIn(dir, path.Join(d, "*"))...)
		}
		// corepack fetches Yarn 2+ from Yarn's own site unless it is told an npm
		// registry, where the same release is published (@yarnpkg/cli-dist): npm's
		// registry, as the project's .npmrc may set it.
		m.install = `r=$(npm config get registry) && export COREPACK_NPM_REGISTRY="${r%/}" && ` + corepack
		if version == "" && !strings.Contains(p.Text(rel(dir, ".yarnrc.yml")), "yarnPath:") {
			m.install += "corepack install -g yarn@stable && "
			st.Left = append(st.Left, "Yarn Berry without packageManager or yarnPath: the build uses corepack's yarn@stable; pin it with \"packageManager\": \"yarn@X.Y.Z\"")
		}
		// node-modules linker: packages as files in node_modules (moved to /node_modules
		// with the rest) instead of Plug'n'Play's .pnp.cjs in the project folder, which
		// the mount would hide. The global cache keeps downloads off the image.
		m.install += "YARN_NODE_LINKER=node-modules YARN_ENABLE_GLOBAL_CACHE=true YARN_GLOBAL_FOLDER=/root/.yarn/berry yarn install"
		if lock != "" {
			m.install += " --immutable"
		}
		st.Caches = append(st.Caches, "/root/.yarn/berry")
		st.Chose = append(st.Chose, "yarn with nodeLinker node-modules, so node_modules can live outside the mounted folder")
		// Yarn keeps the linker's state in <project>/node_modules/.yarn-state.yml, a path
		// the mount hides, and `yarn run` refuses to start without it.
		st.Left = append(st.Left, "`yarn run` and `yarn <script>` look for the install in ./node_modules, which the mount hides: run a script's command itself (its tools are on PATH, e.g. `devenv run -- jest`), or `yarn install` once in the shell to link ./node_modules from the image's cache")
	case "bun":
		m.files = append(m.files, p.globIn(dir, "bunfig.toml")...)
		// Bun is not in the Node image: npm installs it from the npm registry (the bun
		// package and its binary for this platform), and it stays in the image.
		bun := "bun"
		if version != "" {
			bun += "@" + version
		}
		m.install = "npm install -g --no-audit " + bun + " && bun install"
		if lock != "" {
			m.install += " --frozen-lockfile"
		}
		st.Caches = append(st.Caches, "/root/.bun/install/cache")
		st.Chose = append(st.Chose, "bun from the npm registry ("+bun+"), installed into the Node image")
	}
	if version != "" && (name == "pnpm" || name == "yarn") {
		st.Chose = append(st.Chose, fmt.Sprintf("%s %s through corepack", name, version))
	}
	return m, nil
}

// nodeVersion: .nvmrc, .node-version, .tool-versions and mise.toml, Volta's pin in
// package.json, then engines.node, whose range picks the default when it allows it.
func nodeVersion(p *Probe, dir string, pj *packageJSON, st *Stack) (release, error) {
	for _, f := range []string{".nvmrc", ".node-version"} {
		if line, n := p.FirstLine(rel(dir, f)); line != "" {
			st.Version = Version{Value: line, Source: Source{File: rel(dir, f), Line: n}}
			break
		}
	}
	if st.Version.Value == "" {
		if v, ok := p.toolVersion(dir, "nodejs", "node"); ok {
			st.Version = v
		}
	}
	if v, ok := pj.Volta["node"].(string); ok && v != "" && st.Version.Value == "" {
		file := rel(dir, "package.json")
		st.Version = Version{Value: v, Source: Source{File: file, Line: keyLine(p.Text(file), "volta", "node")}}
	}
	if st.Version.Value != "" {
		st.Found = append(st.Found, "Node "+st.Version.String())
		v := st.Version.Value
		if strings.HasPrefix(v, "lts/") || v == "lts" || v == "node" || v == "latest" || v == "stable" {
			st.Chose = append(st.Chose, fmt.Sprintf("Node %s for %q", nodeDefault, v))
			return nodeDefault, nil
		}
		return pickRelease("Node", st.Version, nodeReleases)
	}
	if rng := pj.Engines["node"]; rng != "" {
		file := rel(dir, "package.json")
		src := Source{File: file, Line: keyLine(p.Text(file), "engines", "node")}
		c, err := semver.NewConstraint(rng)
		if err != nil {
			return nil, &Error{File: file, Line: src.Line, Msg: fmt.Sprintf("engines.node %q is not a version range npm reads: %v", rng, err)}
		}
		allows := func(r release) bool {
			// A line is allowed when any of its releases is: try its first and a late one.
			for _, v := range []string{fmt.Sprintf("%d.0.0", r[0]), fmt.Sprintf("%d.999.999", r[0])} {
				if c.Check(semver.MustParse(v)) {
					return true
				}
			}
			return false
		}
		chosen := release(nil)
		if allows(nodeDefault) {
			chosen = nodeDefault
		} else {
			for i := len(nodeReleases) - 1; i >= 0; i-- {
				if nodeReleases[i][0]%2 == 0 && allows(nodeReleases[i]) { // even lines are the LTS ones
					chosen = nodeReleases[i]
					break
				}
			}
		}
		if chosen == nil {
			return nil, &Error{File: file, Line: src.Line, Msg: fmt.Sprintf("engines.node %q allows no Node release devenv knows (up to %s): fix the range, or set base = \"...\" in devenv.toml", rng, nodeReleases[len(nodeReleases)-1])}
		}
		st.Version = Version{Value: chosen.String(), Source: src}
		st.Found = append(st.Found, fmt.Sprintf("engines.node %q in %s", rng, src))
		return chosen, nil
	}
	st.Version = Version{Value: nodeDefault.String()}
	st.Left = append(st.Left, "no Node version in the project: "+nodeDefault.String()+" is devenv's default; pin one in .nvmrc")
	return nodeDefault, nil
}

// keyLine is the line of "key" in the JSON object "outer" of text: the first "key"
// after "outer", so that engines.node and volta.node each find their own.
func keyLine(text, outer, key string) int {
	start := strings.Index(text, `"`+outer+`"`)
	if start < 0 {
		return 0
	}
	line := strings.Count(text[:start], "\n") + 1
	if i := strings.Index(text[start:], `"`+key+`"`); i >= 0 {
		line += strings.Count(text[start:start+i], "\n")
	}
	return line
}

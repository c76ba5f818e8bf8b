package detect

import (
	"encoding/json"
	"fmt"
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
	if se, ok := err.(*json.SyntaxError); ok {
		line = strings.Count(string(b[:min(int(se.Offset), len(b))]), "\n") + 1
	}
	return &Error{File: file, Line: line, Msg: "not valid JSON (" + err.Error() + "): fix the file, then run devenv again"}
}

func resolveNode(p *Probe, dir string) (*Stack, error) {
	st := &Stack{Name: "node", Dir: dir, Manager: "npm",
		Caches: []string{"/root/.npm", "/root/.cache/yarn", "/root/.local/share/pnpm/store"},
		Toolchain: Toolchain{
			Copy: []string{"/usr/local/bin/node", "/usr/local/lib/node_modules", "/usr/local/include/node"},
			Setup: []string{"ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && " +
				"ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && " +
				"ln -sf ../lib/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack"},
		}}
	pj := &packageJSON{}
	if p.IsFile(rel(dir, "package.json")) {
		var err error
		if pj, err = readPackageJSON(p, rel(dir, "package.json")); err != nil {
			return nil, err
		}
	}
	r, err := nodeVersion(p, dir, pj, st)
	r = st.versionOr(r, err, nodeDefault)
	st.Base = fmt.Sprintf("node:%s-bookworm-slim", r)
	st.Chose = append(st.Chose, "base "+st.Base)

	// node_modules moves to /node_modules in the same step as the install (one layer):
	// the bind mount hides the working directory's own, and Node looks in every parent
	// directory, so require() and import find the packages from anywhere below.
	move := "rm -rf /node_modules && mv node_modules /node_modules"
	var files []string
	var install string
	switch {
	case p.IsFile(rel(dir, "pnpm-lock.yaml")):
		st.Manager = "pnpm"
		files, install = []string{"package.json", "pnpm-lock.yaml"}, "corepack enable && pnpm install --frozen-lockfile"
	case p.IsFile(rel(dir, "yarn.lock")):
		st.Manager = "yarn"
		files, install = []string{"package.json", "yarn.lock"}, "corepack enable && yarn install --frozen-lockfile"
	case p.IsFile(rel(dir, "package-lock.json")):
		files, install = []string{"package.json", "package-lock.json"}, "npm ci"
	default:
		files, install = []string{"package.json"}, "npm install"
	}
	if p.IsFile(rel(dir, "package.json")) {
		for i, f := range files {
			files[i] = rel(dir, f)
		}
		st.Groups = []Group{{Files: files, Install: []string{inDir(dir, install+" && "+move)}}}
		st.Found = append(st.Found, st.Manager+": "+strings.Join(files, ", "))
	}
	return st, nil
}

// nodeVersion: .nvmrc, .node-version, .tool-versions and mise.toml, then engines.node
// in package.json, whose range picks the default when it allows it.
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
		src := Source{File: file, Line: p.LineOf(file, `"engines"`)}
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

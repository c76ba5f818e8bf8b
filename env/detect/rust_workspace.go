package detect

import (
	"fmt"
	"path"
	"strings"

	"github.com/BurntSushi/toml"
)

// cargoPackage is one package of a workspace: its folder relative to the root and the
// target files cargo expects there, relative to that folder.
type cargoPackage struct {
	dir     string
	targets []stubTarget
}

type stubTarget struct{ path, text string }

// cargoPackages are the packages the manifest in dir brings in: itself when it is a
// package, its workspace members (globs expand one folder level per segment) and,
// transitively, path dependencies. Each must be a folder of the project with a
// Cargo.toml, or cargo fetch fails.
func cargoPackages(p *Probe, dir string, root *cargoManifest) ([]cargoPackage, error) {
	rootFile := rel(dir, "Cargo.toml")
	type pending struct {
		dir      string
		manifest *cargoManifest // nil until read
	}
	queue := []pending{{dir: dir, manifest: root}}
	if ws := root.Workspace; ws != nil {
		excluded := map[string]bool{}
		for _, e := range ws.Exclude {
			excluded[path.Join(dir, e)] = true
		}
		for _, member := range ws.Members {
			line := p.LineOf(rootFile, `"`+member+`"`)
			if line == 0 {
				line = p.LineOf(rootFile, member)
			}
			if strings.ContainsAny(member, "*?[") {
				for _, d := range p.GlobManifests(dir, member, "Cargo.toml") {
					if !excluded[d] {
						queue = append(queue, pending{dir: d})
					}
				}
				continue
			}
			d, err := cargoDir(p, rootFile, line, dir, member, "workspace member")
			if err != nil {
				return nil, err
			}
			queue = append(queue, pending{dir: d})
		}
	}
	seen := map[string]bool{}
	var out []cargoPackage
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		if seen[next.dir] {
			continue
		}
		seen[next.dir] = true
		m := next.manifest
		file := rel(next.dir, "Cargo.toml")
		if m == nil {
			var err error
			if m, err = readCargo(p, file); err != nil {
				return nil, err
			}
		}
		for _, dep := range m.pathDeps() {
			d, err := cargoDir(p, file, p.LineOf(file, dep), next.dir, dep, "path dependency")
			if err != nil {
				return nil, err
			}
			queue = append(queue, pending{dir: d})
		}
		if m.Package != nil {
			out = append(out, cargoPackage{dir: next.dir, targets: m.targets()})
		}
	}
	return out, nil
}

// cargoDir is the folder named by a member or path dependency, which must be a folder
// of the project holding a Cargo.toml.
func cargoDir(p *Probe, file string, line int, dir, named, what string) (string, error) {
	d := path.Join(dir, named)
	if path.IsAbs(named) || d == ".." || strings.HasPrefix(d, "../") {
		return "", &Error{File: file, Line: line, Msg: fmt.Sprintf("%s %q is outside the project, so devenv cannot copy its Cargo.toml into the build: make the folder that holds it the project root", what, named)}
	}
	if d == "." {
		d = ""
	}
	if !p.IsDir(d) {
		return "", &Error{File: file, Line: line, Msg: fmt.Sprintf("%s %q: folder %s does not exist: create it, or remove it from %s", what, named, folderName(d), file)}
	}
	if !p.IsFile(rel(d, "Cargo.toml")) {
		return "", &Error{File: file, Line: line, Msg: fmt.Sprintf("%s %q: %s has no Cargo.toml: run cargo init there, or remove it from %s", what, named, folderName(d), file)}
	}
	return d, nil
}

// targets are the files cargo looks for in a package: the declared ones at their paths
// (or where cargo infers them), and src/lib.rs when none is declared.
func (m *cargoManifest) targets() []stubTarget {
	const mainStub = "fn main() {}"
	var out []stubTarget
	if m.Lib != nil {
		out = append(out, stubTarget{cargoOr(m.Lib.Path, "src/lib.rs"), ""})
	}
	for _, b := range m.Bin {
		inferred := "src/bin/" + b.Name + ".rs"
		if m.Package != nil && b.Name == m.Package.Name {
			inferred = "src/main.rs"
		}
		out = append(out, stubTarget{cargoOr(b.Path, inferred), mainStub})
	}
	for _, kind := range []struct {
		dir     string
		targets []cargoTarget
	}{{"examples", m.Example}, {"tests", m.Test}, {"benches", m.Bench}} {
		for _, t := range kind.targets {
			out = append(out, stubTarget{cargoOr(t.Path, kind.dir+"/"+t.Name+".rs"), mainStub})
		}
	}
	if m.Package != nil {
		if s, ok := m.Package.Build.(string); ok && s != "" {
			out = append(out, stubTarget{s, mainStub})
		}
	}
	if m.Lib == nil && len(m.Bin) == 0 {
		out = append(out, stubTarget{"src/lib.rs", ""})
	}
	for i := range out {
		out[i].path = path.Clean(out[i].path)
	}
	return out
}

func cargoOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// vendoredSource is the folder a .cargo/config(.toml) of the project puts in place of
// crates.io (`cargo vendor`'s directory source), when that folder exists.
func vendoredSource(p *Probe, dir string) (string, bool) {
	for _, d := range []string{dir, ""} {
		for _, f := range []string{".cargo/config.toml", ".cargo/config"} {
			var cfg struct {
				Source map[string]struct {
					ReplaceWith string `toml:"replace-with"`
					Directory   string `toml:"directory"`
				} `toml:"source"`
			}
			text := p.Text(rel(d, f))
			if text == "" {
				continue
			}
			if _, err := toml.Decode(text, &cfg); err != nil {
				continue
			}
			if repl := cfg.Source["crates-io"].ReplaceWith; repl != "" {
				if src := cfg.Source[repl].Directory; src != "" && !path.IsAbs(src) {
					// A relative directory is relative to the folder holding .cargo.
					v := path.Join(d, src)
					if p.IsDir(v) {
						return v, true
					}
				}
			}
		}
		if d == "" {
			break
		}
	}
	return "", false
}

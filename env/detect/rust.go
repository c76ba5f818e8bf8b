package detect

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

func rustPresent(p *Probe, dir string) bool { return p.IsFile(rel(dir, "Cargo.toml")) }

func resolveRust(p *Probe, dir string) (*Stack, error) {
	st := &Stack{Name: "rust", Dir: dir, Manager: "cargo", Base: "rust:1-slim-bookworm",
		Toolchain: Toolchain{Copy: []string{"/usr/local/cargo", "/usr/local/rustup"}}}
	var root *cargoManifest
	if p.IsFile(rel(dir, "Cargo.toml")) {
		var err error
		if root, err = readCargo(p, rel(dir, "Cargo.toml")); err != nil {
			return nil, err
		}
	}
	if v, ok := rustToolchain(p, dir); ok {
		st.Version = v
		st.Found = append(st.Found, "Rust "+v.String())
		if nums := parseNumbers(v.Value); len(nums) >= 2 {
			st.Base = "rust:" + release(nums[:2]).String() + "-slim-bookworm"
		}
	} else {
		st.Version = Version{Value: "stable"}
		if root != nil {
			if min, line := root.rustVersion(p, rel(dir, "Cargo.toml")); min != "" {
				// rust-version is the oldest Rust the crate builds with; the newest stable
				// satisfies it, so it informs and does not pick the image.
				st.Found = append(st.Found, fmt.Sprintf("rust-version %s (the oldest Rust it supports) in %s:%d", min, rel(dir, "Cargo.toml"), line))
			}
		}
	}
	st.Chose = append(st.Chose, "base "+st.Base)
	if root == nil {
		return st, nil
	}

	pkgs, err := cargoPackages(p, dir, root)
	if err != nil {
		return nil, err
	}
	files := []string{rel(dir, "Cargo.toml"), rel(dir, "Cargo.lock")}
	// .cargo/config.toml says where crates come from (a private registry, a mirror).
	for _, d := range []string{dir, ""} {
		files = append(files, rel(d, ".cargo/config.toml"), rel(d, ".cargo/config"))
		if d == "" {
			break
		}
	}
	var stubs, members []string
	for _, pk := range pkgs {
		if pk.dir != dir {
			files = append(files, rel(pk.dir, "Cargo.toml"))
			members = append(members, rel(pk.dir, "Cargo.toml"))
		}
		for _, t := range pk.targets {
			stubs = append(stubs, fmt.Sprintf("stub %s %s", shellQuote(relFrom(dir, rel(pk.dir, t.path))), shellQuote(t.text)))
		}
	}
	if len(members) > 0 {
		st.Found = append(st.Found, "Cargo workspace: "+rel(dir, "Cargo.toml")+" with "+strings.Join(members, ", "))
	}
	if src, ok := vendoredSource(p, dir); ok {
		// Every crate comes from a folder of the project, which is in the mounted tree
		// at run time: cargo builds offline from there and has nothing to fetch.
		st.Found = append(st.Found, "vendored crates: "+src)
		st.Chose = append(st.Chose, "no fetch step: crates come from "+src+" in the mounted tree")
		return st, nil
	}
	// cargo fetch reads every package's manifest and wants each to have a target; the
	// sources are not in the build, so an empty stub stands in for each target where
	// it is missing (always, unless a source file is listed as a dependency). The bind
	// mount hides the stubs at run time.
	install := `cargo fetch && chmod -R a+rwX "$CARGO_HOME"`
	if len(stubs) > 0 {
		install = `stub() { [ -e "$1" ] || { mkdir -p "$(dirname "$1")" && printf '%s\n' "$2" > "$1"; }; } && ` +
			strings.Join(stubs, " && ") + " && " + install
	}
	st.Groups = []Group{{Files: files, Install: []string{inDir(dir, install)}}}
	return st, nil
}

// cargoManifest is the part of a Cargo.toml devenv reads.
type cargoManifest struct {
	Package *struct {
		Name        string `toml:"name"`
		RustVersion any    `toml:"rust-version"`
		Build       any    `toml:"build"`
	} `toml:"package"`
	Workspace *struct {
		Members      []string       `toml:"members"`
		Exclude      []string       `toml:"exclude"`
		Dependencies map[string]any `toml:"dependencies"`
		Package      struct {
			RustVersion any `toml:"rust-version"`
		} `toml:"package"`
	} `toml:"workspace"`
	Lib     *cargoTarget  `toml:"lib"`
	Bin     []cargoTarget `toml:"bin"`
	Example []cargoTarget `toml:"example"`
	Test    []cargoTarget `toml:"test"`
	Bench   []cargoTarget `toml:"bench"`
	cargoDeps
	Target map[string]cargoDeps `toml:"target"`
}

type cargoTarget struct {
	Name string `toml:"name"`
	Path string `toml:"path"`
}

type cargoDeps struct {
	Dependencies      map[string]any `toml:"dependencies"`
	DevDependencies   map[string]any `toml:"dev-dependencies"`
	BuildDependencies map[string]any `toml:"build-dependencies"`
}

func readCargo(p *Probe, file string) (*cargoManifest, error) {
	var m cargoManifest
	if _, err := toml.Decode(p.Text(file), &m); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: file, Line: pe.Position.Line, Msg: "not valid TOML (" + pe.Message + "): fix the file, then run devenv again"}
		}
		return nil, &Error{File: file, Msg: "cannot read it (" + err.Error() + "): fix the file, then run devenv again"}
	}
	return &m, nil
}

var rustVersionRe = regexp.MustCompile(`(?m)^[ \t]*rust-version\s*=\s*["']([^"']+)["']`)

// rustVersion is the rust-version of [package] or [workspace.package], with its line.
func (m *cargoManifest) rustVersion(p *Probe, file string) (string, int) {
	text := p.Text(file)
	if mm := rustVersionRe.FindStringSubmatchIndex(text); mm != nil {
		return text[mm[2]:mm[3]], strings.Count(text[:mm[0]], "\n") + 1
	}
	return "", 0
}

// pathDeps are the path dependencies of every kind and target, sorted.
func (m *cargoManifest) pathDeps() []string {
	var out []string
	add := func(deps map[string]any) {
		for _, d := range deps {
			if t, ok := d.(map[string]any); ok {
				if s, ok := t["path"].(string); ok && s != "" {
					out = append(out, s)
				}
			}
		}
	}
	all := []cargoDeps{m.cargoDeps}
	for _, t := range m.Target {
		all = append(all, t)
	}
	for _, d := range all {
		add(d.Dependencies)
		add(d.DevDependencies)
		add(d.BuildDependencies)
	}
	if m.Workspace != nil {
		add(m.Workspace.Dependencies)
	}
	sort.Strings(out)
	return out
}

var channelRe = regexp.MustCompile(`(?m)^[ \t]*channel\s*=\s*["']([^"']+)["']`)

// rustToolchain: rust-toolchain.toml's channel, the one line of rust-toolchain, then
// .tool-versions and mise.toml.
func rustToolchain(p *Probe, dir string) (Version, bool) {
	for _, f := range []string{"rust-toolchain.toml", "rust-toolchain"} {
		file := rel(dir, f)
		text := p.Text(file)
		if m := channelRe.FindStringSubmatch(text); m != nil {
			return Version{Value: m[1], Source: Source{File: file, Line: LineOf(text, m[0])}}, true
		}
		if f == "rust-toolchain" {
			if line, n := p.FirstLine(file); line != "" && !regexp.MustCompile(`[\[=]`).MatchString(line) {
				return Version{Value: line, Source: Source{File: file, Line: n}}, true
			}
		}
	}
	return p.toolVersion(dir, "rust")
}

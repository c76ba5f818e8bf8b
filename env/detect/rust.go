package detect

import (
	"regexp"
)

func rustPresent(p *Probe, dir string) bool { return p.IsFile(rel(dir, "Cargo.toml")) }

func resolveRust(p *Probe, dir string) (*Stack, error) {
	st := &Stack{Name: "rust", Dir: dir, Manager: "cargo", Base: "rust:1-slim-bookworm",
		Toolchain: Toolchain{Copy: []string{"/usr/local/cargo", "/usr/local/rustup"}}}
	if v, ok := rustToolchain(p, dir); ok {
		st.Version = v
		st.Found = append(st.Found, "Rust "+v.String())
		if nums := parseNumbers(v.Value); len(nums) >= 2 {
			st.Base = "rust:" + release(nums[:2]).String() + "-slim-bookworm"
		}
	} else {
		st.Version = Version{Value: "stable"}
	}
	st.Chose = append(st.Chose, "base "+st.Base)
	if p.IsFile(rel(dir, "Cargo.toml")) {
		// cargo fetch wants a target to exist; a stub main is enough and is hidden by
		// the bind mount at run time.
		st.Groups = []Group{{Files: []string{rel(dir, "Cargo.toml"), rel(dir, "Cargo.lock")}, Install: []string{inDir(dir,
			"mkdir -p src && { [ -e src/main.rs ] || [ -e src/lib.rs ] || echo 'fn main() {}' > src/main.rs; } && cargo fetch && chmod -R a+rwX \"$CARGO_HOME\"")}}}
	}
	return st, nil
}

var channelRe = regexp.MustCompile(`(?m)^\s*channel\s*=\s*["']([^"']+)["']`)

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

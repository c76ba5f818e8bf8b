// Package detect reads a project's files and says which stacks it holds: the language
// version each asks for and the file that says so, the package manager it uses, and the
// files and commands that install its dependencies. It reads only the files it names,
// in the project root and its first-level folders: never node_modules, .git or a build
// output, so a monorepo of any size is read in milliseconds.
//
// It knows nothing of devenv.toml or of engines: env turns a Stack into the layers of
// a Dockerfile.
package detect

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// Stack is one toolchain a project needs, resolved from its files.
type Stack struct {
	Name string // python, node, go, rust, ruby, java, cpp, php, dotnet
	// Dir is where the stack's manifests are, relative to the root with forward
	// slashes; "" for the root itself.
	Dir string
	// Version is the language or toolchain version the project asks for; its Value is
	// "" when the project names none and the stack's default applies.
	Version Version
	// Manager is the package manager the files show: pip, uv, poetry, npm, pnpm, ...
	Manager string
	// Base is the image the stack starts from when it is the environment's first stack.
	Base string
	// Toolchain is how an image of another stack gets this one.
	Toolchain Toolchain
	// Packages are OS packages the stack needs on top of Base (a compiler, unzip, ...).
	Packages []string
	// Groups are the dependency files and the commands that install them, each its own
	// pair of layers; files are relative to the project root.
	Groups []Group
	// Caches are package-manager caches kept across builds (BuildKit cache mounts).
	Caches []string
	// Found, Chose and Left explain the stack to the user: what the files say and where,
	// what devenv decided from that, and what it left for the user to decide.
	Found, Chose, Left []string
	// VersionErr says why the version the project names gives no image; Base then holds
	// the default. It matters only when the base image follows the version: a `base`
	// key in devenv.toml makes it moot.
	VersionErr error
}

// versionOr keeps the release a version resolved to, or notes why it did not and falls
// back to def.
func (st *Stack) versionOr(r release, err error, def release) release {
	if err != nil {
		st.VersionErr = err
		return def
	}
	return r
}

// Group is dependency files copied into the build together and the commands that install
// them. Files are relative to the project root; Install runs in the container's workdir.
type Group struct {
	Files   []string
	Install []string
}

// Toolchain is what it takes to add a stack to an image made from another stack's base:
// paths copied from the stack's own Base image (COPY --from), then commands run as root.
// Packages are installed instead when Copy is empty (Debian's own packages).
type Toolchain struct {
	Copy     []string
	Setup    []string
	Packages []string
}

// Version is a version a project asks for and where it says so.
type Version struct {
	Value  string
	Source Source
}

// Source is a place in a project file: "" for devenv's own default.
type Source struct {
	File string // relative to the project root, forward slashes
	Line int    // 0 when unknown
}

func (s Source) String() string {
	switch {
	case s.File == "":
		return "devenv's default"
	case s.Line > 0:
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	default:
		return s.File
	}
}

// String is "3.12 (from .python-version:1)", or "3.12 (devenv's default)".
func (v Version) String() string {
	if v.Source.File == "" {
		return v.Value + " (devenv's default)"
	}
	return v.Value + " (from " + v.Source.String() + ")"
}

// Error is a project file devenv cannot use, placed at a line when known.
type Error struct {
	File string // relative to the project root
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// def is one stack devenv knows: how to tell it is there, and how to resolve it.
type def struct {
	name string
	// present reports whether dir holds this stack's files.
	present func(p *Probe, dir string) bool
	// resolve works out the stack in dir; it is also called for a dir without the
	// stack's files when devenv.toml names the template, and then gives the defaults.
	resolve func(p *Probe, dir string) (*Stack, error)
}

// defs in order of precedence: when a folder shows two stacks, the first is the
// environment's base and the others add their toolchains to it. Node comes late: next to
// another stack's manifests, a package.json is nearly always the assets or the linters of
// a project written in the other language (a Rails, Laravel or Django app).
var defs = []def{
	{"python", pythonPresent, resolvePython},
	{"go", goPresent, resolveGo},
	{"rust", rustPresent, resolveRust},
	{"ruby", rubyPresent, resolveRuby},
	{"java", javaPresent, resolveJava},
	{"dotnet", dotnetPresent, resolveDotnet},
	{"php", phpPresent, resolvePHP},
	{"node", nodePresent, resolveNode},
	{"cpp", cppPresent, resolveCpp},
}

// Names are the stacks devenv knows, in order of precedence, and "generic".
func Names() []string {
	out := make([]string, 0, len(defs)+1)
	for _, d := range defs {
		out = append(out, d.name)
	}
	return append(out, "generic")
}

// Generic is the environment for a project whose files show no stack.
func Generic() *Stack {
	return &Stack{Name: "generic", Base: "debian:bookworm",
		Chose: []string{"base debian:bookworm: no stack devenv knows was found; add packages = [...] for your tools"}}
}

// Result is what Detect found in a project.
type Result struct {
	// Stacks are the stacks found, the environment's base first; empty for none.
	Stacks []*Stack
	// Notes are facts about the repository as a whole (an existing Dockerfile, a
	// compose file, a devcontainer.json), for init to show.
	Notes []string
}

// skipDirs are first-level folders that never hold a stack of the project itself:
// dependencies, build outputs, version control, and folders of samples and fixtures.
var skipDirs = map[string]bool{
	"node_modules": true, "vendor": true, "target": true, "build": true, "dist": true, "out": true,
	"bin": true, "obj": true, "venv": true, "__pycache__": true, "coverage": true,
	"docs": true, "doc": true, "examples": true, "example": true, "samples": true, "sample": true,
	"test": true, "tests": true, "testdata": true, "fixtures": true, "third_party": true, "third-party": true,
	"bench": true, "benchmarks": true, "scripts": true, "tools": true, "site": true,
}

// appDirs are the first-level folders where a project keeps a part written in another
// language: a front end beside a back end, an API beside a web app.
var appDirs = map[string]bool{
	"frontend": true, "front-end": true, "front": true, "client": true, "web": true, "webapp": true,
	"www": true, "ui": true, "app": true, "backend": true, "back-end": true, "server": true,
	"api": true, "service": true,
}

// Detect finds the stacks of the project at root: those of the root folder first, then
// one of each other kind from its first-level folders. When the root holds a stack, only
// folders named as parts of an application count (web/, frontend/, api/, ...): elsewhere a
// manifest is more often a sample, a binding or a tool than a part of the environment.
func Detect(root string) (*Result, error) {
	p := NewProbe(root)
	res := &Result{}
	seen := map[string]bool{}
	add := func(dir string, d def) error {
		if seen[d.name] || !d.present(p, dir) {
			return nil
		}
		st, err := d.resolve(p, dir)
		if err != nil {
			return err
		}
		seen[d.name] = true
		res.Stacks = append(res.Stacks, st)
		return nil
	}
	for _, d := range defs {
		if err := add("", d); err != nil {
			return nil, err
		}
	}
	demoteTooling(p, res)
	rootHasStack := len(res.Stacks) > 0
	for _, dir := range p.subdirs() {
		if rootHasStack && !appDirs[dir] {
			continue
		}
		for _, d := range defs {
			if err := add(dir, d); err != nil {
				return nil, err
			}
		}
	}
	res.Notes = repositoryNotes(p)
	return res, nil
}

// demoteTooling moves a root Python stack that has only requirements files behind the
// root's other stacks (but node, which is assets and linters next to a Python app):
// beside a go.mod, a Cargo.toml or a pom.xml, a lone requirements.txt lists the
// project's tools (codespell, mkdocs), not a Python project.
func demoteTooling(p *Probe, res *Result) {
	if len(res.Stacks) < 2 || res.Stacks[0].Name != "python" || !pythonRequirementsOnly(p, "") {
		return
	}
	py := res.Stacks[0]
	var others []*Stack
	for _, st := range res.Stacks[1:] {
		if st.Name != "node" {
			others = append(others, st)
		}
	}
	if len(others) == 0 {
		return
	}
	rest := res.Stacks[1:]
	res.Stacks = append(append([]*Stack{}, others...), py)
	for _, st := range rest {
		if st.Name == "node" {
			res.Stacks = append(res.Stacks, st)
		}
	}
	py.Chose = append(py.Chose, fmt.Sprintf("python after %s: requirements files and no pyproject.toml, setup.py or Pipfile beside its manifests are its tools, not a Python project", others[0].Name))
}

// Resolve works out the stack called name for the project at root: where Detect would
// find it, or at the root with the stack's defaults when its files are nowhere.
func Resolve(root, name string) (*Stack, error) {
	if name == "generic" {
		return Generic(), nil
	}
	d, ok := lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown stack %q", name)
	}
	p := NewProbe(root)
	for _, dir := range append([]string{""}, p.subdirs()...) {
		if d.present(p, dir) {
			return d.resolve(p, dir)
		}
	}
	return d.resolve(p, "")
}

func lookup(name string) (def, bool) {
	for _, d := range defs {
		if d.name == name {
			return d, true
		}
	}
	return def{}, false
}

// subdirs are the first-level folders Detect looks into, sorted.
func (p *Probe) subdirs() []string {
	var out []string
	for _, e := range p.entries("") {
		name := e.Name()
		if !e.IsDir() || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || skipDirs[name] {
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// repositoryNotes names the files with which a repository already describes its
// environment.
func repositoryNotes(p *Probe) []string {
	var notes []string
	for _, f := range []string{".devcontainer/devcontainer.json", ".devcontainer.json", "Dockerfile", "compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"} {
		if p.IsFile(f) {
			notes = append(notes, f)
		}
	}
	return notes
}

// rel joins a stack's dir and a file name into a path relative to the root.
func rel(dir, name string) string {
	if dir == "" {
		return name
	}
	return path.Join(dir, name)
}

// relFrom is the path of f as seen from the folder dir (where an install runs), both
// relative to the root: "../libs/x" for libs/x from web/.
func relFrom(dir, f string) string {
	if dir == "" {
		return path.Clean(f)
	}
	d, t := strings.Split(dir, "/"), strings.Split(path.Clean(f), "/")
	i := 0
	for i < len(d) && i < len(t) && d[i] == t[i] {
		i++
	}
	parts := []string{}
	for range d[i:] {
		parts = append(parts, "..")
	}
	parts = append(parts, t[i:]...)
	if len(parts) == 0 {
		return "."
	}
	return path.Join(parts...)
}

// inDir prefixes an install command with a cd into dir, for stacks below the root.
func inDir(dir, cmd string) string {
	if dir == "" {
		return cmd
	}
	return "cd " + shellQuote(dir) + " && " + cmd
}

// shellQuote makes s one word for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

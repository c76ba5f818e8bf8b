package env

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devenv/devenv/env/detect"
)

// InitPlan is what `devenv init` found in a project and the devenv.toml it writes.
type InitPlan struct {
	Root   string
	Stacks []*detect.Stack // the environment's base stack first; empty for generic
	// Notes name files with which the repository already describes an environment.
	Notes []string
	Text  string // the devenv.toml to write
	// imported is what the repository's devcontainer.json and compose file give.
	imported *imported
}

// Template is the first stack's name, or "generic".
func (p *InitPlan) Template() string {
	if len(p.Stacks) == 0 {
		return "generic"
	}
	return p.Stacks[0].Name
}

// PlanInit reads the project in dir and works out its devenv.toml; it writes nothing.
func PlanInit(dir string) (*InitPlan, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	res, err := detect.Detect(root)
	if err != nil {
		return nil, placeDetectError(root, err)
	}
	for _, st := range res.Stacks {
		// A version nobody publishes is the project's mistake: say so now, not at the
		// first build.
		if st.VersionErr != nil {
			return nil, placeDetectError(root, st.VersionErr)
		}
	}
	plan := &InitPlan{Root: root, Stacks: res.Stacks, Notes: res.Notes}
	// devcontainer.json and compose files: see importdevcontainer.go, importcompose.go.
	if err := importExisting(plan); err != nil {
		return nil, err
	}
	plan.Text = initText(root, plan.Stacks) + plan.imported.text()
	return plan, nil
}

// Write writes the plan's devenv.toml; it refuses to replace an existing one unless
// force is set, and never leaves a half-written file: the text goes to a temporary
// file that is renamed into place.
func (p *InitPlan) Write(force bool) (string, error) {
	path := filepath.Join(p.Root, ConfigFile)
	if _, err := os.Lstat(path); err == nil && !force {
		return "", fmt.Errorf("%s already exists: edit it, or run `devenv init --force` to replace it", path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("cannot write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(p.Root, ".devenv.toml.*")
	if err != nil {
		return "", fmt.Errorf("cannot write %s: %w", path, err)
	}
	_, werr := tmp.WriteString(p.Text)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o644)
	}
	if werr == nil && !force {
		// Link, not rename: a devenv.toml made since the check above is never replaced.
		if werr = os.Link(tmp.Name(), path); werr == nil {
			os.Remove(tmp.Name())
			return path, nil
		} else if errors.Is(werr, fs.ErrExist) {
			os.Remove(tmp.Name())
			return "", fmt.Errorf("%s already exists: edit it, or run `devenv init --force` to replace it", path)
		}
		werr = nil // a file system without hard links: rename below
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("cannot write %s: %w (the old file, if any, is unchanged)", path, werr)
	}
	return path, nil
}

// Explain tells the user what init found and from which file, what it chose, and what
// it left for them to decide.
func (p *InitPlan) Explain(w io.Writer) {
	if len(p.Stacks) == 0 && !p.imported.hasEnvironment() {
		fmt.Fprintf(w, "found   no stack devenv knows (python, node, go, rust, ruby, java, dotnet, php, cpp)\n")
		fmt.Fprintf(w, "chose   template \"generic\": base debian:bookworm\n")
		fmt.Fprintf(w, "left    packages = [...]: the tools your project needs\n")
	}
	for i, st := range p.Stacks {
		where := "at the root"
		if st.Dir != "" {
			where = "in " + st.Dir + "/"
		}
		facts := []string{}
		if st.Version.Value != "" {
			facts = append(facts, "version "+st.Version.String())
		}
		if st.Manager != "" {
			facts = append(facts, st.Manager)
		}
		fmt.Fprintf(w, "found   %s %s: %s\n", st.Name, where, strings.Join(facts, ", "))
		for _, f := range st.Found {
			if strings.HasSuffix(f, " "+st.Version.String()) {
				continue // the version, already on the line above
			}
			fmt.Fprintf(w, "          %s\n", shortList(f, 160))
		}
		for _, c := range st.Chose {
			if i == 0 && strings.HasPrefix(c, "base ") && p.imported != nil && p.imported.base != "" {
				continue // the imported image is the base: its own line says so
			}
			if i > 0 && strings.HasPrefix(c, "base ") {
				c = stackAddedPhrase(st)
			}
			fmt.Fprintf(w, "chose   %s\n", c)
		}
		for _, l := range st.Left {
			if i > 0 && len(st.Toolchain.Copy) == 0 && strings.Contains(l, "devenv's default") {
				continue // Debian's packages decide this stack's version, not a default
			}
			fmt.Fprintf(w, "left    %s\n", l)
		}
	}
	p.imported.explain(w)
	for _, n := range p.Notes {
		fmt.Fprintf(w, "note    %s is here too: devenv does not read it; compare it with devenv.toml\n", n)
	}
}

func stackAddedPhrase(st *detect.Stack) string {
	if len(st.Toolchain.Copy) > 0 {
		return fmt.Sprintf("%s toolchain copied from %s into the first stack's image", st.Name, st.Base)
	}
	phrase := fmt.Sprintf("%s from Debian's packages (%s) in the first stack's image", st.Name, strings.Join(st.Toolchain.Packages, " "))
	if st.Version.Source.File != "" {
		// The project asks for a version Debian's package may not be.
		phrase += fmt.Sprintf(": Debian's %s version, not the %s that %s asks for; make %s the first stack to get that one", st.Name, st.Version.Value, st.Version.Source, st.Name)
	}
	return phrase
}

// TemplateValue is the template key as init writes it: "python", or ["python", "node"].
func (p *InitPlan) TemplateValue() string {
	if len(p.Stacks) < 2 {
		return fmt.Sprintf("%q", p.Template())
	}
	names := make([]string, len(p.Stacks))
	for i, st := range p.Stacks {
		names[i] = st.Name
	}
	return tomlList(names)
}

// InitConfig writes a commented devenv.toml for the project in dir, for the stacks its
// files show. It refuses to replace an existing file unless force is set.
func InitConfig(dir string, force bool) (path, template string, err error) {
	plan, err := PlanInit(dir)
	if err != nil {
		return "", "", err
	}
	path, err = plan.Write(force)
	return path, plan.Template(), err
}

// InitText is the devenv.toml that init writes for the project at root with the given
// template: that stack set, and every other key shown with its default, commented out.
func InitText(root, template string) string {
	st, err := detect.Resolve(root, template)
	if err != nil || template == "generic" {
		return initText(root, nil)
	}
	return initText(root, []*detect.Stack{st})
}

func initText(root string, stacks []*detect.Stack) string {
	var b strings.Builder
	names := make([]string, len(stacks))
	for i, st := range stacks {
		names[i] = st.Name
	}
	fmt.Fprintf(&b, "# The development environment of this project: run `devenv shell` here.\n")
	fmt.Fprintf(&b, "# Every key is explained in devenv.toml.example. Lines starting with # show what\n")
	fmt.Fprintf(&b, "# devenv works out from the project's files: remove the # to set one yourself.\n\n")
	fmt.Fprintf(&b, "name = %q\n", nameFromDir(root))
	switch len(stacks) {
	case 0:
		fmt.Fprintf(&b, "template = \"generic\"  # %s\n\n", strings.Join(Templates, " | "))
		fmt.Fprintf(&b, "# base = %q  # the image to start from\n", detect.Generic().Base)
	case 1:
		fmt.Fprintf(&b, "template = %q  # %s\n\n", names[0], strings.Join(Templates, " | "))
	default:
		fmt.Fprintf(&b, "# The first stack gives the base image; the others add their toolchains to it.\n")
		fmt.Fprintf(&b, "template = %s\n\n", tomlList(names))
	}
	for _, st := range stacks {
		where := ""
		if st.Dir != "" {
			where = " in " + st.Dir + "/"
		}
		fmt.Fprintf(&b, "# %s%s: %s", st.Name, where, st.Manager)
		if st.Version.Value != "" {
			fmt.Fprintf(&b, ", %s", st.Version)
		}
		fmt.Fprintf(&b, "\n")
	}
	if len(stacks) > 0 {
		fmt.Fprintf(&b, "# base = %q  # follows the version above; set it to choose the image yourself\n", stacks[0].Base)
	}
	fmt.Fprintf(&b, "# packages = [\"git\"]  # OS packages, installed with apt-get, apk or dnf\n")
	var files, install, caches []string
	for _, st := range stacks {
		for _, g := range st.Groups {
			files = append(files, g.Files...)
			install = append(install, g.Install...)
		}
		caches = append(caches, st.Caches...)
	}
	fmt.Fprintf(&b, "# dependencies = %s  # copied into the build: a change rebuilds\n", tomlList(files))
	if long := slices.ContainsFunc(install, func(c string) bool { return len(c) > 100 || strings.Contains(c, "\n") }); long {
		// A stack's own install script is no reading for a config file: the Dockerfile
		// shows it.
		fmt.Fprintf(&b, "# install = [...]  # run after the dependencies are copied; devenv's own steps: `devenv dockerfile`\n")
	} else {
		fmt.Fprintf(&b, "# install = %s  # run after the dependencies are copied\n", tomlList(install))
	}
	fmt.Fprintf(&b, "# setup = []  # build commands run before the dependencies are copied\n")
	fmt.Fprintf(&b, "# caches = %s  # package caches kept across builds\n", tomlList(caches))
	fmt.Fprintf(&b, "# workdir = \"/workspace\"  # where the project appears in the container\n")
	fmt.Fprintf(&b, "# shell = \"bash\"\n")
	fmt.Fprintf(&b, "# user = \"host\"  # run as your own UID and GID, so files you create are yours\n")
	fmt.Fprintf(&b, "# ports = [\"8000:8000\"]\n")
	fmt.Fprintf(&b, "# pass_env = [\"GITHUB_TOKEN\"]  # host variables passed in at run time\n")
	fmt.Fprintf(&b, "# trust_host_ca = true  # use this machine's CA certificates (corporate proxies)\n\n")
	fmt.Fprintf(&b, "# [env]\n# DEBUG = \"1\"\n")
	return b.String()
}

func tomlList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// shortList cuts a line that lists many files or members (a workspace of 200 packages)
// after max bytes, at a list separator, and says how many items it left out.
func shortList(line string, max int) string {
	if len(line) <= max {
		return line
	}
	cut := strings.LastIndex(line[:max], ", ")
	if cut < 0 {
		return line
	}
	rest := strings.Count(line[cut:], ", ")
	return fmt.Sprintf("%s, ... (%d more)", line[:cut], rest)
}

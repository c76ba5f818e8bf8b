package env

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/distribution/reference"

	"github.com/devenv/devenv/env/detect"
	"github.com/docker/go-connections/nat"
)

// Spec is a project's environment with every default applied and every value checked:
// what render, fingerprint, build and run work from.
type Spec struct {
	Name     string // image repository part: devenv/<Name>
	Template string
	// Stacks are the project's stacks, Template first, as env/detect resolved them:
	// versions and where they come from, package managers, toolchains.
	Stacks []*detect.Stack
	// BaseSet is true when devenv.toml names the base image, so the first stack's
	// version does not choose it.
	BaseSet  bool
	Base     string
	Workdir  string   // where the project root is mounted in the container
	Shell    []string // argv of the interactive shell
	Packages []string
	Setup    []string
	Groups   []Group
	Caches   []string
	Env      map[string]string // [env]: in the image and at run time
	PassEnv  []string
	Ports    []string
	User     User
	Watch    bool
	OnChange OnChange
	// Persistent keeps one warm container per project and image that shell and run
	// enter with an exec.
	Persistent bool
	Services   []Service // [services.NAME], sorted by name
	// Image is a prebuilt environment in a registry (the image key): it is pulled
	// when missing and never built. ImageIgnores lists the build keys devenv.toml sets
	// that running it therefore does not use.
	Image        string
	ImageIgnores []string
	// OwnDockerfile is the project's own Dockerfile (the dockerfile key), built first;
	// Base is then the image it builds. Nil without the key.
	OwnDockerfile *OwnDockerfile

	// Root is the project root on the host; ConfigPath its devenv.toml.
	Root       string
	ConfigPath string
	// WatchPatterns are the inputs to watch, relative to Root: devenv.toml and every
	// dependency name or glob, also those that match no file yet.
	WatchPatterns []string
	// CABundle is the host's CA bundle to trust during builds and in the container;
	// empty when trust_host_ca is false or the host has none.
	CABundle string
	// CAMissing is set when trust_host_ca is on but no bundle was found on the host.
	CAMissing bool
}

// OnChange is what a watching shell does once the image was rebuilt.
type OnChange string

const (
	OnChangeNotify  OnChange = "notify"
	OnChangeApply   OnChange = "apply"
	OnChangeRestart OnChange = "restart"
)

// Group is a dependency group resolved to concrete files, relative to the root with
// forward slashes, sorted.
type Group struct {
	Files   []string
	Install []string
}

// User is who runs the shell and owns the files it writes.
type User struct {
	UID, GID int
	Name     string // passwd name for UID in the image
	Home     string
}

// IsRoot reports whether the container runs as root, needing no user of its own.
func (u User) IsRoot() bool { return u.UID == 0 }

// Host is what Resolve needs to know about the machine devenv runs on.
type Host struct {
	UID, GID int
	UserName string
	// CABundle is the path of the host's CA bundle, "" when there is none.
	CABundle string
}

// CurrentHost describes the machine devenv runs on.
func CurrentHost() Host {
	h := Host{UID: os.Getuid(), GID: os.Getgid(), UserName: os.Getenv("USER"), CABundle: hostCABundle()}
	if runtime.GOOS == "windows" {
		// Docker Desktop presents Windows files to containers with no owner to match;
		// root inside is what its file sharing expects.
		h.UID, h.GID = 0, 0
	}
	return h
}

// hostCABundle finds the CA bundle the host's own tools trust: SSL_CERT_FILE first, as
// Go and OpenSSL read it, then the usual places of Debian, Fedora, Alpine and macOS.
func hostCABundle() string {
	candidates := []string{os.Getenv("SSL_CERT_FILE"),
		"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() && st.Size() > 0 {
			return c
		}
	}
	return ""
}

var (
	nameRe        = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	containerPath = regexp.MustCompile(`^/[A-Za-z0-9._@+/-]*$`)
	packageRe     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+_:~=/@-]*$`)
	envNameRe     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	userRe        = regexp.MustCompile(`^(\d+)(?::(\d+))?$`)
	passwdNameRe  = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,30}$`)
	// Characters a dependency path may not hold: COPY expands $ and globs in its
	// sources, and control characters have no place in a file name we render.
	badPathChars = regexp.MustCompile(`[\x00-\x1f\x7f$*?\[\]\\]`)
)

// Resolve applies the template's defaults to c, checks every value, and expands
// dependency globs against the files in the project.
func Resolve(c *Config, host Host) (*Spec, error) {
	root := c.Root()
	d := decoder{path: c.Path}
	if data, err := os.ReadFile(c.Path); err == nil {
		d.src = string(data)
	}
	s := &Spec{Root: root, ConfigPath: c.Path, Env: map[string]string{}}

	s.Template = c.Template
	names := c.Templates
	if s.Template == "" {
		s.Template, names = "generic", []string{"generic"}
	}
	seenStack := map[string]bool{}
	for _, name := range names {
		if !slices.Contains(Templates, name) {
			msg := fmt.Sprintf("unknown template %q: use one of %s", name, strings.Join(Templates, ", "))
			if sug := suggest(name, Templates); sug != "" {
				msg = fmt.Sprintf("unknown template %q (did you mean %q?)", name, sug)
			}
			return nil, d.errf("template", "", "%s", msg)
		}
		if seenStack[name] {
			return nil, d.errf("template", "", "template lists %q twice: name each stack once", name)
		}
		if name == "generic" && len(names) > 1 {
			return nil, d.errf("template", "", "\"generic\" means no stack: list only the stacks the project uses, like template = [\"python\", \"node\"]")
		}
		seenStack[name] = true
		st, err := resolveStack(root, name)
		if err != nil {
			return nil, err
		}
		s.Stacks = append(s.Stacks, st)
	}
	primary := s.Stacks[0]
	if !c.IsSet("base") && primary.VersionErr != nil {
		return nil, placeDetectError(root, primary.VersionErr)
	}

	s.Name = c.Name
	if !c.IsSet("name") {
		s.Name = nameFromDir(root)
	}
	if !nameRe.MatchString(s.Name) || len(s.Name) > 100 {
		return nil, d.errf("name", "", "name %q must be lower-case letters, digits and single . _ - between them, like \"my-app\"", s.Name)
	}

	s.Base, s.BaseSet = c.Base, c.IsSet("base")
	if !c.IsSet("base") {
		s.Base = primary.Base
	}
	if _, err := reference.ParseNormalizedNamed(s.Base); err != nil {
		return nil, d.errf("base", "", "base %q is not an image reference like \"debian:bookworm\" or \"python:3.12-slim\"", s.Base)
	}

	s.Workdir = c.Workdir
	if s.Workdir == "" {
		s.Workdir = "/workspace"
	}
	if !containerPath.MatchString(s.Workdir) || path.Clean(s.Workdir) != s.Workdir || s.Workdir == "/" {
		return nil, d.errf("workdir", "", "workdir %q must be an absolute path inside the container made of letters, digits and ._@+-/ (not /), like \"/workspace\"", s.Workdir)
	}

	if c.Shell != "" {
		s.Shell = strings.Fields(c.Shell)
		if len(s.Shell) == 0 {
			return nil, d.errf("shell", "", "shell is blank: name a program, like shell = \"bash\"")
		}
	} else {
		// bash where the image has it, else the POSIX shell every image has.
		s.Shell = []string{"/bin/sh", "-c", "if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi"}
	}

	for _, p := range c.Packages {
		if !packageRe.MatchString(p) {
			return nil, d.errf("packages", "", "package %q is not a package name: use letters, digits and .+_:~=/@- only", p)
		}
	}
	s.Packages = stackPackages(c.Packages, s.Stacks)

	for _, list := range []struct {
		key  string
		cmds []string
	}{{"setup", c.Setup}, {"install", c.Install}} {
		for _, cmd := range list.cmds {
			if err := checkCommand(cmd); err != nil {
				return nil, d.errf(list.key, "", "%s command %q %v", list.key, cmd, err)
			}
		}
	}
	s.Setup = c.Setup

	groups, err := dependencyGroups(c, s.Stacks)
	if err != nil {
		return nil, err
	}
	s.WatchPatterns = []string{ConfigFile}
	for _, g := range groups {
		for _, f := range g.Files {
			s.WatchPatterns = append(s.WatchPatterns, path.Clean(filepath.ToSlash(f)))
		}
		for _, cmd := range g.Install {
			if err := checkCommand(cmd); err != nil {
				return nil, d.errf("dependencies", "", "install command %q %v", cmd, err)
			}
		}
		files, err := expandFiles(root, g.Files, g.Optional)
		if err != nil {
			return nil, d.errf("dependencies", "", "%v", err)
		}
		if len(files) == 0 && len(g.Files) > 0 {
			continue // an optional group none of whose files exist
		}
		s.Groups = append(s.Groups, Group{Files: files, Install: g.Install})
	}

	s.Caches = c.Caches
	if !c.IsSet("caches") {
		s.Caches = nil
		for _, st := range s.Stacks {
			for _, cache := range st.Caches {
				if !slices.Contains(s.Caches, cache) {
					s.Caches = append(s.Caches, cache)
				}
			}
		}
	}
	for _, p := range s.Caches {
		if !containerPath.MatchString(p) || p == "/" {
			return nil, d.errf("caches", "", "cache %q must be an absolute directory in the container, like \"/root/.cache/pip\"", p)
		}
	}

	for k, v := range c.Env {
		if !envNameRe.MatchString(k) {
			return nil, d.errf(k, "env", "[env] name %q must be letters, digits and _ and not start with a digit", k)
		}
		if strings.ContainsAny(v, "\x00\r\n") {
			return nil, d.errf(k, "env", "[env] %s holds a line break: environment values must be one line", k)
		}
		s.Env[k] = v
	}
	for _, k := range c.PassEnv {
		if !envNameRe.MatchString(k) {
			return nil, d.errf("pass_env", "", "pass_env name %q must be letters, digits and _ (a variable name, not NAME=value)", k)
		}
	}
	s.PassEnv = c.PassEnv

	if _, _, err := nat.ParsePortSpecs(c.Ports); err != nil {
		return nil, d.errf("ports", "", "ports: %v (use docker -p syntax: \"8000\", \"8080:80\", \"127.0.0.1:5432:5432/tcp\")", err)
	}
	s.Ports = c.Ports

	u, err := resolveUser(c.User, host)
	if err != nil {
		return nil, d.errf("user", "", "%v", err)
	}
	s.User = u

	s.Watch = c.Watch
	s.Persistent = c.Persistent
	switch OnChange(c.OnChange) {
	case "", OnChangeNotify:
		s.OnChange = OnChangeNotify
	case OnChangeApply, OnChangeRestart:
		s.OnChange = OnChange(c.OnChange)
	default:
		return nil, d.errf("on_change", "", "on_change %q must be \"notify\" (say so), \"apply\" (install into the running shell) or \"restart\" (offer a new shell)", c.OnChange)
	}

	if err := resolveImage(s, c, d); err != nil {
		return nil, err
	}
	if err := resolveOwnDockerfile(c, s, d); err != nil {
		return nil, err
	}

	if s.Services, err = resolveServices(c, d); err != nil {
		return nil, err
	}

	if c.TrustHostCA == nil || *c.TrustHostCA {
		s.CABundle = host.CABundle
		s.CAMissing = host.CABundle == ""
	}
	return s, nil
}

// stackPackages are the OS packages devenv.toml lists, then those the stacks need: each
// stack's own, and for every stack after the first whose toolchain is not copied from
// its image, the Debian packages that provide it.
func stackPackages(listed []string, stacks []*detect.Stack) []string {
	out := slices.Clone(listed)
	add := func(pkgs []string) {
		for _, p := range pkgs {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	for i, st := range stacks {
		add(st.Packages)
		if i > 0 && len(st.Toolchain.Copy) == 0 {
			add(st.Toolchain.Packages)
		}
	}
	return out
}

// dependencyGroups combines dependencies and install from devenv.toml with the
// stacks' defaults.
func dependencyGroups(c *Config, stacks []*detect.Stack) ([]DependencyGroup, error) {
	if c.IsSet("dependencies") {
		return c.Dependencies, nil
	}
	var groups []DependencyGroup
	for _, st := range stacks {
		for _, g := range st.Groups {
			groups = append(groups, DependencyGroup{Files: g.Files, Install: g.Install, Optional: true})
		}
	}
	if !c.IsSet("install") {
		return groups, nil
	}
	// install without dependencies: the user's commands replace the template's, run
	// after all of the template's files are copied.
	merged := DependencyGroup{Install: c.Install, Optional: true}
	for _, g := range groups {
		merged.Files = append(merged.Files, g.Files...)
	}
	if len(merged.Files) == 0 || len(expandOptional(c.Root(), merged.Files)) == 0 {
		// Nothing to copy: the commands still run, as their own layer.
		merged.Files, merged.Optional = nil, false
	}
	if len(merged.Install) == 0 {
		return nil, nil
	}
	return []DependencyGroup{merged}, nil
}

func expandOptional(root string, files []string) []string {
	out, _ := expandFiles(root, files, true)
	return out
}

// checkCommand refuses commands that cannot be what the user meant. Everything else is
// allowed: commands reach the Dockerfile as one JSON string, so no character in them can
// end their instruction or start another.
func checkCommand(cmd string) error {
	if strings.TrimSpace(cmd) == "" {
		return errors.New("is empty")
	}
	if strings.ContainsRune(cmd, 0) {
		return errors.New("holds a NUL character")
	}
	return nil
}

func resolveUser(value string, host Host) (User, error) {
	switch value {
	case "", "host":
		u := User{UID: host.UID, GID: host.GID}
		if u.UID < 0 || u.GID < 0 {
			u.UID, u.GID = 0, 0
		}
		if u.UID == 0 {
			return User{Name: "root", Home: "/root"}, nil
		}
		u.Name = strings.ToLower(host.UserName)
		if !passwdNameRe.MatchString(u.Name) {
			u.Name = "dev"
		}
		u.Home = "/home/" + u.Name
		return u, nil
	case "root":
		return User{Name: "root", Home: "/root"}, nil
	}
	m := userRe.FindStringSubmatch(value)
	if m == nil {
		return User{}, fmt.Errorf("user %q must be \"host\" (your own UID and GID), \"root\", or \"UID:GID\" like \"1000:1000\"", value)
	}
	// IDs are 32-bit, and 2^32-1 means "no ID" to the kernel.
	uid64, err := strconv.ParseUint(m[1], 10, 32)
	if err != nil || uid64 == 1<<32-1 {
		return User{}, fmt.Errorf("user %q: UID %s is out of range (0 to 4294967294)", value, m[1])
	}
	gid64 := uid64
	if m[2] != "" {
		gid64, err = strconv.ParseUint(m[2], 10, 32)
		if err != nil || gid64 == 1<<32-1 {
			return User{}, fmt.Errorf("user %q: GID %s is out of range (0 to 4294967294)", value, m[2])
		}
	}
	uid, gid := int(uid64), int(gid64)
	if uid == 0 {
		return User{Name: "root", Home: "/root", GID: gid}, nil
	}
	return User{UID: uid, GID: gid, Name: "dev", Home: "/home/dev"}, nil
}

// expandFiles turns file names and globs into the files they name, relative to root.
// A literal name that does not exist is an error unless optional; a glob may match
// nothing. Every file must be a regular file inside the project.
func expandFiles(root string, patterns []string, optional bool) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range patterns {
		if p == "" {
			return nil, errors.New("dependency file name is empty")
		}
		clean := path.Clean(filepath.ToSlash(p))
		if filepath.IsAbs(p) || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || filepath.VolumeName(p) != "" {
			return nil, fmt.Errorf("dependency %q is outside the project: list files under %s by their relative path", p, root)
		}
		var matches []string
		if strings.ContainsAny(p, "*?[") {
			ms, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(clean)))
			if err != nil {
				return nil, fmt.Errorf("dependency pattern %q is malformed: %v", p, err)
			}
			for _, m := range ms {
				rel, _ := filepath.Rel(root, m)
				matches = append(matches, filepath.ToSlash(rel))
			}
		} else {
			full := filepath.Join(root, filepath.FromSlash(clean))
			if _, err := os.Lstat(full); errors.Is(err, fs.ErrNotExist) {
				if optional {
					continue
				}
				return nil, fmt.Errorf("dependency file %s does not exist in %s: create it or remove it from dependencies", clean, root)
			}
			matches = []string{clean}
		}
		for _, rel := range matches {
			if seen[rel] {
				continue
			}
			if err := checkInside(root, rel); err != nil {
				return nil, err
			}
			seen[rel] = true
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out, nil
}

// checkInside makes sure rel is a regular file whose real location is in the project,
// so a symlink cannot carry a file from elsewhere on the host into the build.
func checkInside(root, rel string) error {
	if rel == contextDir || strings.HasPrefix(rel, contextDir+"/") {
		return fmt.Errorf("dependency %s is in %s, the folder name devenv keeps for its own files in the build: move or rename it", rel, contextDir)
	}
	if badPathChars.MatchString(rel) || strings.Contains(rel, `"`) {
		return fmt.Errorf("dependency %q has a character devenv cannot copy safely ($ * ? [ ] \\ \" or a control character): rename the file", rel)
	}
	full := filepath.Join(root, filepath.FromSlash(rel))
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return fmt.Errorf("cannot read dependency %s: %v", rel, err)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("cannot read project root %s: %v", root, err)
	}
	if r, err := filepath.Rel(realRoot, real); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return fmt.Errorf("dependency %s points outside the project (to %s): copy the file into the project instead", rel, real)
	}
	st, err := os.Stat(real)
	if err != nil {
		return fmt.Errorf("cannot read dependency %s: %v", rel, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("dependency %s is not a regular file: list files, not directories (a glob like \"%s/*.txt\" works)", rel, rel)
	}
	return nil
}

// nameFromDir makes an image name from the project directory's name.
func nameFromDir(dir string) string {
	base := strings.ToLower(filepath.Base(dir))
	var b strings.Builder
	lastSep := true
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			lastSep = false
		case !lastSep:
			b.WriteByte('-')
			lastSep = true
		}
	}
	name := strings.Trim(b.String(), "-")
	if name == "" {
		return "project"
	}
	return name
}

package env

import (
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"
	"github.com/google/shlex"

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
	Env      map[string]string // [env] and [build.env]: given to the container when it starts
	// BuildEnv names the [build.env] values; BuildEnvNames says which reach the image.
	BuildEnv []string
	PassEnv  []string
	Ports    []string
	User     User
	Watch    bool
	OnChange OnChange
	// Persistent keeps one warm container per project and image that shell and run
	// enter with an exec.
	Persistent bool
	// Spare starts the next command's container ahead, after each command (spare.go).
	Spare    bool
	Services []Service // [services.NAME], sorted by name
	// Image is a prebuilt environment in a registry (the image key): it is pulled
	// when missing and never built. ImageIgnores lists the build keys devenv.toml sets
	// that running it therefore does not use.
	Image        string
	ImageIgnores []string
	// Cache is the shared cache (REGISTRY/PATH) builds pull from, and push to when
	// CachePush is set (cache.go); empty: none.
	Cache     string
	CachePush bool
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

	// Mounts are the checked mounts entries; AllowEngineSocket lets one hold the
	// engine's socket. Identity is which of the user's identity pieces are passed.
	Mounts            []MountSpec
	AllowEngineSocket bool
	Identity          Identity
	// UserConfigDir is where the user's allows are kept (trust.go).
	UserConfigDir string
	// OnCreate and OnStart are the project's hooks (hooks.go); Dotfiles the user's
	// dotfiles, nil for none (dotfiles.go).
	OnCreate, OnStart []string
	Dotfiles          *Dotfiles
	// Origins says where each effective value of the keys both devenv.toml and the
	// user's config may set came from (FromProject, FromUser, FromDefault), for doctor.
	Origins map[string]string
	// PreferredShell is the user's config's shell, "" for none.
	PreferredShell string
	// Forward, GPUs and Platform are as devenv.toml sets them (config_runtime.go).
	Forward  []int
	GPUs     GPUs
	Platform string

	// AptSources are sources.list lines added before packages are installed; BaseID
	// the base image's ID on the engine and Pins what devenv.lock pins (lock_apply.go).
	AptSources []string
	BaseID     string
	Pins       *LockPins
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
// dependency globs against the files in the project. Its errors are placed in the text
// c was parsed from: devenv.toml is not read again.
func Resolve(c *Config, host Host) (*Spec, error) {
	root := c.Root()
	d := c.decoder()
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
			return nil, d.errf("template", "%s", msg)
		}
		if seenStack[name] {
			return nil, d.errf("template", "template lists %q twice: name each stack once", name)
		}
		if name == "generic" && len(names) > 1 {
			return nil, d.errf("template", "\"generic\" means no stack: list only the stacks the project uses, like template = [\"python\", \"node\"]")
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
		return nil, d.errf("name", "name %q must be lower-case letters, digits and single . _ - between them, like \"my-app\"", s.Name)
	}

	s.Base, s.BaseSet = c.Base, c.IsSet("base")
	if !c.IsSet("base") {
		s.Base = primary.Base
	}
	if _, err := reference.ParseNormalizedNamed(s.Base); err != nil {
		return nil, d.errf("base", "base %q is not an image reference like \"debian:bookworm\" or \"python:3.12-slim\"", s.Base)
	}

	s.Workdir = c.Workdir
	if s.Workdir == "" {
		s.Workdir = "/workspace"
	}
	if !containerPath.MatchString(s.Workdir) || path.Clean(s.Workdir) != s.Workdir || s.Workdir == "/" {
		return nil, d.errf("workdir", "workdir %q must be an absolute path inside the container made of letters, digits and ._@+-/ (not /), like \"/workspace\"", s.Workdir)
	}

	user, err := loadUserConfig(host.ConfigDir)
	if err != nil {
		return nil, err
	}
	s.Origins = map[string]string{}
	if c.Shell != "" {
		s.Origins["shell"] = FromProject
		// Split as a POSIX shell would, without expanding anything: the words are the
		// argv the container runs, as an exec form is.
		words, err := shlex.Split(c.Shell)
		if err != nil {
			return nil, d.errf("shell", "shell %q cannot be split into words (%v): close its quotes", c.Shell, err)
		}
		if len(words) == 0 {
			return nil, d.errf("shell", "shell is blank: name a program, like shell = \"bash\"")
		}
		s.Shell = words
	} else {
		// bash where the image has it, else the POSIX shell every image has; the
		// user's preferred shell first, when their config names one.
		s.Shell, s.Origins["shell"] = preferredShell(""), FromDefault
		if user.Shell != "" {
			s.Shell, s.Origins["shell"] = preferredShell(user.Shell), FromUser
			s.PreferredShell = user.Shell
		}
	}

	for _, p := range c.Packages {
		if !packageRe.MatchString(p) {
			return nil, d.errf("packages", "package %q is not a package name: use letters, digits and .+_:~=/@- only", p)
		}
	}
	s.Packages = stackPackages(c.Packages, s.Stacks)
	s.AptSources = c.AptSources

	for _, list := range []struct {
		key  string
		cmds []string
	}{{"setup", c.Setup}, {"install", c.Install}} {
		for _, cmd := range list.cmds {
			if err := checkCommand(cmd); err != nil {
				return nil, d.errf(list.key, "%s command %q %v", list.key, cmd, err)
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
				return nil, d.errf("dependencies", "install command %q %v", cmd, err)
			}
		}
		files, err := expandFiles(root, g.Files, g.Optional)
		if err != nil {
			return nil, d.errf("dependencies", "%v", err)
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
			return nil, d.errf("caches", "cache %q must be an absolute directory in the container, like \"/root/.cache/pip\"", p)
		}
	}

	for _, k := range slices.Sorted(maps.Keys(c.Env)) {
		if err := checkEnvVar(k, c.Env[k]); err != nil {
			return nil, d.errAt([]string{"env", k}, "[env] %v", err)
		}
		s.Env[k] = c.Env[k]
	}
	if err := resolveBuildEnv(c, s, d); err != nil {
		return nil, err
	}
	for _, k := range c.PassEnv {
		if !envNameRe.MatchString(k) {
			return nil, d.errf("pass_env", "pass_env name %q must be letters, digits and _ (a variable name, not NAME=value)", k)
		}
	}
	s.PassEnv = c.PassEnv

	if _, _, err := nat.ParsePortSpecs(c.Ports); err != nil {
		return nil, d.errf("ports", "ports: %v (use docker -p syntax: \"8000\", \"8080:80\", \"127.0.0.1:5432:5432/tcp\")", err)
	}
	s.Ports = c.Ports

	u, err := resolveUser(c.User, host)
	if err != nil {
		return nil, d.errf("user", "%v", err)
	}
	s.User = u
	if s.Mounts, err = resolveMounts(c, d, s, host); err != nil {
		return nil, err
	}
	s.AllowEngineSocket = c.AllowEngineSocket
	if err := resolveUserMounts(user, s, host); err != nil {
		return nil, err
	}
	s.Identity = resolveIdentity(user.Identity, c.Identity)
	identityOrigins(s.Origins, user.Identity, c.Identity)
	s.UserConfigDir = host.ConfigDir
	if err := resolveHooks(c, d, s); err != nil {
		return nil, err
	}
	if s.Dotfiles, err = resolveDotfiles(user, s, host); err != nil {
		return nil, err
	}

	s.Forward, s.GPUs, s.Platform = c.Forward, c.GPUs, c.Platform
	s.Watch = c.Watch
	s.Persistent = c.Persistent
	s.Spare = spareSetting(user.Spare, c.Spare)
	switch OnChange(c.OnChange) {
	case "", OnChangeNotify:
		s.OnChange = OnChangeNotify
	case OnChangeApply, OnChangeRestart:
		s.OnChange = OnChange(c.OnChange)
	default:
		return nil, d.errf("on_change", "on_change %q must be \"notify\" (say so), \"apply\" (install into the running shell) or \"restart\" (offer a new shell)", c.OnChange)
	}

	if err := resolveImage(s, c, d); err != nil {
		return nil, err
	}
	if err := resolveCache(c, d, user, s); err != nil {
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

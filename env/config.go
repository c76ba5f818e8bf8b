package env

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// ConfigFile is the name devenv looks for, walking up from the current directory.
const ConfigFile = "devenv.toml"

// Config is devenv.toml as the user wrote it: values are checked for type and shape
// here, and given their defaults by Resolve.
type Config struct {
	Name         string
	Template     string   // the first stack: the environment's base image follows it
	Templates    []string // every stack, Template first: template = ["python", "node"]
	Base         string
	Workdir      string
	Shell        string
	Packages     []string
	AptSources   []string          // extra APT sources, one sources.list line each (apt_sources)
	Dependencies []DependencyGroup // plain strings in the file form one group with Install
	Install      []string
	Setup        []string
	User         string
	Ports        []string
	Caches       []string
	TrustHostCA  *bool
	PassEnv      []string
	Env          map[string]string
	Watch        bool            // shell watches the inputs as `devenv shell --watch` does
	Persistent   bool            // one warm container per project and image, entered with exec
	Spare        *bool           // the next command's container started ahead (spare.go); nil: unset
	OnChange     string          // what a watching shell does after a rebuild
	Services     []ServiceConfig // [services.NAME] tables, sorted by name
	Image        string          // a prebuilt environment pulled from a registry instead of built
	Dockerfile   string          // the project's own Dockerfile, built first (see owndockerfile.go)
	Context      string          // the folder sent with Dockerfile; its folder when unset
	// Cache is the shared cache's REGISTRY/PATH; CachePush lets builds push to it
	// (cache_config.go).
	Cache     string
	CachePush *bool
	// Mounts are extra bind mounts and named volumes (mounts.go); AllowEngineSocket
	// lets one of them hold the engine's own socket.
	Mounts            []string
	AllowEngineSocket bool
	// Identity holds the [identity] switches devenv.toml writes, and only those.
	Identity map[string]bool
	// OnCreate and OnStart are the hooks run in the container (hooks.go).
	OnCreate, OnStart []string
	// Forward, GPUs and Platform: config_runtime.go.
	Forward  []int
	GPUs     GPUs
	Platform string
	// Engine and Kubernetes are engine = "kubernetes" and [kubernetes] (config_kube.go).
	Engine     string
	Kubernetes *KubeSettings

	// BuildEnv is [build.env]: values install steps need (envstart.go).
	BuildEnv map[string]string

	// Path is the devenv.toml file read; its directory is the project root.
	Path string
	// set records which top-level keys the file sets, so that a template's default
	// never overrides an explicit value, even an empty list.
	set map[string]bool
	// places is the text this Config was parsed from and where each key is in it:
	// Resolve places its errors with it and never reads devenv.toml again.
	places keyPlaces
}

// DependencyGroup is files copied into the build together and the commands that
// install them. Each group is its own pair of layers, so changing one group's files
// re-runs only that group's install.
type DependencyGroup struct {
	Files   []string
	Install []string
	// Optional groups come from a template's defaults: when none of their files exist
	// they are dropped instead of being an error.
	Optional bool
	// plain marks the group made of dependencies' bare file names, installed by the
	// top-level install commands.
	plain bool
}

func plainGroup(g DependencyGroup) bool { return g.plain }

// Root is the project root: the directory holding devenv.toml.
func (c *Config) Root() string { return filepath.Dir(c.Path) }

// IsSet reports whether devenv.toml sets the top-level key.
func (c *Config) IsSet(key string) bool { return c.set[key] }

// ConfigError is a problem in devenv.toml, placed at a line and column when known.
type ConfigError struct {
	Path      string
	Line, Col int
	Msg       string
}

func (e *ConfigError) Error() string {
	name := e.Path
	if rel, err := filepath.Rel(mustGetwd(), e.Path); err == nil && !strings.HasPrefix(rel, "..") {
		name = rel
	}
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", name, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", name, e.Line, e.Msg)
	default:
		return fmt.Sprintf("%s: %s", name, e.Msg)
	}
}

func mustGetwd() string {
	wd, _ := os.Getwd()
	return wd
}

// NotFoundError says devenv.toml was not found in any directory from Start up to the
// file system root.
type NotFoundError struct{ Start string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no %s in %s or any parent directory: run `devenv init` to create one", ConfigFile, e.Start)
}

// FindConfig walks up from dir, like git, and returns the path of the first devenv.toml.
func FindConfig(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		p := filepath.Join(d, ConfigFile)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("cannot read %s: %w", p, err)
		}
		if filepath.Dir(d) == d {
			return "", &NotFoundError{Start: abs}
		}
	}
}

// LoadConfig reads and checks the devenv.toml at path.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return ParseConfig(abs, data)
}

// ParseConfig checks the text of a devenv.toml; path names it in errors and sets the
// project root. The Config keeps data and where each key is written in it, so later
// errors are placed in this text, never in the file as it may be by then.
func ParseConfig(path string, data []byte) (*Config, error) {
	src := string(data)
	places := placeKeys(src)
	var raw map[string]any
	md, err := toml.Decode(src, &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &ConfigError{Path: path, Line: pe.Position.Line, Col: places.clampCol(pe.Position.Line, pe.Position.Col), Msg: "invalid TOML: " + pe.Message}
		}
		return nil, &ConfigError{Path: path, Msg: "invalid TOML: " + err.Error()}
	}
	d := decoder{path: path, places: places, order: keyOrder(md.Keys())}
	c := &Config{Path: path, set: map[string]bool{}, places: places}
	// Report problems in file order, so the first error is the first one on screen.
	for _, k := range d.inFileOrder(nil, raw) {
		v := raw[k]
		c.set[k] = true
		decode, known := configFields[k]
		if !known {
			msg := fmt.Sprintf("unknown key %q", k)
			if s := suggest(k, configKeys); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (see devenv.toml.example for every key)"
			}
			return nil, d.errf(k, "%s", msg)
		}
		if err := decode(d, c, k, v); err != nil {
			return nil, err
		}
	}
	if c.IsSet("dependencies") && len(c.Install) > 0 {
		if len(c.Dependencies) > 0 && plainGroup(c.Dependencies[0]) {
			c.Dependencies[0].Install = c.Install
		} else {
			// No bare file names for install to follow: it runs after every group.
			c.Dependencies = append(c.Dependencies, DependencyGroup{Install: c.Install, plain: true})
		}
	}
	return c, nil
}

// fieldDecoder checks one top-level key's value and stores it in the Config.
type fieldDecoder func(d decoder, c *Config, key string, v any) error

func stringField(field func(*Config) *string) fieldDecoder {
	return func(d decoder, c *Config, key string, v any) (err error) {
		*field(c), err = d.str(key, v)
		return err
	}
}

func boolField(field func(*Config) *bool) fieldDecoder {
	return func(d decoder, c *Config, key string, v any) (err error) {
		*field(c), err = d.boolean(key, v)
		return err
	}
}

// listField reads a list of strings; example is what to write, for the error.
func listField(field func(*Config) *[]string, example string) fieldDecoder {
	return func(d decoder, c *Config, key string, v any) (err error) {
		*field(c), err = d.strs(key, v, example)
		return err
	}
}

func commandsField(field func(*Config) *[]string) fieldDecoder {
	return func(d decoder, c *Config, key string, v any) (err error) {
		*field(c), err = d.commands(key, v)
		return err
	}
}

// configFields are the top-level keys of devenv.toml, each with how it is read.
var configFields = map[string]fieldDecoder{
	"name":                stringField(func(c *Config) *string { return &c.Name }),
	"template":            decodeTemplate,
	"base":                stringField(func(c *Config) *string { return &c.Base }),
	"workdir":             stringField(func(c *Config) *string { return &c.Workdir }),
	"shell":               stringField(func(c *Config) *string { return &c.Shell }),
	"user":                stringField(func(c *Config) *string { return &c.User }),
	"on_change":           stringField(func(c *Config) *string { return &c.OnChange }),
	"image":               stringField(func(c *Config) *string { return &c.Image }),
	"dockerfile":          stringField(func(c *Config) *string { return &c.Dockerfile }),
	"context":             stringField(func(c *Config) *string { return &c.Context }),
	"packages":            listField(func(c *Config) *[]string { return &c.Packages }, `packages = ["git", "curl"]`),
	"apt_sources":         decodeAptSources,
	"ports":               listField(func(c *Config) *[]string { return &c.Ports }, `ports = ["8000:8000"]`),
	"caches":              listField(func(c *Config) *[]string { return &c.Caches }, `caches = ["/root/.cache/pip"]`),
	"pass_env":            listField(func(c *Config) *[]string { return &c.PassEnv }, `pass_env = ["GITHUB_TOKEN"]`),
	"install":             commandsField(func(c *Config) *[]string { return &c.Install }),
	"setup":               commandsField(func(c *Config) *[]string { return &c.Setup }),
	"on_create":           commandsField(func(c *Config) *[]string { return &c.OnCreate }),
	"on_start":            commandsField(func(c *Config) *[]string { return &c.OnStart }),
	"watch":               boolField(func(c *Config) *bool { return &c.Watch }),
	"persistent":          boolField(func(c *Config) *bool { return &c.Persistent }),
	"spare":               decodeSpare,
	"trust_host_ca":       decodeTrustHostCA,
	"mounts":              decodeMounts,
	"identity":            decodeIdentity,
	"allow_engine_socket": boolField(func(c *Config) *bool { return &c.AllowEngineSocket }),
	"forward":             decodeForward,
	"gpus":                decodeGPUs,
	"platform":            decodePlatform,
	"engine":              decodeEngine,
	"kubernetes":          decodeKubernetes,
	"cache":               decodeCache,
	"cache_push":          decodeCachePush,
	"env": func(d decoder, c *Config, key string, v any) (err error) {
		c.Env, err = d.envTable(key, v)
		return err
	},
	"build": func(d decoder, c *Config, key string, v any) (err error) {
		c.BuildEnv, err = d.buildTable(key, v)
		return err
	},
	"dependencies": func(d decoder, c *Config, key string, v any) (err error) {
		c.Dependencies, err = d.dependencies(key, v)
		return err
	},
	"services": func(d decoder, c *Config, key string, v any) (err error) {
		c.Services, err = d.services(key, v)
		return err
	},
}

// configKeys are the top-level keys of devenv.toml, for suggestions.
var configKeys = slices.Sorted(maps.Keys(configFields))

// decodeTemplate reads one stack name, or a list of them: template = ["python", "node"].
func decodeTemplate(d decoder, c *Config, key string, v any) (err error) {
	if list, isList := v.([]any); isList && len(list) > 0 {
		c.Templates, err = d.strs(key, v, `template = ["python", "node"]`)
	} else {
		var one string
		one, err = d.str(key, v)
		c.Templates = []string{one}
	}
	if err == nil {
		c.Template = c.Templates[0]
	}
	return err
}

// decodeTrustHostCA keeps whether the key was written: unset means on.
func decodeTrustHostCA(d decoder, c *Config, key string, v any) error {
	b, err := d.boolean(key, v)
	c.TrustHostCA = &b
	return err
}

package env

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
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
	OnChange     string          // what a watching shell does after a rebuild
	Services     []ServiceConfig // [services.NAME] tables, sorted by name
	Image        string          // a prebuilt environment pulled from a registry instead of built
	Dockerfile   string          // the project's own Dockerfile, built first (see owndockerfile.go)
	Context      string          // the folder sent with Dockerfile; its folder when unset

	// Path is the devenv.toml file read; its directory is the project root.
	Path string
	// set records which top-level keys the file sets, so that a template's default
	// never overrides an explicit value, even an empty list.
	set map[string]bool
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
// project root.
func ParseConfig(path string, data []byte) (*Config, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &ConfigError{Path: path, Line: pe.Position.Line, Col: clampCol(data, pe.Position.Line, pe.Position.Col), Msg: "invalid TOML: " + pe.Message}
		}
		return nil, &ConfigError{Path: path, Msg: "invalid TOML: " + err.Error()}
	}
	d := decoder{path: path, src: string(data)}
	c := &Config{Path: path, set: map[string]bool{}}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	// Report problems in file order, so the first error is the first one on screen.
	sort.Slice(keys, func(i, j int) bool { return d.line(keys[i], "") < d.line(keys[j], "") })
	for _, k := range keys {
		v := raw[k]
		c.set[k] = true
		var err error
		switch k {
		case "name":
			c.Name, err = d.str(k, v)
		case "template":
			if list, isList := v.([]any); isList && len(list) > 0 {
				c.Templates, err = d.strs(k, v, `template = ["python", "node"]`)
			} else {
				var one string
				one, err = d.str(k, v)
				c.Templates = []string{one}
			}
			if err == nil {
				c.Template = c.Templates[0]
			}
		case "base":
			c.Base, err = d.str(k, v)
		case "workdir":
			c.Workdir, err = d.str(k, v)
		case "shell":
			c.Shell, err = d.str(k, v)
		case "user":
			c.User, err = d.str(k, v)
		case "packages":
			c.Packages, err = d.strs(k, v, `packages = ["git", "curl"]`)
		case "install":
			c.Install, err = d.commands(k, v)
		case "setup":
			c.Setup, err = d.commands(k, v)
		case "ports":
			c.Ports, err = d.strs(k, v, `ports = ["8000:8000"]`)
		case "caches":
			c.Caches, err = d.strs(k, v, `caches = ["/root/.cache/pip"]`)
		case "pass_env":
			c.PassEnv, err = d.strs(k, v, `pass_env = ["GITHUB_TOKEN"]`)
		case "trust_host_ca":
			var b bool
			b, err = d.boolean(k, v)
			c.TrustHostCA = &b
		case "env":
			c.Env, err = d.envTable(k, v)
		case "watch":
			c.Watch, err = d.boolean(k, v)
		case "persistent":
			c.Persistent, err = d.boolean(k, v)
		case "on_change":
			c.OnChange, err = d.str(k, v)
		case "image":
			c.Image, err = d.str(k, v)
		case "dockerfile":
			c.Dockerfile, err = d.str(k, v)
		case "context":
			c.Context, err = d.str(k, v)
		case "dependencies":
			c.Dependencies, err = d.dependencies(k, v)
		case "services":
			c.Services, err = d.services(k, v)
		default:
			msg := fmt.Sprintf("unknown key %q", k)
			if s := suggest(k, configKeys); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (see devenv.toml.example for every key)"
			}
			err = d.errf(k, "", "%s", msg)
		}
		if err != nil {
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

// clampCol keeps a column the parser reports past the end of its line on that line.
func clampCol(data []byte, line, col int) int {
	lines := strings.Split(string(data), "\n")
	if line < 1 || line > len(lines) {
		return col
	}
	if max := len(lines[line-1]) + 1; col > max {
		return max
	}
	return col
}

// configKeys are the top-level keys of devenv.toml, for suggestions.
var configKeys = []string{
	"name", "template", "base", "workdir", "shell", "packages", "dependencies", "install",
	"setup", "user", "ports", "caches", "trust_host_ca", "pass_env", "env", "watch", "on_change", "persistent", "services",
	"image", "dockerfile", "context",
}

// decoder turns the generic TOML value tree into Config fields with errors placed in
// the file.
type decoder struct {
	path string
	src  string
}

// line finds where key is set: "key =" or a "[key]" header, inside table when given.
// BurntSushi/toml gives positions only for syntax errors, so type errors and unknown
// keys are placed by looking for the key in the source.
func (d decoder) line(key, table string) int {
	l, _ := d.pos(key, table)
	return l
}

func (d decoder) pos(key, table string) (line, col int) {
	keyRe := regexp.MustCompile(`^(\s*)("?)` + regexp.QuoteMeta(key) + `("?)\s*=`)
	headerRe := regexp.MustCompile(`^(\s*)\[+\s*"?` + regexp.QuoteMeta(key) + `"?\s*\]`)
	anyHeader := regexp.MustCompile(`^\s*\[`)
	current := ""
	for i, ln := range strings.Split(d.src, "\n") {
		if anyHeader.MatchString(ln) && !strings.Contains(strings.SplitN(ln, "#", 2)[0], "=") {
			name := strings.Trim(strings.TrimSpace(strings.SplitN(ln, "#", 2)[0]), "[] \"")
			if table == "" && name == key {
				m := headerRe.FindStringSubmatch(ln)
				if m != nil {
					return i + 1, len(m[1]) + 1
				}
			}
			current = name
			continue
		}
		if current != table {
			continue
		}
		if m := keyRe.FindStringSubmatch(ln); m != nil {
			return i + 1, len(m[1]) + 1
		}
	}
	return 0, 0
}

func (d decoder) errf(key, table, format string, args ...any) error {
	line, col := d.pos(key, table)
	return &ConfigError{Path: d.path, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (d decoder) str(key string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", d.errf(key, "", "%q must be a string in quotes, not %s", key, describe(v))
	}
	return s, nil
}

func (d decoder) boolean(key string, v any) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, d.errf(key, "", "%q must be true or false (no quotes), not %s", key, describe(v))
	}
	return b, nil
}

func (d decoder) strs(key string, v any, example string) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		if s, isStr := v.(string); isStr {
			return nil, d.errf(key, "", "%q must be a list of strings: write %s = [%q]", key, key, s)
		}
		return nil, d.errf(key, "", "%q must be a list of strings, like %s; got %s", key, example, describe(v))
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, d.errf(key, "", "%q item %d must be a string in quotes, not %s", key, i+1, describe(item))
		}
		out = append(out, s)
	}
	return out, nil
}

// commands accepts one command as a string or a list of them.
func (d decoder) commands(key string, v any) ([]string, error) {
	if s, ok := v.(string); ok {
		return []string{s}, nil
	}
	return d.strs(key, v, key+` = ["make deps"]`)
}

func (d decoder) envTable(key string, v any) (map[string]string, error) {
	tbl, ok := v.(map[string]any)
	if !ok {
		return nil, d.errf(key, "", "%q must be a table: write [env] on its own line, then NAME = \"value\" lines", key)
	}
	out := make(map[string]string, len(tbl))
	for name, val := range tbl {
		switch x := val.(type) {
		case string:
			out[name] = x
		case bool, int64:
			// A number or a boolean is what the user meant as text: PORT = 8000.
			out[name] = fmt.Sprint(x)
		case float64:
			out[name] = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			return nil, d.errf(name, "env", "[env] %s must be a string, not %s", name, describe(val))
		}
	}
	return out, nil
}

// dependencies accepts file names or globs (one group, installed by the top-level
// install commands) and inline tables { files = [...], install = [...] }, each its own
// group, so a polyglot project gets one layer per manifest.
func (d decoder) dependencies(key string, v any) ([]DependencyGroup, error) {
	list, ok := v.([]any)
	if tables, isTables := v.([]map[string]any); isTables {
		// [[dependencies]] tables: the same as inline ones.
		for _, t := range tables {
			list = append(list, t)
		}
		ok = true
	}
	if !ok {
		if s, isStr := v.(string); isStr {
			return nil, d.errf(key, "", "%q must be a list: write dependencies = [%q]", key, s)
		}
		return nil, d.errf(key, "", "%q must be a list of file names, like dependencies = [\"requirements.txt\"]; got %s", key, describe(v))
	}
	plain := DependencyGroup{plain: true}
	var groups []DependencyGroup
	for i, item := range list {
		switch x := item.(type) {
		case string:
			plain.Files = append(plain.Files, x)
		case map[string]any:
			var g DependencyGroup
			for k, val := range x {
				var err error
				switch k {
				case "files":
					g.Files, err = d.groupStrs(i, k, val)
				case "install":
					if s, isStr := val.(string); isStr {
						g.Install = []string{s}
					} else {
						g.Install, err = d.groupStrs(i, k, val)
					}
				default:
					msg := fmt.Sprintf("dependencies item %d: unknown key %q (a group has files and install)", i+1, k)
					if s := suggest(k, []string{"files", "install"}); s != "" {
						msg = fmt.Sprintf("dependencies item %d: unknown key %q (did you mean %q?)", i+1, k, s)
					}
					err = d.errf(key, "", "%s", msg)
				}
				if err != nil {
					return nil, err
				}
			}
			if len(g.Files) == 0 {
				return nil, d.errf(key, "", "dependencies item %d names no files: add files = [\"...\"]", i+1)
			}
			groups = append(groups, g)
		default:
			return nil, d.errf(key, "", "dependencies item %d must be a file name in quotes or { files = [...], install = [...] }, not %s", i+1, describe(item))
		}
	}
	if len(plain.Files) > 0 {
		// The plain list comes first: it is what install refers to.
		groups = append([]DependencyGroup{plain}, groups...)
	}
	return groups, nil
}

// groupStrs reads a list of strings inside a dependencies group, naming the group's
// own key in errors.
func (d decoder) groupStrs(item int, key string, v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		if s, isStr := v.(string); isStr && key == "files" {
			return nil, d.errf("dependencies", "", "dependencies item %d: files must be a list: write files = [%q]", item+1, s)
		}
		return nil, d.errf("dependencies", "", "dependencies item %d: %s must be a list of strings, like %s = [\"...\"]; got %s", item+1, key, key, describe(v))
	}
	out := make([]string, 0, len(list))
	for j, x := range list {
		s, isStr := x.(string)
		if !isStr {
			return nil, d.errf("dependencies", "", "dependencies item %d: %s item %d must be a string in quotes, not %s", item+1, key, j+1, describe(x))
		}
		out = append(out, s)
	}
	return out, nil
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case int64:
		return fmt.Sprintf("the number %d", x)
	case float64:
		return fmt.Sprintf("the number %v", x)
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	default:
		return fmt.Sprintf("a %T", v)
	}
}

// suggest returns the candidate nearest to word, or "" when none is close enough to be
// what the user meant.
func suggest(word string, candidates []string) string {
	best, bestDist := "", len(word)/2+2
	for _, c := range candidates {
		if dist := editDistance(strings.ToLower(word), c); dist < bestDist {
			best, bestDist = c, dist
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

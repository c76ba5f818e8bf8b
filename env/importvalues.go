package env

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The values both imports, devcontainer.json and compose, carry into devenv.toml.

var (
	// ${localEnv:NAME} in devcontainer.json: a host variable, which pass_env passes.
	localEnvRe = regexp.MustCompile(`^\$\{localEnv:([A-Za-z_][A-Za-z0-9_]*)\}$`)
	// ${NAME:-default} or ${NAME-default} in a compose file: the default is what a
	// fresh checkout gets.
	composeDefaultRe = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^${}]*)\}`)
)

// interpolateDefaults replaces every ${NAME:-default} with its default and $$ with $;
// ok is false when a variable without a default is left, whose value only the
// user's machine knows.
func interpolateDefaults(v string) (string, bool) {
	v = composeDefaultRe.ReplaceAllString(v, "$1")
	if strings.Contains(strings.ReplaceAll(v, "$$", ""), "$") {
		return v, false
	}
	return strings.ReplaceAll(v, "$$", "$"), true
}

// addEnv carries one variable into [env], or into pass_env when its value is the
// host's variable of the same name; anything that needs a value devenv cannot work
// out is left.
func (imp *imported) addEnv(name, value, from string) {
	if !envNameRe.MatchString(name) {
		imp.left = append(imp.left, fmt.Sprintf("%s %q is not a variable name devenv accepts: not imported", from, name))
		return
	}
	if m := localEnvRe.FindStringSubmatch(value); m != nil {
		if m[1] == name {
			if !slices.Contains(imp.passEnv, name) {
				imp.passEnv = append(imp.passEnv, name)
				imp.chose = append(imp.chose, fmt.Sprintf("pass_env %s (%s: the host's own value)", name, from))
			}
			return
		}
	}
	value, ok := interpolateDefaults(value)
	if !ok || strings.ContainsAny(value, "\r\n\x00") {
		imp.left = append(imp.left, fmt.Sprintf("%s %s = %q needs a value devenv cannot work out: set it in [env] or pass_env", from, name, value))
		return
	}
	if _, dup := imp.env[name]; dup {
		return
	}
	imp.env[name] = value
	imp.chose = append(imp.chose, fmt.Sprintf("[env] %s (%s)", name, from))
}

func (imp *imported) addPort(spec, from string) {
	if !slices.Contains(imp.ports, spec) {
		imp.ports = append(imp.ports, spec)
		imp.chose = append(imp.chose, fmt.Sprintf("ports %q (%s)", spec, from))
	}
}

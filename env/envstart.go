package env

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Values of [env] are given to the container when it starts (RunRequest), not baked
// into the image: changing one starts the next command with the new value and never
// rebuilds. A value reaches the build too (an ENV line before the packages layer, so
// it is in the fingerprint) only when an install step may need it:
//   - it is written under [build.env];
//   - its name is one that package managers read while installing (buildEnvNames,
//     buildEnvPrefixes): an index URL, a proxy, a registry, where packages go;
//   - a build command (setup, install, a stack's toolchain setup) names it as $NAME
//     or ${NAME}.

// buildEnvNames are whole names read at install time; proxyVars are added to them.
var buildEnvNames = []string{
	"PATH",
	"GOPROXY", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOSUMDB", "GOINSECURE", "GOFLAGS", "GOTOOLCHAIN", "GOAUTH",
	"GOPATH", "GOBIN", "GOMODCACHE", "GOCACHE", "GOENV", "GOWORK", "GOOS", "GOARCH", "GOEXPERIMENT", "CGO_ENABLED",
	"VIRTUAL_ENV", "PYTHONUSERBASE", "NODE_ENV", "RUSTFLAGS", "JAVA_HOME",
	"MAVEN_OPTS", "MAVEN_ARGS", "GRADLE_OPTS", "GRADLE_USER_HOME",
	"SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "GIT_SSL_CAINFO",
}

// buildEnvPrefixes are the package managers' own families of settings.
var buildEnvPrefixes = []string{
	"PIP_", "UV_", "PIPENV_", "POETRY_", "PDM_", "CONDA_",
	"NPM_CONFIG_", "npm_config_", "YARN_", "PNPM_", "BUN_", "COREPACK_",
	"CARGO_", "RUSTUP_", "BUNDLE_", "GEM_", "COMPOSER_", "NUGET_", "MIX_", "HEX_",
}

// readAtInstall reports whether package managers read the variable name while they
// install, so its value belongs to the build.
func readAtInstall(name string) bool {
	if slices.Contains(buildEnvNames, name) || slices.Contains(proxyVars, name) {
		return true
	}
	for _, p := range buildEnvPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// BuildEnvNames lists, in order, the [env] names whose values reach the build.
func BuildEnvNames(s *Spec) []string {
	var cmds []string
	cmds = append(cmds, s.Setup...)
	for _, g := range s.Groups {
		cmds = append(cmds, g.Install...)
	}
	for _, st := range s.Stacks {
		cmds = append(cmds, st.Toolchain.Setup...)
	}
	var out []string
	for _, k := range sortedKeys(s.Env) {
		if slices.Contains(s.BuildEnv, k) || readAtInstall(k) || namedIn(k, cmds) {
			out = append(out, k)
		}
	}
	return out
}

// namedIn reports whether a command expands the variable: $NAME or ${NAME...}.
func namedIn(name string, cmds []string) bool {
	re := regexp.MustCompile(`\$\{?` + regexp.QuoteMeta(name) + `(?:[^A-Za-z0-9_]|$)`)
	for _, c := range cmds {
		if re.MatchString(c) {
			return true
		}
	}
	return false
}

// envHash sums the [env] values a warm container was started with (LabelEnv): a
// change replaces it, as a new image does, so no process in it keeps an old value.
func envHash(s *Spec) string {
	h := sha256.New()
	for _, k := range sortedKeys(s.Env) {
		fmt.Fprintf(h, "%d:%s=%d:%s\n", len(k), k, len(s.Env[k]), s.Env[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// buildTable decodes [build]: today only its env table, values the build needs.
func (d decoder) buildTable(key string, v any) (map[string]string, error) {
	tbl, ok := v.(map[string]any)
	if !ok {
		return nil, d.errf(key, "%q must be a table: write [build.env] on its own line, then NAME = \"value\" lines", key)
	}
	out := map[string]string{}
	for _, sub := range d.inFileOrder([]string{key}, tbl) {
		if sub != "env" {
			return nil, d.errAt([]string{key, sub}, "unknown key %q in [build]: only [build.env] is known", sub)
		}
		env, ok := tbl[sub].(map[string]any)
		if !ok {
			return nil, d.errAt([]string{key, sub}, "[build.env] must be a table: write [build.env] on its own line, then NAME = \"value\" lines")
		}
		for _, name := range d.inFileOrder([]string{key, sub}, env) {
			val, ok := envValue(env[name])
			if !ok {
				return nil, d.errAt([]string{key, sub, name}, "[build.env] %s must be a string, not %s", name, describe(env[name]))
			}
			out[name] = val
		}
	}
	return out, nil
}

// resolveBuildEnv adds [build.env] to the environment, marked for the build.
func resolveBuildEnv(c *Config, s *Spec, d decoder) error {
	for _, k := range sortedKeys(c.BuildEnv) {
		if err := checkEnvVar(k, c.BuildEnv[k]); err != nil {
			return d.errAt([]string{"build", "env", k}, "[build.env] %v", err)
		}
		if _, dup := c.Env[k]; dup {
			return d.errAt([]string{"build", "env", k}, "%s is set in both [env] and [build.env]: keep it under [build.env] only", k)
		}
		s.Env[k] = c.BuildEnv[k]
		s.BuildEnv = append(s.BuildEnv, k)
	}
	return nil
}

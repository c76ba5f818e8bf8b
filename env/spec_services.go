package env

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/docker/go-connections/nat"
)

// Service is a sidecar container the environment reaches on the project's network by
// Name, resolved and checked.
type Service struct {
	Name  string
	Image string // a reference; empty when built
	// Build is the directory holding the service's Dockerfile, absolute; empty when
	// Image is set.
	Build         string
	Env           map[string]string
	Ports         []string
	Volumes       []ServiceVolume
	Healthcheck   string // run with sh -c in the service; "" waits for nothing
	HealthTimeout time.Duration
}

// ServiceVolume is a named volume of the project mounted in a service.
type ServiceVolume struct {
	Name   string // as in devenv.toml; the engine's is VolumeName(project, Name)
	Target string
}

var (
	serviceNameRe = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$`)
	volumeNameRe  = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
)

// resolveServices checks the [services.NAME] tables.
func resolveServices(c *Config, d decoder) ([]Service, error) {
	var out []Service
	for _, sc := range c.Services {
		// A key the table does not write (image when it has neither) is placed at the
		// table's header.
		errf := func(key, format string, args ...any) error {
			return d.errAt([]string{"services", sc.Name, key}, "[services.%s] %s", sc.Name, fmt.Sprintf(format, args...))
		}
		if !serviceNameRe.MatchString(sc.Name) {
			return nil, d.errAt([]string{"services", sc.Name}, "service name %q must be lower-case letters, digits, - and _ (it is the host name the environment reaches it by), like [services.db]", sc.Name)
		}
		s := Service{Name: sc.Name, Env: map[string]string{}, HealthTimeout: DefaultHealthTimeout, Healthcheck: sc.Healthcheck}
		switch {
		case sc.Image != "" && sc.Build != "":
			return nil, errf("build", "sets both image and build: keep one (image = \"postgres:16\" to use an image, build = \"dir\" to build one)")
		case sc.Image == "" && sc.Build == "":
			return nil, errf("image", "needs image = \"postgres:16\" (an image reference) or build = \"dir\" (a directory of the project holding a Dockerfile)")
		case sc.Image != "":
			if _, err := reference.ParseNormalizedNamed(sc.Image); err != nil {
				return nil, errf("image", "image %q is not an image reference like \"postgres:16\"", sc.Image)
			}
			s.Image = sc.Image
		default:
			clean, ok := projectPath(sc.Build)
			if !ok {
				return nil, errf("build", "build %q must be a directory inside the project, relative to %s", sc.Build, c.Root())
			}
			dir := filepath.Join(c.Root(), filepath.FromSlash(clean))
			if st, err := os.Stat(filepath.Join(dir, "Dockerfile")); err != nil || !st.Mode().IsRegular() {
				return nil, errf("build", "build %q holds no Dockerfile: create %s or use image = \"...\"", sc.Build, filepath.Join(dir, "Dockerfile"))
			}
			s.Build = dir
		}
		for _, k := range slices.Sorted(maps.Keys(sc.Env)) {
			if err := checkEnvVar(k, sc.Env[k]); err != nil {
				return nil, d.errAt([]string{"services", sc.Name, "env", k}, "[services.%s] env %v", sc.Name, err)
			}
			s.Env[k] = sc.Env[k]
		}
		if _, _, err := nat.ParsePortSpecs(sc.Ports); err != nil {
			return nil, errf("ports", "ports: %v (use docker -p syntax: \"5432\", \"5432:5432\", \"127.0.0.1:5432:5432/tcp\")", err)
		}
		s.Ports = sc.Ports
		seen := map[string]bool{}
		for _, v := range sc.Volumes {
			name, target, ok := strings.Cut(v, ":")
			if !ok || name == "" || target == "" {
				return nil, errf("volumes", "volume %q must be \"NAME:/path/in/the/service\", like \"pgdata:/var/lib/postgresql/data\"", v)
			}
			if strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") {
				return nil, errf("volumes", "volume %q names a host path: services get named volumes only, like \"pgdata:%s\" (the project itself is mounted in the environment, not in services)", v, target)
			}
			if !volumeNameRe.MatchString(name) {
				return nil, errf("volumes", "volume name %q must be letters, digits and _.- (not starting with one of them)", name)
			}
			if !containerPath.MatchString(target) || path.Clean(target) != target || target == "/" {
				return nil, errf("volumes", "volume %q: %q must be an absolute path in the service, not /", v, target)
			}
			if seen[target] {
				return nil, errf("volumes", "two volumes are mounted at %s: keep one", target)
			}
			seen[target] = true
			s.Volumes = append(s.Volumes, ServiceVolume{Name: name, Target: target})
		}
		if sc.Healthcheck != "" {
			if err := checkCommand(sc.Healthcheck); err != nil {
				return nil, errf("healthcheck", "healthcheck %q %v", sc.Healthcheck, err)
			}
		}
		if sc.HealthTimeout != "" {
			t, err := time.ParseDuration(sc.HealthTimeout)
			if err != nil || t <= 0 {
				return nil, errf("health_timeout", "health_timeout %q must be a duration like \"60s\" or \"2m\"", sc.HealthTimeout)
			}
			s.HealthTimeout = t
		}
		out = append(out, s)
	}
	return out, nil
}

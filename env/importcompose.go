package env

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/go-connections/nat"
	"go.yaml.in/yaml/v3"
)

// composeFiles are the names Docker Compose looks for, in its order.
var composeFiles = []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}

// composeService keys devenv reads into [services.NAME], or that need nothing there:
// depends_on (every service starts before the environment), restart (services keep
// running until `devenv down`), container_name (devenv names its containers).
var composeQuiet = []string{"image", "build", "environment", "ports", "volumes", "healthcheck", "depends_on", "restart", "container_name", "expose"}

var yamlLineRe = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// compose imports the compose file at rel: each service becomes a [services.NAME]
// table, except the one that is the environment itself: appService when a
// devcontainer.json names it, else the service that builds the project root.
func (imp *imported) compose(root, rel, appService string, stacksFound bool) error {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", rel, err)
	}
	var doc struct {
		Services map[string]map[string]any `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		if m := yamlLineRe.FindStringSubmatch(msg); m != nil && m[1] != "" {
			return fmt.Errorf("%s:%s: %s: fix it, or move it away and run `devenv init` again", rel, m[1], strings.TrimPrefix(msg, m[0]))
		}
		return fmt.Errorf("%s: %s: fix it, or move it away and run `devenv init` again", rel, strings.TrimPrefix(msg, "yaml: "))
	}
	imp.files = append(imp.files, rel)
	imp.found = append(imp.found, fmt.Sprintf("%s: %d services", rel, len(doc.Services)))
	dir := path.Dir(rel)
	names := make([]string, 0, len(doc.Services))
	for n := range doc.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	appTaken := false
	for _, name := range names {
		svc := doc.Services[name]
		ctx, dockerfile, buildOK := composeBuild(svc["build"], dir)
		isApp := name == appService || appService == "" && buildOK && ctx == "."
		if isApp && appTaken {
			imp.left = append(imp.left, fmt.Sprintf("%s service %s builds the project too (another process of the app?): not imported; run its command with `devenv run`", rel, name))
			continue
		}
		if isApp {
			appTaken = true
			imp.composeApp(rel, name, svc, ctx, dockerfile, buildOK, appService != "", stacksFound)
			continue
		}
		imp.composeService(rel, name, svc, ctx, dockerfile, buildOK)
	}
	if appService != "" && !appTaken {
		imp.left = append(imp.left, fmt.Sprintf("devcontainer.json names service %q, which %s does not have", appService, rel))
	}
	return nil
}

// composeApp takes the service that is the environment: its environment and ports go
// to the top level; its Dockerfile becomes the dockerfile key when it is meant for
// development (a devcontainer's) or when no stack was found to build from instead.
func (imp *imported) composeApp(rel, name string, svc map[string]any, ctx, dockerfile string, buildOK, devcontainer, stacksFound bool) {
	from := rel + " " + name
	imp.chose = append(imp.chose, fmt.Sprintf("service %s of %s is the environment itself, not a service", name, rel))
	env, bad := composeEnv(svc["environment"])
	for _, k := range sortedKeys(env) {
		imp.addEnv(k, env[k], from+" environment")
	}
	imp.left = append(imp.left, bad...)
	ports, bad := composePorts(from, svc["ports"])
	for _, p := range ports {
		imp.addPort(p, from+" ports")
	}
	imp.left = append(imp.left, bad...)
	switch {
	case imp.environment != "" && buildOK:
		df := path.Join(ctx, dockerfile)
		imp.covered = append(imp.covered, df)
		imp.left = append(imp.left, fmt.Sprintf("%s, which %s builds, is not used: %s gives the environment", df, from, imp.environment))
	case imp.environment != "":
	case buildOK && (devcontainer || !stacksFound):
		imp.covered = append(imp.covered, path.Join(ctx, dockerfile))
		imp.environment, imp.dockerfile = from, path.Join(ctx, dockerfile)
		if ctx != "." && ctx != path.Dir(imp.dockerfile) || ctx == "." && path.Dir(imp.dockerfile) != "." {
			imp.context = ctx
		}
		imp.chose = append(imp.chose, fmt.Sprintf("dockerfile = %q (%s build), built with its context %s/ and the host user added on top", imp.dockerfile, from, ctx))
	case buildOK:
		df := path.Join(ctx, dockerfile)
		imp.covered = append(imp.covered, df)
		imp.comments = append(imp.comments, fmt.Sprintf("dockerfile = %q  # what %s builds; set it (and remove template) to build the environment from it", df, from))
		imp.left = append(imp.left, fmt.Sprintf("%s is not used: the stack found gives the environment, with the dependencies in cached layers and the source mounted (a Dockerfile that copies the source is rebuilt at every edit); see the dockerfile comment in devenv.toml", df))
	case !devcontainer:
	default:
		if img, ok := svc["image"].(string); ok && img != "" {
			imp.environment, imp.base = from, img
			imp.chose = append(imp.chose, fmt.Sprintf("base = %q (%s image), template \"generic\"", img, from))
		}
	}
	for _, k := range sortedKeys(svc) {
		if k != "environment" && k != "ports" && k != "build" && k != "image" && k != "depends_on" && k != "restart" && k != "container_name" {
			imp.left = append(imp.left, fmt.Sprintf("%s %s is not imported: the environment runs your command or shell in the project's own container", from, k))
		}
	}
}

// composeService turns one compose service into a [services.NAME] table.
func (imp *imported) composeService(rel, name string, svc map[string]any, ctx, dockerfile string, buildOK bool) {
	from := rel + " " + name
	if !serviceNameRe.MatchString(name) {
		imp.left = append(imp.left, fmt.Sprintf("%s: service name %q is not a host name devenv accepts (lower-case letters, digits, - and _): not imported", rel, name))
		return
	}
	sc := ServiceConfig{Name: name}
	switch {
	case buildOK && dockerfile == "Dockerfile" && inside(ctx) && ctx != ".":
		sc.Build = ctx
	case svc["image"] != nil:
		sc.Image, _ = svc["image"].(string)
		if buildOK {
			imp.left = append(imp.left, fmt.Sprintf("%s build is not imported (devenv builds only a folder's file named Dockerfile): the service uses image %s", from, sc.Image))
		}
	case buildOK:
		imp.left = append(imp.left, fmt.Sprintf("%s builds %s in %s/: devenv builds a folder's file named Dockerfile only; not imported", from, dockerfile, ctx))
		return
	default:
		imp.left = append(imp.left, fmt.Sprintf("%s has neither image nor build: not imported", from))
		return
	}
	env, bad := composeEnv(svc["environment"])
	imp.left = append(imp.left, bad...)
	for _, k := range sortedKeys(env) {
		v, ok := interpolateDefaults(env[k])
		if !ok || checkEnvVar(k, v) != nil {
			imp.left = append(imp.left, fmt.Sprintf("%s environment %s = %q is not imported: write its value in env", from, k, v))
			continue
		}
		if sc.Env == nil {
			sc.Env = map[string]string{}
		}
		sc.Env[k] = v
	}
	sc.Ports, bad = composePorts(from, svc["ports"])
	imp.left = append(imp.left, bad...)
	sc.Volumes, bad = composeVolumes(from, svc["volumes"])
	imp.left = append(imp.left, bad...)
	var extra []string
	sc.Healthcheck, extra = composeHealthcheck(from, svc["healthcheck"])
	imp.left = append(imp.left, extra...)
	for _, k := range sortedKeys(svc) {
		if !slices.Contains(composeQuiet, k) {
			imp.left = append(imp.left, fmt.Sprintf("%s %s is not imported: [services.NAME] has no such key", from, k))
		}
	}
	imp.services = append(imp.services, sc)
	what := "image " + sc.Image
	if sc.Build != "" {
		what = "build " + sc.Build + "/"
	}
	imp.chose = append(imp.chose, fmt.Sprintf("[services.%s] from %s (%s)", name, from, what))
}

// composeBuild reads build: a folder, or {context, dockerfile}; paths relative to the
// compose file's folder are made relative to the project root.
func composeBuild(v any, dir string) (ctx, dockerfile string, ok bool) {
	dockerfile = "Dockerfile"
	switch b := v.(type) {
	case string:
		ctx = b
	case map[string]any:
		ctx, _ = b["context"].(string)
		if ctx == "" {
			ctx = "."
		}
		if d, isStr := b["dockerfile"].(string); isStr && d != "" {
			dockerfile = d
		}
	default:
		return "", "", false
	}
	ctx = path.Join(dir, ctx)
	if !inside(ctx) || !inside(path.Join(ctx, dockerfile)) {
		return "", "", false
	}
	return ctx, path.Clean(dockerfile), true
}

// composeEnv reads environment: a map or a list of NAME=value.
func composeEnv(v any) (map[string]string, []string) {
	out := map[string]string{}
	var left []string
	switch e := v.(type) {
	case map[string]any:
		for k, val := range e {
			if val == nil {
				left = append(left, fmt.Sprintf("environment %s takes the host's value: add it to pass_env", k))
				continue
			}
			out[k] = scalarString(val)
		}
	case []any:
		for _, it := range e {
			s := scalarString(it)
			k, val, ok := strings.Cut(s, "=")
			if !ok {
				left = append(left, fmt.Sprintf("environment %s takes the host's value: add it to pass_env", s))
				continue
			}
			out[k] = val
		}
	}
	return out, left
}

func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

// composePorts reads ports: "5432:5432", 5432, or {target, published, host_ip, protocol}.
// ${VAR:-default} takes its default, as compose does with VAR unset; a port that still
// needs a variable, or that docker -p would refuse, is left: devenv.toml would not load.
func composePorts(from string, v any) ([]string, []string) {
	list, _ := v.([]any)
	var specs, out, left []string
	for _, it := range list {
		switch p := it.(type) {
		case map[string]any:
			target := scalarString(p["target"])
			spec := target
			if pub := p["published"]; pub != nil {
				spec = scalarString(pub) + ":" + target
			}
			if ip, ok := p["host_ip"].(string); ok && ip != "" {
				spec = ip + ":" + spec
			}
			if proto, ok := p["protocol"].(string); ok && proto != "" && proto != "tcp" {
				spec += "/" + proto
			}
			specs = append(specs, spec)
		case nil:
		default:
			specs = append(specs, scalarString(p))
		}
	}
	for _, spec := range specs {
		v, ok := interpolateDefaults(spec)
		if !ok {
			left = append(left, fmt.Sprintf("%s ports %q needs a value devenv cannot work out: set ports in devenv.toml", from, spec))
			continue
		}
		if _, _, err := nat.ParsePortSpecs([]string{v}); err != nil {
			left = append(left, fmt.Sprintf("%s ports %q is not a port devenv can publish: not imported (%v)", from, spec, err))
			continue
		}
		out = append(out, v)
	}
	return out, left
}

// composeVolumes keeps named volumes; host paths and anonymous volumes have no place
// in a devenv service.
func composeVolumes(from string, v any) ([]string, []string) {
	list, _ := v.([]any)
	var out, left []string
	for _, it := range list {
		var src, target string
		switch x := it.(type) {
		case string:
			parts := strings.Split(x, ":")
			switch len(parts) {
			case 1:
				target = parts[0]
			default:
				src, target = parts[0], parts[1]
			}
		case map[string]any:
			src, _ = x["source"].(string)
			target, _ = x["target"].(string)
			if t, _ := x["type"].(string); t != "" && t != "volume" {
				src = "./" + src // a bind or tmpfs: a host path for the check below
			}
		}
		switch {
		case src == "":
			left = append(left, fmt.Sprintf("%s volume %s has no name: not imported (devenv services get named volumes)", from, target))
		case strings.ContainsAny(src, `/\`) || strings.HasPrefix(src, ".") || strings.HasPrefix(src, "~") || !volumeNameRe.MatchString(src):
			shown := strings.TrimPrefix(src, "./")
			if shown == "" {
				shown = "./" // the compose file's own folder
			}
			left = append(left, fmt.Sprintf("%s volume %s:%s mounts a host path: not imported (devenv services get named volumes only; bake the files into the service's image)", from, shown, target))
		default:
			out = append(out, src+":"+target)
		}
	}
	return out, left
}

// composeHealthcheck turns test: into the command devenv runs with sh -c.
func composeHealthcheck(from string, v any) (string, []string) {
	hc, ok := v.(map[string]any)
	if !ok {
		return "", nil
	}
	if d, _ := hc["disable"].(bool); d {
		return "", nil
	}
	var left []string
	for _, k := range []string{"interval", "timeout", "retries", "start_period", "start_interval"} {
		if _, set := hc[k]; set {
			left = append(left, fmt.Sprintf("%s healthcheck %s is not imported: devenv runs the test every 0.5s for up to health_timeout (60s)", from, k))
			break
		}
	}
	switch t := hc["test"].(type) {
	case string:
		return t, left
	case []any:
		words := make([]string, 0, len(t))
		for _, w := range t {
			words = append(words, scalarString(w))
		}
		if len(words) == 0 {
			return "", left
		}
		switch words[0] {
		case "CMD-SHELL":
			return strings.Join(words[1:], " "), left
		case "CMD":
			q := make([]string, len(words)-1)
			for i, w := range words[1:] {
				q[i] = shellQuote(w)
			}
			return strings.Join(q, " "), left
		case "NONE":
			return "", left
		}
	}
	return "", append(left, errors.New(from+" healthcheck test is not a command: not imported").Error())
}

package env

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tailscale/hujson"

	"github.com/devenv/devenv/env/detect"
)

// imported is what `devenv init` carries over from the files with which a repository
// already describes its environment: .devcontainer/devcontainer.json and a compose
// file. Everything it cannot carry over becomes a "left" line of the explanation.
type imported struct {
	// environment names where the environment comes from ("" when the detected
	// stacks give it): an image (base) or a Dockerfile (dockerfile, context).
	environment         string
	base                string
	dockerfile, context string
	workdir             string
	env                 map[string]string
	passEnv             []string
	ports               []string
	services            []ServiceConfig
	// onCreate and onStart are the lifecycle commands carried over as hooks.
	onCreate, onStart []string
	// comments are lines written commented out at the end of the top-level keys.
	comments []string
	found    []string
	chose    []string
	left     []string
	// files are the files read; covered those that init says something of. The plain
	// "is here too" note is not shown for either.
	files, covered []string
	// replaced are the detected stacks the imported environment stands in for.
	replaced []*detect.Stack
	// stack is the first stack detected in the project, "" for none: an image from a
	// devcontainer.json becomes its base only when it carries that stack's language.
	stack string
}

// devcontainerFiles are where the Dev Containers tools look, in their order.
var devcontainerFiles = []string{".devcontainer/devcontainer.json", ".devcontainer.json"}

// importExisting reads the project's devcontainer.json and compose file, if any, and
// records in the plan what init carries over from them.
func importExisting(plan *InitPlan) error {
	imp := &imported{env: map[string]string{}}
	if len(plan.Stacks) > 0 {
		imp.stack = plan.Stacks[0].Name
	}
	root := plan.Root
	composeFile, appService := "", ""
	for _, f := range devcontainerFiles {
		if !isFile(filepath.Join(root, filepath.FromSlash(f))) {
			continue
		}
		var err error
		if composeFile, appService, err = imp.devcontainer(root, f); err != nil {
			return err
		}
		break
	}
	if composeFile == "" {
		for _, f := range composeFiles {
			if isFile(filepath.Join(root, f)) {
				composeFile = f
				break
			}
		}
	}
	if composeFile != "" {
		if err := imp.compose(root, composeFile, appService, len(plan.Stacks) > 0); err != nil {
			return err
		}
	}
	if imp.environment == "" && slices.Contains(plan.Notes, "Dockerfile") && !slices.Contains(imp.files, "Dockerfile") {
		imp.comments = append(imp.comments,
			`dockerfile = "Dockerfile"  # build the environment from the project's own Dockerfile instead (remove template); see devenv.toml.example`)
	}
	if imp.environment != "" && imp.base == "" && len(plan.Stacks) > 0 {
		// A Dockerfile or a compose service builds the whole environment; an image is
		// only the base the stacks' dependency layers go on.
		imp.replaced, plan.Stacks = plan.Stacks, nil
	}
	plan.Notes = slices.DeleteFunc(plan.Notes, func(n string) bool { return slices.Contains(imp.files, n) || slices.Contains(imp.covered, n) })
	plan.imported = imp
	return nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// importError is a file init reads that does not parse: named with its line.
func importError(file string, data []byte, offset int64, msg string) error {
	line := 1 + strings.Count(string(data[:min(int(offset), len(data))]), "\n")
	return fmt.Errorf("%s:%d: %s: fix it, or move it away and run `devenv init` again", file, line, msg)
}

// devcontainerJSON is the part of devcontainer.json that devenv can carry over; every
// other key is named in a left line.
type devcontainerJSON struct {
	Image string `json:"image"`
	Build *struct {
		Dockerfile string            `json:"dockerfile"`
		Context    string            `json:"context"`
		Args       map[string]string `json:"args"`
		Target     string            `json:"target"`
	} `json:"build"`
	// The keys of the old format, before build existed.
	DockerFile        string            `json:"dockerFile"`
	Context           string            `json:"context"`
	ContainerEnv      map[string]string `json:"containerEnv"`
	RemoteEnv         map[string]string `json:"remoteEnv"`
	ForwardPorts      []any             `json:"forwardPorts"`
	AppPort           any               `json:"appPort"`
	RemoteUser        string            `json:"remoteUser"`
	ContainerUser     string            `json:"containerUser"`
	WorkspaceFolder   string            `json:"workspaceFolder"`
	DockerComposeFile any               `json:"dockerComposeFile"`
	Service           string            `json:"service"`
	Features          map[string]any    `json:"features"`
}

// lifecycleKeys are the devcontainer.json commands run at points of the container's
// life: all but initializeCommand (run on the host) become on_create or on_start.
var lifecycleKeys = []string{"initializeCommand", "onCreateCommand", "updateContentCommand", "postCreateCommand", "postStartCommand", "postAttachCommand"}

// knownDevcontainerKeys are read above, or are about the editor and mean nothing to
// devenv (they get no left line).
var knownDevcontainerKeys = []string{"name", "image", "build", "dockerFile", "context", "containerEnv", "remoteEnv",
	"forwardPorts", "appPort", "remoteUser", "containerUser", "workspaceFolder", "dockerComposeFile", "service",
	"features", "customizations", "extensions", "settings", "$schema", "portsAttributes", "otherPortsAttributes",
	"shutdownAction", "overrideCommand", "updateRemoteUserUID", "userEnvProbe", "waitFor", "runServices"}

// devcontainer imports the devcontainer.json at rel. It returns the compose file and
// service that describe the environment when the devcontainer.json uses compose.
func (imp *imported) devcontainer(root, rel string) (composeFile, service string, err error) {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return "", "", fmt.Errorf("cannot read %s: %w", rel, err)
	}
	// JSON with comments and trailing commas, as the Dev Containers tools accept;
	// Standardize keeps every byte offset, so errors still point at the right line.
	std, err := hujson.Standardize(slices.Clone(data))
	if err != nil {
		return "", "", fmt.Errorf("%s: %s: fix it, or move it away and run `devenv init` again", rel, strings.TrimPrefix(err.Error(), "hujson: "))
	}
	var dc devcontainerJSON
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(std, &raw); err != nil {
		return "", "", jsonImportError(rel, std, err)
	}
	if err := json.Unmarshal(std, &dc); err != nil {
		return "", "", jsonImportError(rel, std, err)
	}
	imp.files = append(imp.files, rel)
	imp.found = append(imp.found, rel)
	dir := path.Dir(rel) // paths in devcontainer.json are relative to its folder
	from := func(key string) string { return " (" + path.Base(rel) + " " + key + ")" }

	df, ctx := dc.DockerFile, dc.Context
	if dc.Build != nil {
		df, ctx = dc.Build.Dockerfile, dc.Build.Context
		if len(dc.Build.Args) > 0 {
			imp.left = append(imp.left, "build.args are not imported: devenv builds the Dockerfile without build arguments; write their values into the Dockerfile's ARG lines")
		}
		if dc.Build.Target != "" {
			imp.left = append(imp.left, fmt.Sprintf("build.target %q is not imported: devenv builds the Dockerfile's last stage", dc.Build.Target))
		}
	}
	switch {
	case df != "":
		if ctx == "" {
			ctx = "."
		}
		p, pc := path.Join(dir, df), path.Join(dir, ctx)
		if !inside(p) || !inside(pc) {
			imp.left = append(imp.left, fmt.Sprintf("build.dockerfile %q with context %q lies outside the project: set dockerfile by hand", df, ctx))
			break
		}
		imp.environment, imp.dockerfile = rel+" build", p
		if pc != path.Dir(p) {
			imp.context = pc
		}
		imp.chose = append(imp.chose, fmt.Sprintf("dockerfile = %q%s, built with its context %s/ and the host user added on top", p, from("build"), pc))
	case dc.Image != "" && imp.stack != "" && !imageCarries(dc.Image, imp.stack):
		// A general image (devcontainers/base:ubuntu) gets its language from features,
		// which devenv does not import: the stack's own image is the better base.
		imp.left = append(imp.left, fmt.Sprintf("image %q%s is not used: it has no %s of its own (features are not imported), so the %s stack's image is the base", dc.Image, from("image"), imp.stack, imp.stack))
	case dc.Image != "":
		imp.environment, imp.base = rel+" image", dc.Image
		if imp.stack != "" {
			imp.chose = append(imp.chose, fmt.Sprintf("base = %q%s, with the %s stack's dependency layers on it", dc.Image, from("image"), imp.stack))
		} else {
			imp.chose = append(imp.chose, fmt.Sprintf("base = %q%s, template \"generic\": the image brings the tools", dc.Image, from("image")))
		}
	case dc.DockerComposeFile != nil:
		files := composeFileList(dc.DockerComposeFile)
		if len(files) == 0 {
			break
		}
		composeFile = path.Join(dir, files[0])
		if len(files) > 1 {
			imp.left = append(imp.left, fmt.Sprintf("dockerComposeFile lists %d files: only %s is imported", len(files), composeFile))
		}
		if !inside(composeFile) || !isFile(filepath.Join(root, filepath.FromSlash(composeFile))) {
			imp.left = append(imp.left, fmt.Sprintf("dockerComposeFile %s is not a file of the project: not imported", composeFile))
			composeFile = ""
		}
		service = dc.Service
	}

	for _, k := range sortedKeys(dc.ContainerEnv) {
		imp.addEnv(k, dc.ContainerEnv[k], path.Base(rel)+" containerEnv")
	}
	for _, k := range sortedKeys(dc.RemoteEnv) {
		if _, ok := dc.ContainerEnv[k]; !ok {
			imp.addEnv(k, dc.RemoteEnv[k], path.Base(rel)+" remoteEnv")
		}
	}

	ports := dc.ForwardPorts
	switch a := dc.AppPort.(type) {
	case float64, string:
		ports = append(ports, a)
	case []any:
		ports = append(ports, a...)
	}
	for _, p := range ports {
		switch v := p.(type) {
		case float64:
			n := strconv.Itoa(int(v))
			imp.addPort(n+":"+n, "forwardPorts "+n)
		case string:
			if _, err := strconv.Atoi(v); err == nil {
				imp.addPort(v+":"+v, "forwardPorts "+v)
			} else {
				imp.left = append(imp.left, fmt.Sprintf("forwardPorts %q names a port of another container: not imported (a service's ports go in its [services.NAME] table)", v))
			}
		}
	}

	if dc.WorkspaceFolder != "" {
		if wd := dc.WorkspaceFolder; containerPath.MatchString(wd) && path.Clean(wd) == wd && wd != "/" {
			imp.workdir = wd
			imp.chose = append(imp.chose, fmt.Sprintf("workdir = %q%s", wd, from("workspaceFolder")))
		} else {
			imp.left = append(imp.left, fmt.Sprintf("workspaceFolder %q is not imported: workdir stays /workspace", wd))
		}
	}

	for _, k := range lifecycleKeys {
		msg, ok := raw[k]
		if !ok {
			continue
		}
		cmd := lifecycleCommand(msg)
		// Not setup: setup runs at build time, when only the manifests are in the
		// build, and these commands expect the source tree: hooks run in the container.
		switch k {
		case "initializeCommand":
			imp.comments = append(imp.comments, fmt.Sprintf("%s: %s", k, cmd),
				"  devenv runs nothing on the host by itself: run it yourself before devenv shell")
			imp.left = append(imp.left, fmt.Sprintf("%s runs on the host, which devenv never does by itself: written as a comment in devenv.toml", k))
		case "postStartCommand", "postAttachCommand":
			imp.onStart = append(imp.onStart, cmd)
			imp.chose = append(imp.chose, fmt.Sprintf("on_start %s%s", tomlQuote(cmd), from(k)))
		default:
			imp.onCreate = append(imp.onCreate, cmd)
			imp.chose = append(imp.chose, fmt.Sprintf("on_create %s%s", tomlQuote(cmd), from(k)))
		}
	}
	for _, u := range []struct{ key, val string }{{"remoteUser", dc.RemoteUser}, {"containerUser", dc.ContainerUser}} {
		if u.val != "" && u.val != "root" {
			imp.left = append(imp.left, fmt.Sprintf("%s %q is not imported: devenv runs as your own UID and GID (user = \"host\"), so files you create are yours", u.key, u.val))
		} else if u.val == "root" {
			imp.left = append(imp.left, fmt.Sprintf("%s \"root\": devenv runs as your own UID and GID; write user = \"root\" to run as root", u.key))
		}
	}
	if len(dc.Features) > 0 {
		names := sortedKeys(dc.Features)
		imp.left = append(imp.left, fmt.Sprintf("devcontainer features are not imported (%s): add their tools to packages", strings.Join(names, ", ")))
	}
	var other []string
	for k := range raw {
		if !slices.Contains(knownDevcontainerKeys, k) && !slices.Contains(lifecycleKeys, k) {
			other = append(other, k)
		}
	}
	sort.Strings(other)
	for _, k := range other {
		imp.left = append(imp.left, fmt.Sprintf("%s %s is not imported: devenv has no such setting", path.Base(rel), k))
	}
	return composeFile, service, nil
}

func jsonImportError(file string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return importError(file, data, se.Offset, se.Error())
	case errors.As(err, &te):
		return importError(file, data, te.Offset, fmt.Sprintf("%s must be %s, not a JSON %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value))
	}
	return fmt.Errorf("%s: %v", file, err)
}

func jsonKind(k string) string {
	switch k {
	case "map":
		return "an object"
	case "slice":
		return "a list"
	case "ptr", "struct":
		return "an object"
	}
	return "a " + k
}

func composeFileList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, it := range x {
			if s, ok := it.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// lifecycleCommand writes a devcontainer lifecycle command (a string, a list of
// words, or an object of named commands) as one shell command.
func lifecycleCommand(msg json.RawMessage) string {
	var s string
	if json.Unmarshal(msg, &s) == nil {
		return s
	}
	var words []string
	if json.Unmarshal(msg, &words) == nil {
		q := make([]string, len(words))
		for i, w := range words {
			q[i] = shellQuote(w)
		}
		return strings.Join(q, " ")
	}
	var named map[string]json.RawMessage
	if json.Unmarshal(msg, &named) == nil {
		var parts []string
		for _, k := range sortedKeys(named) {
			parts = append(parts, lifecycleCommand(named[k]))
		}
		return strings.Join(parts, " && ")
	}
	return string(msg)
}

// hasEnvironment reports whether the imported files give the environment itself.
func (imp *imported) hasEnvironment() bool { return imp != nil && imp.environment != "" }

package env

import (
	"fmt"
	"slices"
	"strings"
)

// The engine key and the [kubernetes] table: which engine runs the environment, and
// how its pod looks on a cluster (env/kube). A host command (the image load command)
// is never read from devenv.toml: a cloned repository must not run commands on the
// host; it comes from the user's own environment (DEVENV_KUBE_LOAD).

// Engines devenv can run an environment on.
const (
	EngineDocker     = "docker"
	EngineKubernetes = "kubernetes"
)

// KubeSettings is the [kubernetes] table.
type KubeSettings struct {
	Context, Namespace string
	CPU, Memory        string
	NodeSelector       map[string]string
	Tolerations        []string
	// Registry is where the image is pushed for the cluster to pull.
	Registry string
}

var kubeKeys = []string{"context", "cpu", "memory", "namespace", "node_selector", "registry", "tolerations"}

func decodeEngine(d decoder, c *Config, key string, v any) error {
	s, err := d.str(key, v)
	if err != nil {
		return err
	}
	if s != EngineDocker && s != EngineKubernetes {
		return d.errf(key, "engine must be %q or %q, not %q", EngineDocker, EngineKubernetes, s)
	}
	c.Engine = s
	return nil
}

func decodeKubernetes(d decoder, c *Config, key string, v any) error {
	tbl, ok := v.(map[string]any)
	if !ok {
		return d.errf(key, "%q must be a table: write [kubernetes] on its own line, then namespace = \"dev\" and such", key)
	}
	k := &KubeSettings{}
	for _, name := range d.inFileOrder([]string{key}, tbl) {
		val := tbl[name]
		at := []string{key, name}
		var err error
		switch name {
		case "context", "namespace", "cpu", "memory", "registry":
			s, ok := val.(string)
			if !ok {
				if n, isNum := val.(int64); isNum && name == "cpu" {
					s, ok = fmt.Sprint(n), true
				}
			}
			if !ok {
				return d.errAt(at, "[kubernetes] %s must be a string in quotes, not %s", name, describe(val))
			}
			*map[string]*string{"context": &k.Context, "namespace": &k.Namespace, "cpu": &k.CPU, "memory": &k.Memory, "registry": &k.Registry}[name] = s
		case "node_selector":
			k.NodeSelector, err = d.envTable(key+"."+name, val)
			if err != nil {
				return d.errAt(at, "[kubernetes] node_selector must be a table of strings: node_selector = { \"kubernetes.io/arch\" = \"amd64\" }")
			}
		case "tolerations":
			if k.Tolerations, err = d.strs(name, val, `tolerations = ["gpu=true:NoSchedule"]`); err != nil {
				return d.errAt(at, "[kubernetes] tolerations must be a list of strings, like tolerations = [\"gpu=true:NoSchedule\"]")
			}
		default:
			msg := fmt.Sprintf("unknown key %q in [kubernetes]", name)
			if s := suggest(name, kubeKeys); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (it takes " + strings.Join(kubeKeys, ", ") + ")"
			}
			return d.errAt(at, "%s", msg)
		}
	}
	c.Kubernetes = k
	return nil
}

// EngineName is the engine this config asks for: the flag's (when not empty), else
// the file's, else Docker.
func (c *Config) EngineName(flag string) string {
	if flag != "" {
		return flag
	}
	if c != nil && slices.Contains([]string{EngineDocker, EngineKubernetes}, c.Engine) {
		return c.Engine
	}
	return EngineDocker
}

package env

import (
	"slices"
	"strings"
	"testing"
)

func TestConfigKubernetes(t *testing.T) {
	c, err := ParseConfig("/p/devenv.toml", []byte(`engine = "kubernetes"
[kubernetes]
namespace = "class-a"
cpu = 2
memory = "4Gi"
node_selector = { "kubernetes.io/arch" = "amd64" }
tolerations = ["gpu=true:NoSchedule"]
registry = "registry.example:5000/team"
`))
	if err != nil {
		t.Fatal(err)
	}
	k := c.Kubernetes
	if c.EngineName("") != EngineKubernetes || k.Namespace != "class-a" || k.CPU != "2" || k.Memory != "4Gi" ||
		k.NodeSelector["kubernetes.io/arch"] != "amd64" || !slices.Equal(k.Tolerations, []string{"gpu=true:NoSchedule"}) ||
		k.Registry != "registry.example:5000/team" {
		t.Fatalf("read %+v, engine %q", k, c.Engine)
	}
	if c.EngineName(EngineDocker) != EngineDocker {
		t.Error("the flag wins over the file")
	}
	var none *Config
	if none.EngineName("") != EngineDocker {
		t.Error("no config: Docker")
	}
}

func TestConfigKubernetesErrors(t *testing.T) {
	for src, want := range map[string]string{
		`engine = "nomad"`:                        `devenv.toml:1:1: engine must be "docker" or "kubernetes", not "nomad"`,
		"[kubernetes]\nnamespce = \"x\"":          `devenv.toml:2:1: unknown key "namespce" in [kubernetes] (did you mean "namespace"?)`,
		"[kubernetes]\nmemory = 4":                `devenv.toml:2:1: [kubernetes] memory must be a string in quotes`,
		"kubernetes = 1":                          `"kubernetes" must be a table`,
		"[kubernetes]\ntolerations = \"gpu\"":     `[kubernetes] tolerations must be a list of strings`,
		"[kubernetes]\nnode_selector = [\"a\"]\n": `[kubernetes] node_selector must be a table of strings`,
	} {
		_, err := ParseConfig("devenv.toml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %s", src, err, want)
		}
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/kube"
)

// The Kubernetes engine is the whole env.Engine too.
var _ env.Engine = (*kube.Engine)(nil)

// connectEngine picks the engine: --engine, else DEVENV_ENGINE, else the engine key of
// the project's devenv.toml, else Docker. The Kubernetes engine builds with the Docker
// engine (the --context flag's), so both are connected.
func (f *factory) connectEngine() (env.Engine, error) {
	name := f.engineName
	if name == "" {
		name = os.Getenv("DEVENV_ENGINE")
	}
	cfg := f.projectConfig()
	name = cfg.EngineName(name)
	d, err := engine.Connect(f.engineContext)
	if err != nil {
		return nil, err
	}
	switch name {
	case env.EngineDocker:
		return d, nil
	case env.EngineKubernetes:
		return kube.Connect(d, kubeOptions(cfg))
	}
	return nil, &usageError{fmt.Errorf("--engine %s: devenv knows the engines %q and %q", name, env.EngineDocker, env.EngineKubernetes)}
}

// projectConfig is the devenv.toml the command will read, or nil: its own errors are
// the command's to report.
func (f *factory) projectConfig() *env.Config {
	dir := f.chdir
	if dir == "" {
		dir = "."
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	path, err := env.FindConfig(dir)
	if err != nil {
		return nil
	}
	cfg, err := env.LoadConfig(path)
	if err != nil {
		return nil
	}
	return cfg
}

func kubeOptions(cfg *env.Config) kube.Options {
	if cfg == nil || cfg.Kubernetes == nil {
		return kube.Options{}
	}
	k := cfg.Kubernetes
	return kube.Options{Context: k.Context, Namespace: k.Namespace, CPU: k.CPU, Memory: k.Memory,
		NodeSelector: k.NodeSelector, Tolerations: k.Tolerations, Registry: k.Registry}
}

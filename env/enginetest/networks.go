package enginetest

import (
	"context"
	"maps"
	"slices"

	"github.com/devenv/devenv/env/engine"
)

// EnsureNetwork makes the network unless one of that name exists.
func (e *Engine) EnsureNetwork(_ context.Context, name string, labels map[string]string) error {
	return e.do("EnsureNetwork", []string{name}, func() error {
		if !slices.ContainsFunc(e.networks, func(n engine.Network) bool { return n.Name == name }) {
			e.networks = append(e.networks, engine.Network{ID: "net-" + name, Name: name, Labels: maps.Clone(labels)})
		}
		return nil
	})
}

// Networks lists the networks carrying the labels.
func (e *Engine) Networks(_ context.Context, labels map[string]string) ([]engine.Network, error) {
	return list(e, "Networks", labels, func() []engine.Network { return e.networks },
		func(n engine.Network) map[string]string { return n.Labels }, cloneNetwork)
}

// RemoveNetwork removes a network by ID or name.
func (e *Engine) RemoveNetwork(_ context.Context, id string) error {
	return e.do("RemoveNetwork", []string{id}, func() error {
		e.networks = slices.DeleteFunc(e.networks, func(n engine.Network) bool { return n.ID == id || n.Name == id })
		return nil
	})
}

// EnsureVolume makes the volume unless it exists.
func (e *Engine) EnsureVolume(_ context.Context, name string, labels map[string]string) error {
	return e.do("EnsureVolume", []string{name}, func() error {
		if !slices.ContainsFunc(e.volumes, func(v engine.Volume) bool { return v.Name == name }) {
			e.volumes = append(e.volumes, engine.Volume{Name: name, Labels: maps.Clone(labels)})
		}
		return nil
	})
}

// Volumes lists the volumes carrying the labels.
func (e *Engine) Volumes(_ context.Context, labels map[string]string) ([]engine.Volume, error) {
	return list(e, "Volumes", labels, func() []engine.Volume { return e.volumes },
		func(v engine.Volume) map[string]string { return v.Labels }, cloneVolume)
}

// RemoveVolume removes a volume and the data in it.
func (e *Engine) RemoveVolume(_ context.Context, name string) error {
	return e.do("RemoveVolume", []string{name}, func() error {
		e.volumes = slices.DeleteFunc(e.volumes, func(v engine.Volume) bool { return v.Name == name })
		return nil
	})
}

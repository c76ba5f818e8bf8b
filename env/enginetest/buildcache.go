package enginetest

import (
	"context"
	"slices"

	"github.com/devenv/devenv/env/engine"
)

// SetBuildCache replaces the engine's build cache records.
func (e *Engine) SetBuildCache(records ...engine.CacheRecord) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cache = slices.Clone(records)
}

// BuildCache lists the build cache records.
func (e *Engine) BuildCache(context.Context) ([]engine.CacheRecord, error) {
	var out []engine.CacheRecord
	err := e.do("BuildCache", nil, func() error {
		out = slices.Clone(e.cache)
		return nil
	})
	return out, err
}

// PruneBuildCache removes a record and reports its size as freed.
func (e *Engine) PruneBuildCache(_ context.Context, id string) (int64, error) {
	var freed int64
	err := e.do("PruneBuildCache", []string{id}, func() error {
		e.cache = slices.DeleteFunc(e.cache, func(r engine.CacheRecord) bool {
			if r.ID == id {
				freed += r.Size
				return true
			}
			return false
		})
		return nil
	})
	return freed, err
}

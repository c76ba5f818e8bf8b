package enginetest

import (
	"context"
	"fmt"

	"github.com/devenv/devenv/env/engine"
)

// StartSpare starts a container in the background, as StartDetached does; it is
// listed among the detached requests.
func (e *Engine) StartSpare(_ context.Context, req engine.RunRequest) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.detached = append(e.detached, req)
	return e.start("StartSpare", req.Name, req.Image, req.Labels)
}

// RenameContainer renames a container, refusing a name in use (its own included), as
// Docker does: of two renames of one container to one name, the second fails.
func (e *Engine) RenameContainer(_ context.Context, id, name string) error {
	return e.do("RenameContainer", []string{id, name}, func() error {
		i := e.containerLocked(id)
		if i < 0 {
			return fmt.Errorf("no such container: %s", id)
		}
		if e.containerLocked(name) >= 0 {
			return fmt.Errorf("conflict: the container name %q is already in use", "/"+name)
		}
		e.containers[i].Name = name
		return nil
	})
}

// ImageID is the ID of the image ref names, "" when there is none.
func (e *Engine) ImageID(_ context.Context, ref string) (string, error) {
	id := ""
	err := e.do("ImageID", []string{ref}, func() error {
		if i := e.imageLocked(ref); i >= 0 {
			id = e.images[i].ID
		}
		return nil
	})
	return id, err
}

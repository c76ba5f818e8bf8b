package enginetest

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"

	"github.com/devenv/devenv/env/engine"
)

// savedImage is the one file of the fake's `docker save` stream.
type savedImage struct {
	Tags   []string
	Labels map[string]string
}

// CommitContainer makes an image of a created container: the image it was created
// from, with req.Labels over that image's labels, tagged req.Tag.
func (e *Engine) CommitContainer(_ context.Context, container string, req engine.CommitRequest) error {
	return e.do("CommitContainer", []string{container, req.Tag}, func() error {
		c := e.containerLocked(container)
		if c < 0 {
			return fmt.Errorf("no such container: %s", container)
		}
		labels := map[string]string{}
		if i := e.imageLocked(e.containers[c].Image); i >= 0 {
			maps.Copy(labels, e.images[i].Labels)
		}
		maps.Copy(labels, req.Labels)
		e.addImageLocked(engine.Image{Tags: []string{req.Tag}, Labels: labels})
		return nil
	})
}

// SaveImage is a tar stream holding one JSON file that names the image's tags and
// labels: what LoadImage reads back.
func (e *Engine) SaveImage(_ context.Context, ref string) (io.ReadCloser, error) {
	var buf bytes.Buffer
	err := e.do("SaveImage", []string{ref}, func() error {
		i := e.imageLocked(ref)
		if i < 0 {
			return fmt.Errorf("reference does not exist: %s", ref)
		}
		body, _ := json.Marshal(savedImage{Tags: []string{ref}, Labels: e.images[i].Labels})
		tw := tar.NewWriter(&buf)
		if err := tw.WriteHeader(&tar.Header{Name: "image.json", Mode: 0o644, Size: int64(len(body))}); err != nil {
			return err
		}
		if _, err := tw.Write(body); err != nil {
			return err
		}
		return tw.Close()
	})
	if err != nil {
		return nil, err
	}
	return io.NopCloser(&buf), nil
}

// LoadImage reads a stream SaveImage wrote and adds its image.
func (e *Engine) LoadImage(_ context.Context, r io.Reader) error {
	tr := tar.NewReader(r)
	var im savedImage
	hdr, err := tr.Next()
	if err == nil && hdr.Name == "image.json" {
		err = json.NewDecoder(tr).Decode(&im)
	} else if err == nil {
		err = fmt.Errorf("not an image stream: %s", hdr.Name)
	}
	return e.do("LoadImage", im.Tags, func() error {
		if err != nil {
			return fmt.Errorf("invalid image stream: %w", err)
		}
		e.addImageLocked(engine.Image{Tags: im.Tags, Labels: im.Labels})
		return nil
	})
}

// RegistryHas answers from SetInRegistry.
func (e *Engine) RegistryHas(_ context.Context, ref string) (bool, error) {
	has := false
	err := e.do("RegistryHas", []string{ref}, func() error {
		has = e.inRegistry[ref]
		return nil
	})
	return has, err
}

// SetInRegistry makes RegistryHas answer yes for refs.
func (e *Engine) SetInRegistry(refs ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.inRegistry == nil {
		e.inRegistry = map[string]bool{}
	}
	for _, r := range refs {
		e.inRegistry[r] = true
	}
}

package enginetest

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/devenv/devenv/env/engine"
)

// ImageExists reports whether an image has ref as a tag or ID.
func (e *Engine) ImageExists(_ context.Context, ref string) (bool, error) {
	found := false
	err := e.do("ImageExists", []string{ref}, func() error {
		found = e.imageLocked(ref) >= 0
		return nil
	})
	return found, err
}

func (e *Engine) imageLocked(ref string) int {
	return slices.IndexFunc(e.images, func(im engine.ImageSummary) bool { return im.ID == ref || slices.Contains(im.Tags, ref) })
}

// addImageLocked adds an image, taking its tags from any image that held them.
func (e *Engine) addImageLocked(im engine.Image) string {
	for i := range e.images {
		e.images[i].Tags = slices.DeleteFunc(slices.Clone(e.images[i].Tags), func(t string) bool { return slices.Contains(im.Tags, t) })
	}
	e.madeImages++
	if im.ID == "" {
		im.ID = fmt.Sprintf("sha256:%064x", e.madeImages)
	}
	if im.Created.IsZero() {
		im.Created = e.now()
	}
	e.images = append(e.images, cloneImage(engine.ImageSummary{Image: im}))
	return im.ID
}

// Build reads the whole context, as the Docker client does (a stream that fails
// fails the build with its error), records the request and, unless OnBuild or Fail
// says otherwise, makes an image tagged req.Tag with req.Labels.
func (e *Engine) Build(_ context.Context, req engine.BuildRequest) error {
	files, readErr := readContext(req.Context)
	req.Context = nil
	e.mu.Lock()
	e.builds = append(e.builds, req)
	e.contexts = append(e.contexts, files)
	err := e.record("Build", nil, req.Tag)
	hook := e.OnBuild
	e.mu.Unlock()
	if readErr != nil {
		e.outcome("Build", readErr)
		return readErr
	}
	if err != nil {
		return err
	}
	if hook != nil {
		if err := hook(req, files); err != nil {
			e.outcome("Build", err)
			return err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.addImageLocked(engine.Image{Tags: []string{req.Tag}, Labels: maps.Clone(req.Labels)})
	return nil
}

func readContext(r io.Reader) (BuildContext, error) {
	files := BuildContext{Files: map[string]string{}}
	if r == nil {
		return files, nil
	}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return files, err
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			return files, err
		}
		files.Names = append(files.Names, hdr.Name)
		files.Files[hdr.Name] = string(body)
	}
}

// Images lists the images carrying the labels.
func (e *Engine) Images(_ context.Context, labels map[string]string) ([]engine.Image, error) {
	sums, err := list(e, "Images", labels, func() []engine.ImageSummary { return e.images }, imageLabels, cloneImage)
	out := make([]engine.Image, len(sums))
	for i, im := range sums {
		out[i] = im.Image
	}
	return out, err
}

// ImageSummaries lists the images carrying the labels, with their sizes.
func (e *Engine) ImageSummaries(_ context.Context, labels map[string]string) ([]engine.ImageSummary, error) {
	return list(e, "ImageSummaries", labels, func() []engine.ImageSummary { return e.images }, imageLabels, cloneImage)
}

// RemoveImageUnlessUsed removes a tag, and the image with its last tag, or an image
// by ID; a container using the image it would remove gives *engine.ImageInUseError.
// An image already gone is no error.
func (e *Engine) RemoveImageUnlessUsed(_ context.Context, ref string) error {
	return e.do("RemoveImageUnlessUsed", []string{ref}, func() error {
		i := e.imageLocked(ref)
		if i < 0 {
			return nil
		}
		im := &e.images[i]
		if im.ID != ref && len(im.Tags) > 1 {
			im.Tags = slices.DeleteFunc(slices.Clone(im.Tags), func(t string) bool { return t == ref })
			return nil
		}
		for _, c := range e.containers {
			if c.ImageID == im.ID {
				return &engine.ImageInUseError{Ref: ref, Msg: fmt.Sprintf("conflict: unable to remove repository reference %q (must force) - container %s is using its referenced image", ref, c.ID)}
			}
		}
		e.images = slices.Delete(e.images, i, i+1)
		return nil
	})
}

// TagImage gives the image under src the tag dst.
func (e *Engine) TagImage(_ context.Context, src, dst string) error {
	return e.do("TagImage", []string{src, dst}, func() error {
		i := e.imageLocked(src)
		if i < 0 {
			return fmt.Errorf("no such image: %s", src)
		}
		for j := range e.images {
			e.images[j].Tags = slices.DeleteFunc(slices.Clone(e.images[j].Tags), func(t string) bool { return t == dst })
		}
		e.images[i].Tags = append(e.images[i].Tags, dst)
		return nil
	})
}

// PushImage pushes the image tagged ref; the engine must hold it.
func (e *Engine) PushImage(_ context.Context, ref string, _ io.Writer) error {
	return e.do("PushImage", []string{ref}, func() error {
		if e.imageLocked(ref) < 0 {
			return fmt.Errorf("an image does not exist locally with the tag: %s", ref)
		}
		return nil
	})
}

// PullImage makes an image tagged ref, unless OnPull or Fail says otherwise.
func (e *Engine) PullImage(_ context.Context, ref string, _ io.Writer) error {
	e.mu.Lock()
	err := e.record("PullImage", nil, ref)
	hook := e.OnPull
	e.mu.Unlock()
	if err != nil {
		return err
	}
	if hook != nil {
		if err := hook(ref); err != nil {
			e.outcome("PullImage", err)
			return err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.addImageLocked(engine.Image{Tags: []string{ref}})
	return nil
}

// ImageIdentity is the image's ID and the digests SetRepoDigests gave it, on
// linux/amd64.
func (e *Engine) ImageIdentity(_ context.Context, ref string) (engine.ImageIdentity, bool, error) {
	var id engine.ImageIdentity
	found := false
	err := e.do("ImageIdentity", []string{ref}, func() error {
		if i := e.imageLocked(ref); i >= 0 {
			found = true
			id = engine.ImageIdentity{ID: e.images[i].ID, RepoDigests: slices.Clone(e.repoDigests[e.images[i].ID]), OS: "linux", Arch: "amd64"}
		}
		return nil
	})
	return id, found, err
}

// SetRepoDigests gives the image ref registry digests, as a pull would.
func (e *Engine) SetRepoDigests(ref string, digests ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if i := e.imageLocked(ref); i >= 0 {
		if e.repoDigests == nil {
			e.repoDigests = map[string][]string{}
		}
		e.repoDigests[e.images[i].ID] = digests
	}
}

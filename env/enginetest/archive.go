package enginetest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/devenv/devenv/env/engine"
)

// archive is what the fake keeps for CreateContainer, CopyTo and CopyFrom: the
// containers' bind mounts, and the files copied in, by container and path.
type archive struct {
	binds map[string][]engine.Mount    // container ID -> its bind mounts
	files map[string]map[string][]byte // container ID -> path -> content
}

// SetRemote makes the engine one that cannot see the host's paths, as an engine on
// another machine: a container with a bind mount is refused as Docker refuses it.
func (e *Engine) SetRemote(remote bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.remote = remote
}

// CreateContainer makes a container that is not started. An engine that sees the
// host's paths (the default) serves its bind mounts from the host in CopyFrom.
func (e *Engine) CreateContainer(_ context.Context, req engine.RunRequest) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("CreateContainer", nil, req.Name); err != nil {
		return "", err
	}
	var binds []engine.Mount
	for _, m := range req.Mounts {
		if m.Volume {
			continue
		}
		if e.remote {
			err := &engine.MountSourceMissingError{Msg: "invalid mount config for type \"bind\": bind source path does not exist: " + m.Source}
			e.calls[len(e.calls)-1].Err = err
			return "", err
		}
		binds = append(binds, m)
	}
	id := e.addContainerLocked(req.Name, req.Image, req.Labels)
	e.containers[e.containerLocked(id)].State = "created"
	if e.arch.binds == nil {
		e.arch.binds = map[string][]engine.Mount{}
	}
	e.arch.binds[id] = binds
	return id, nil
}

// CopyTo keeps the regular files of a tar stream, under dir, for CopyFrom.
func (e *Engine) CopyTo(_ context.Context, container, dir string, content io.Reader) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("CopyTo", nil, container, dir); err != nil {
		return err
	}
	if e.arch.files == nil {
		e.arch.files = map[string]map[string][]byte{}
	}
	if e.arch.files[container] == nil {
		e.arch.files[container] = map[string][]byte{}
	}
	tr := tar.NewReader(content)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeReg {
			b, _ := io.ReadAll(tr)
			e.arch.files[container][path.Join(dir, hdr.Name)] = b
		}
	}
}

// CopyFrom is a tar stream of one file: one copied in, or one of the host under a
// bind mount.
func (e *Engine) CopyFrom(_ context.Context, container, p string) (io.ReadCloser, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.record("CopyFrom", nil, container, p); err != nil {
		return nil, err
	}
	b, ok := e.arch.files[container][p]
	if !ok {
		for _, m := range e.arch.binds[container] {
			if rel, found := strings.CutPrefix(p, m.Target+"/"); found {
				if data, err := os.ReadFile(path.Join(m.Source, rel)); err == nil {
					b, ok = data, true
				}
			}
		}
	}
	if !ok {
		return nil, &engine.NotExistError{Path: p, Err: fmt.Errorf("no such file")}
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: path.Base(p), Size: int64(len(b)), Mode: 0o644})
	_, _ = tw.Write(b)
	_ = tw.Close()
	return io.NopCloser(&buf), nil
}

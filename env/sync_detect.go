package env

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/devenv/devenv/env/engine"
)

// TreeMode is how the project's tree reaches the container.
type TreeMode string

const (
	// BindMount: the engine sees the project's path; the tree is bind mounted.
	BindMount TreeMode = "bind mount"
	// SyncedVolume: the engine cannot see the path (another machine); the tree lives in
	// a volume on the engine, synced both ways while a command runs.
	SyncedVolume TreeMode = "synced volume"
)

// TreeAccess is the answer for one engine and project, and why.
type TreeAccess struct {
	Mode     TreeMode  `json:"mode"`
	Endpoint string    `json:"endpoint"`
	Root     string    `json:"root"`
	Why      string    `json:"why"`
	At       time.Time `json:"at"`
}

// probeTTL is how long an answer is kept in the user's cache: an engine does not move
// between machines from one command to the next, and the probe costs a container.
const probeTTL = time.Hour

var (
	accessMu    sync.Mutex
	accessCache = map[string]TreeAccess{} // endpoint + root -> the answer, for this process
)

// DetectTreeMode asks the engine whether it sees the project's path: it creates (never
// starts) a container of the project's image with the root bind mounted read-only and
// reads the project's devenv.toml through the engine, comparing its size and digest
// with the host's. Nothing is written in the project. The answer is kept per engine
// endpoint and project root, in this process and for an hour in the user's cache;
// fresh asks again (doctor does).
func DetectTreeMode(ctx context.Context, eng Engine, p *Project, fresh bool) (TreeAccess, error) {
	info, err := eng.Ping(ctx)
	if err != nil {
		return TreeAccess{}, err
	}
	if info.Kind == engine.KindKubernetes {
		// A pod gets a copy of the tree at start (env/kube), not yet a synced volume.
		return TreeAccess{Mode: BindMount, Endpoint: info.Endpoint, Root: p.Spec.Root, Why: "the Kubernetes engine copies the tree into the pod", At: time.Now()}, nil
	}
	key := info.Endpoint + "\x00" + p.Spec.Root
	cacheFile := ""
	if info.Endpoint != "" {
		cacheFile = accessCacheFile(key)
	}
	if !fresh {
		accessMu.Lock()
		a, ok := accessCache[key]
		accessMu.Unlock()
		if ok {
			return a, nil
		}
		if a, ok := readAccess(cacheFile); ok && time.Since(a.At) < probeTTL && a.Endpoint == info.Endpoint && a.Root == p.Spec.Root {
			accessMu.Lock()
			accessCache[key] = a
			accessMu.Unlock()
			return a, nil
		}
	}
	a, err := probeTree(ctx, eng, p)
	if err != nil {
		return TreeAccess{}, err
	}
	a.Endpoint, a.Root, a.At = info.Endpoint, p.Spec.Root, time.Now()
	accessMu.Lock()
	accessCache[key] = a
	accessMu.Unlock()
	if cacheFile != "" {
		if b, err := json.Marshal(a); err == nil {
			_ = os.MkdirAll(filepath.Dir(cacheFile), 0o700)
			_ = os.WriteFile(cacheFile, b, 0o600) // a cache: a failed write probes again
		}
	}
	return a, nil
}

const probeTarget = "/devenv-probe"

func probeTree(ctx context.Context, eng Engine, p *Project) (TreeAccess, error) {
	s := p.Spec
	cfg := s.ConfigPath
	if cfg == "" {
		cfg = filepath.Join(s.Root, "devenv.toml")
	}
	rel, err := filepath.Rel(s.Root, cfg)
	if err != nil {
		return TreeAccess{}, err
	}
	want, err := os.ReadFile(cfg)
	if err != nil {
		// Nothing of the project to compare: mount it as devenv always has.
		return TreeAccess{Mode: BindMount, Why: "no " + filepath.Base(cfg) + " to compare"}, nil
	}
	id, err := eng.CreateContainer(ctx, engine.RunRequest{
		Image:  p.Tag,
		Name:   containerName(s.Name) + "-probe",
		Cmd:    []string{"true"},
		Mounts: []engine.Mount{{Source: HostPathForEngine(s.Root, runtime.GOOS), Target: probeTarget, ReadOnly: true}},
		Labels: p.containerLabels("probe"),
	})
	var missing *engine.MountSourceMissingError
	if errors.As(err, &missing) {
		return TreeAccess{Mode: SyncedVolume, Why: "the engine has no " + s.Root}, nil
	}
	if err != nil {
		return TreeAccess{}, fmt.Errorf("asking the engine whether it sees %s: %w", s.Root, err)
	}
	defer func() {
		rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = eng.RemoveContainer(rmCtx, id, true)
	}()
	got, err := readOne(ctx, eng, id, path.Join(probeTarget, filepath.ToSlash(rel)))
	var notExist *engine.NotExistError
	switch {
	case errors.As(err, &notExist):
		return TreeAccess{Mode: SyncedVolume, Why: "the engine's " + s.Root + " has no " + filepath.ToSlash(rel)}, nil
	case err != nil:
		return TreeAccess{}, fmt.Errorf("asking the engine whether it sees %s: %w", s.Root, err)
	case len(got) != len(want) || sha256.Sum256(got) != sha256.Sum256(want):
		return TreeAccess{Mode: SyncedVolume, Why: "the engine's " + filepath.ToSlash(rel) + " at " + s.Root + " is another file"}, nil
	}
	return TreeAccess{Mode: BindMount, Why: "the engine reads this project's " + filepath.ToSlash(rel) + " at " + s.Root}, nil
}

// readOne reads one file of a container through the engine's archive API.
func readOne(ctx context.Context, eng ArchiveEngine, id, p string) ([]byte, error) {
	rc, err := eng.CopyFrom(ctx, id, p)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	if _, err := tr.Next(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	_, err = io.Copy(&buf, tr)
	return buf.Bytes(), err
}

func accessCacheFile(key string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(dir, "devenv", "engines", hex.EncodeToString(sum[:])[:20]+".json")
}

func readAccess(file string) (TreeAccess, bool) {
	var a TreeAccess
	b, err := os.ReadFile(file)
	if err != nil || json.Unmarshal(b, &a) != nil || (a.Mode != BindMount && a.Mode != SyncedVolume) {
		return TreeAccess{}, false
	}
	return a, true
}

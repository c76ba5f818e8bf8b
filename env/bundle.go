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
	"path/filepath"
	"time"
)

// Offline bundles (`devenv save -o env.tar`, `devenv load env.tar`): one tar file
// holding the environment's shared image as `docker save` writes it (no host user,
// no project path: SharedProject), devenv.toml, devenv.lock when the project has one,
// and last a manifest with each file's size and SHA-256. Load checks all of it before
// it loads anything. The checksums find a truncated, corrupted or edited bundle; they
// are not a signature: whoever can rewrite the bundle can rewrite its manifest.

// BundleFormat names the manifest's format; load refuses any other.
const BundleFormat = "devenv-bundle/1"

// Names inside a bundle.
const (
	bundleManifest = "manifest.json"
	bundleImage    = "image.tar"
	bundleLock     = "devenv.lock"
)

// BundleManifest is manifest.json: what the bundle holds.
type BundleManifest struct {
	Format string `json:"format"`
	// Name and Fingerprint are the project's name and the shared image's
	// fingerprint; Image is the image's tag in image.tar.
	Name        string       `json:"name"`
	Fingerprint string       `json:"fingerprint"`
	Image       string       `json:"image"`
	Devenv      string       `json:"devenv_version"`
	Files       []BundleFile `json:"files"`
}

// BundleFile is one file of a bundle.
type BundleFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// SaveResult says what Save wrote.
type SaveResult struct {
	Path  string
	Image string
	Files []BundleFile
}

// SaveBundle writes p's bundle to path: the shared image (pulled from the cache or
// built when the engine lacks it), devenv.toml and devenv.lock. The bundle appears
// whole or not at all: it is written beside path and renamed.
func SaveBundle(ctx context.Context, eng Engine, p *Project, path string, opt BuildOptions) (SaveResult, error) {
	if p.Spec.Image != "" || p.Spec.OwnDockerfile != nil {
		return SaveResult{}, errors.New("devenv save bundles an environment devenv.toml builds: with image or dockerfile set, save that image with `docker save`")
	}
	sp, err := SharedProject(p, RenderOptionsFor(opt.Info))
	if err != nil {
		return SaveResult{}, err
	}
	if _, err := ensureShared(ctx, eng, sp, opt, true, false); err != nil {
		return SaveResult{}, err
	}
	dir := filepath.Dir(path)
	// The image first, to a temporary file: a tar header needs its size.
	img, err := os.CreateTemp(dir, "."+filepath.Base(path)+".image.*")
	if err != nil {
		return SaveResult{}, fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer func() { img.Close(); os.Remove(img.Name()) }()
	rc, err := eng.SaveImage(ctx, sp.Tag)
	if err != nil {
		return SaveResult{}, fmt.Errorf("cannot save %s: %w", sp.Tag, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(img, h), rc)
	rc.Close()
	if err != nil {
		return SaveResult{}, fmt.Errorf("cannot save %s into %s: %w", sp.Tag, path, err)
	}
	if _, _, err := ReadLock(LockPath(p.Spec.Root)); err != nil {
		return SaveResult{}, err // a malformed lock is not handed on
	}
	files := []BundleFile{{Name: bundleImage, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}}
	extra := map[string][]byte{}
	for _, name := range []string{ConfigFile, bundleLock} {
		data, err := os.ReadFile(filepath.Join(p.Spec.Root, name))
		if errors.Is(err, os.ErrNotExist) && name == bundleLock {
			continue
		}
		if err != nil {
			return SaveResult{}, fmt.Errorf("cannot read %s: %w", name, err)
		}
		sum := sha256.Sum256(data)
		files = append(files, BundleFile{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
		extra[name] = data
	}
	man := BundleManifest{Format: BundleFormat, Name: sp.Spec.Name, Fingerprint: sp.Fingerprint, Image: sp.Tag, Devenv: Version, Files: files}
	manJSON, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return SaveResult{}, err
	}

	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return SaveResult{}, fmt.Errorf("cannot write %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	tw := tar.NewWriter(tmp)
	now := time.Now().UTC().Truncate(time.Second)
	add := func(name string, size int64, body io.Reader) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: size, ModTime: now, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := io.Copy(tw, body)
		return err
	}
	if _, err := img.Seek(0, io.SeekStart); err != nil {
		return SaveResult{}, err
	}
	err = add(bundleImage, n, img)
	for _, f := range files[1:] {
		if err == nil {
			err = add(f.Name, f.Size, bytes.NewReader(extra[f.Name]))
		}
	}
	if err == nil {
		err = add(bundleManifest, int64(len(manJSON)), bytes.NewReader(manJSON))
	}
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return SaveResult{}, fmt.Errorf("cannot write %s: %w (nothing was written there)", path, err)
	}
	done = true
	return SaveResult{Path: path, Image: sp.Tag, Files: files}, nil
}

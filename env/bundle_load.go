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
	"slices"
)

// LoadResult says what LoadBundle did.
type LoadResult struct {
	Image string
	// Wrote are the files written into the directory; Kept those it already had
	// with other contents, left as they were.
	Wrote, Kept []string
}

// CheckBundle reads the whole bundle at path and checks it against its manifest:
// every file listed is there once, whole, with its checksum, and nothing else is.
func CheckBundle(path string) (BundleManifest, error) {
	var man BundleManifest
	f, err := os.Open(path)
	if err != nil {
		return man, fmt.Errorf("cannot read the bundle: %w", err)
	}
	defer f.Close()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s is not a whole devenv bundle: %s; nothing was loaded (save it again with `devenv save -o`)", path, fmt.Sprintf(format, args...))
	}
	type seen struct {
		size int64
		sum  string
	}
	got := map[string]seen{}
	var manJSON []byte
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return man, bad("it ends early or is damaged (%v)", err)
		}
		if hdr.Typeflag != tar.TypeReg || hdr.Name != filepath.Base(hdr.Name) {
			return man, bad("it holds %q, which no bundle has", hdr.Name)
		}
		if _, dup := got[hdr.Name]; dup {
			return man, bad("it holds %s twice", hdr.Name)
		}
		h := sha256.New()
		var w io.Writer = h
		var buf bytes.Buffer
		if hdr.Name == bundleManifest {
			w = io.MultiWriter(h, &buf)
		}
		n, err := io.Copy(w, tr)
		if err != nil {
			return man, bad("it ends early, inside %s (%v)", hdr.Name, err)
		}
		got[hdr.Name] = seen{n, hex.EncodeToString(h.Sum(nil))}
		if hdr.Name == bundleManifest {
			manJSON = buf.Bytes()
		}
	}
	if manJSON == nil {
		return man, bad("it has no %s (it ends early, or is not a bundle)", bundleManifest)
	}
	if err := json.Unmarshal(manJSON, &man); err != nil {
		return man, bad("its %s does not parse (%v)", bundleManifest, err)
	}
	if man.Format != BundleFormat {
		return man, fmt.Errorf("%s is a bundle of format %q; this devenv reads %q: load it with the devenv that saved it (%s)", path, man.Format, BundleFormat, man.Devenv)
	}
	listed := []string{bundleManifest}
	for _, bf := range man.Files {
		listed = append(listed, bf.Name)
		s, ok := got[bf.Name]
		switch {
		case !ok:
			return man, bad("%s is missing", bf.Name)
		case s.size != bf.Size:
			return man, bad("%s is %d bytes where the manifest says %d", bf.Name, s.size, bf.Size)
		case s.sum != bf.SHA256:
			return man, bad("%s does not match its checksum (it was changed after saving)", bf.Name)
		}
	}
	for name := range got {
		if !slices.Contains(listed, name) {
			return man, bad("it holds %s, which its manifest does not list", name)
		}
	}
	if !slices.Contains(listed, bundleImage) || !slices.Contains(listed, ConfigFile) {
		return man, bad("its manifest lists no %s or no %s", bundleImage, ConfigFile)
	}
	return man, nil
}

// LoadBundle checks the bundle at path (CheckBundle), then loads its image into the
// engine and writes its devenv.toml and devenv.lock into dir where dir has none. A
// file dir already has with other contents is kept, and named in the result.
func LoadBundle(ctx context.Context, eng Engine, path, dir string) (LoadResult, error) {
	man, err := CheckBundle(path)
	if err != nil {
		return LoadResult{}, err
	}
	res := LoadResult{Image: man.Image}
	// The lock is read before anything is loaded: one this devenv cannot read (another
	// format) stops the load here, not the first build.
	if err := eachBundleFile(path, func(name string, r io.Reader) error {
		if name != bundleLock {
			return nil
		}
		data, err := io.ReadAll(r)
		if err == nil {
			_, err = ParseLock(path+": "+bundleLock, data)
		}
		if err != nil {
			return fmt.Errorf("%w; nothing was loaded", err)
		}
		return nil
	}); err != nil {
		return res, err
	}
	files := map[string][]byte{}
	err = eachBundleFile(path, func(name string, r io.Reader) error {
		if name == bundleImage {
			// Checked again as it streams: a file changed since CheckBundle read it
			// loses what it loaded.
			h := sha256.New()
			if err := eng.LoadImage(ctx, io.TeeReader(r, h)); err != nil {
				return fmt.Errorf("cannot load the image of %s: %w", path, err)
			}
			if _, err := io.Copy(h, r); err != nil { // what the engine left unread
				return fmt.Errorf("%s changed while it was loaded: %w", path, err)
			}
			if hex.EncodeToString(h.Sum(nil)) != imageSum(man) {
				_ = eng.RemoveImageUnlessUsed(context.WithoutCancel(ctx), man.Image)
				return fmt.Errorf("%s changed while it was loaded; the image was removed again, nothing was loaded", path)
			}
			return nil
		}
		if name == ConfigFile || name == bundleLock {
			data, err := io.ReadAll(r)
			files[name] = data
			return err
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	if ok, err := eng.ImageExists(ctx, man.Image); err != nil {
		return res, err
	} else if !ok {
		return res, fmt.Errorf("the engine loaded %s but holds no %s afterwards: is it the engine the bundle was meant for?", path, man.Image)
	}
	for _, name := range []string{ConfigFile, bundleLock} {
		data, ok := files[name]
		if !ok {
			continue
		}
		target := filepath.Join(dir, name)
		have, err := os.ReadFile(target)
		switch {
		case err == nil && bytes.Equal(have, data):
		case err == nil:
			res.Kept = append(res.Kept, name)
		case errors.Is(err, os.ErrNotExist):
			if err := WriteFileAtomic(target, data, 0o644); err != nil {
				return res, fmt.Errorf("cannot write %s: %w", target, err)
			}
			res.Wrote = append(res.Wrote, name)
		default:
			return res, fmt.Errorf("cannot read %s: %w", target, err)
		}
	}
	return res, nil
}

// imageSum is the manifest's checksum of image.tar.
func imageSum(man BundleManifest) string {
	for _, f := range man.Files {
		if f.Name == bundleImage {
			return f.SHA256
		}
	}
	return ""
}

// eachBundleFile hands each file of a checked bundle to fn, in the bundle's order.
func eachBundleFile(path string, fn func(name string, r io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read the bundle: %w", err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s changed while it was loaded: %w", path, err)
		}
		if err := fn(hdr.Name, tr); err != nil {
			return err
		}
	}
}

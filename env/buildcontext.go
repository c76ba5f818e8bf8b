package env

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// contextTar is the one writer of the build contexts devenv sends: the environment's
// (Dockerfile and manifests), the project's own Dockerfile's, and a service's build
// folder. Fixed times and PAX headers: the same files give the same bytes.
type contextTar struct{ tw *tar.Writer }

func newContextTar(w io.Writer) contextTar { return contextTar{tar.NewWriter(w)} }

func (c contextTar) header(name string, mode int64, kind byte) *tar.Header {
	return &tar.Header{Name: name, Mode: mode, ModTime: time.Unix(0, 0), Typeflag: kind, Format: tar.FormatPAX}
}

// addBytes adds a regular file holding data, readable by all.
func (c contextTar) addBytes(name string, data []byte) error {
	hdr := c.header(name, 0o644, tar.TypeReg)
	hdr.Size = int64(len(data))
	if err := c.tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := c.tw.Write(data)
	return err
}

// addFile adds the host file at hostPath as a regular file readable by all: its
// permissions on this machine do not shape the image.
func (c contextTar) addFile(name, hostPath string) error {
	f, err := os.Open(hostPath)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return c.addOpen(c.header(name, 0o644, tar.TypeReg), f, st.Size())
}

// addEntry adds one entry of a walked folder with its own permissions: a folder, a
// symlink or a regular file.
func (c contextTar) addEntry(rel string, info fs.FileInfo, full string) error {
	hdr := c.header(rel, int64(info.Mode().Perm()), tar.TypeReg)
	switch {
	case info.IsDir():
		hdr.Typeflag, hdr.Name = tar.TypeDir, rel+"/"
		return c.tw.WriteHeader(hdr)
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(full)
		if err != nil {
			return err
		}
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, target
		return c.tw.WriteHeader(hdr)
	}
	f, err := os.Open(full)
	if err != nil {
		return err
	}
	defer f.Close()
	return c.addOpen(hdr, f, info.Size())
}

// addOpen writes size bytes of f under hdr: a file that grows meanwhile is cut to
// the size its header promised.
func (c contextTar) addOpen(hdr *tar.Header, f io.Reader, size int64) error {
	hdr.Size = size
	if err := c.tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := io.CopyN(c.tw, f, size)
	return err
}

func (c contextTar) close() error { return c.tw.Close() }

// walkTree visits dir's entries (not dir itself) in name order, with forward-slash
// paths relative to dir.
func walkTree(dir string, fn func(rel string, de fs.DirEntry, full string) error) error {
	return filepath.WalkDir(dir, func(full string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if full == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, full)
		return fn(filepath.ToSlash(rel), de, full)
	})
}

// treeHash hashes the entries of a walked folder, their names, modes and contents or
// link targets, length-prefixed so no two trees hash alike; it counts the files and
// bytes it read.
type treeHash struct {
	h     hash.Hash
	files int
	bytes int64
}

func newTreeHash() *treeHash { return &treeHash{h: sha256.New()} }

func (t *treeHash) add(rel string, info fs.FileInfo, full string) error {
	fmt.Fprintf(t.h, "%d:%s %o ", len(rel), rel, info.Mode())
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(full)
		if err != nil {
			return err
		}
		fmt.Fprintf(t.h, "%d:%s\n", len(target), target)
	case info.Mode().IsRegular():
		f, err := os.Open(full)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(t.h, "%d\n", info.Size())
		n, err := io.Copy(t.h, io.LimitReader(f, info.Size()))
		if err != nil {
			return err
		}
		t.files++
		t.bytes += n
	default:
		fmt.Fprintf(t.h, "dir\n")
	}
	return nil
}

// sum is the hash so far in n hex digits.
func (t *treeHash) sum(n int) string { return hex.EncodeToString(t.h.Sum(nil))[:n] }

// walkServiceDir visits a service's build folder; symlinks and other special files
// are refused, so what is hashed is what is sent.
func walkServiceDir(dir string, fn func(rel string, info fs.FileInfo, full string) error) error {
	return walkTree(dir, func(rel string, de fs.DirEntry, full string) error {
		info, err := de.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() && !info.IsDir() {
			return fmt.Errorf("%s is not a regular file or directory: a service's build directory can hold only those", rel)
		}
		return fn(rel, info, full)
	})
}

// dirHash hashes the names, modes and contents of every file under a service's build
// folder: the tag of the image built from it.
func dirHash(dir string) (string, error) {
	th := newTreeHash()
	if err := walkServiceDir(dir, th.add); err != nil {
		return "", err
	}
	return th.sum(16), nil
}

// writeDirTar writes a service's build folder as a build context.
func writeDirTar(w io.Writer, dir string) error {
	tw := newContextTar(w)
	if err := walkServiceDir(dir, tw.addEntry); err != nil {
		return err
	}
	return tw.close()
}

package kube

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Files travel as tar streams over exec, as kubectl cp does: tar must be in the image
// (Debian's and busybox's are).

// upload copies the host directory src into dir in the pod, every file owned by user
// ("uid:gid"): the files changed after since, or all of them when since is zero.
// It reports whether there was anything to copy.
func (k *Engine) upload(ctx context.Context, pod, src, dir, user string, since time.Time) (bool, error) {
	uid, gid := ids(user)
	if !since.IsZero() {
		n := 0
		if err := walkTree(src, since, func(string, fs.FileInfo, string) error { n++; return nil }); err != nil {
			return false, err
		}
		if n == 0 {
			return false, nil
		}
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeTree(pw, src, uid, gid, since)) }()
	defer pr.Close()
	return true, k.CopyTo(ctx, pod, dir, pr)
}

func ids(user string) (int, int) {
	us, gs, _ := strings.Cut(user, ":")
	uid, _ := strconv.Atoi(us)
	gid, _ := strconv.Atoi(cmpOr(gs, us))
	return uid, gid
}

// walkTree calls fn for each directory, regular file and symbolic link under root
// (its path relative to root, slash separated), only files changed after since when
// since is set; sockets and devices are left out.
func walkTree(root string, since time.Time, fn func(rel string, info fs.FileInfo, link string) error) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !since.IsZero() && (info.IsDir() || !info.ModTime().After(since)) {
			return nil // tar makes the directories a changed file needs
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		} else if !info.Mode().IsRegular() && !info.IsDir() {
			return nil
		}
		return fn(filepath.ToSlash(rel), info, link)
	})
}

// writeTree writes walkTree's files as a tar stream, owned by uid:gid.
func writeTree(w io.Writer, root string, uid, gid int, since time.Time) error {
	tw := tar.NewWriter(w)
	err := walkTree(root, since, func(rel string, info fs.FileInfo, link string) error {
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = rel
		if info.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = uid, gid, "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.CopyN(tw, f, hdr.Size)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// CopyTo unpacks a tar stream into dir in the pod.
func (k *Engine) CopyTo(ctx context.Context, pod, dir string, content io.Reader) error {
	var errOut bytes.Buffer
	code, err := k.exec(ctx, pod, []string{"tar", "-x", "-f", "-", "-C", dir}, streams{stdin: content, stdout: &errOut, stderr: &errOut})
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("tar in the pod exited with status %d: %s", code, oneLine(errOut.String()))
	}
	return nil
}

// CopyFrom is a tar stream of path in the pod, its last element at the stream's top.
func (k *Engine) CopyFrom(ctx context.Context, pod, p string) (io.ReadCloser, error) {
	pr, pw := io.Pipe()
	var errOut bytes.Buffer
	go func() {
		code, err := k.exec(ctx, pod, []string{"tar", "-c", "-f", "-", "-C", path.Dir(p), path.Base(p)}, streams{stdout: pw, stderr: &errOut})
		if err == nil && code != 0 {
			err = fmt.Errorf("tar in the pod exited with status %d: %s", code, oneLine(errOut.String()))
		}
		pw.CloseWithError(err)
	}()
	return pr, nil
}

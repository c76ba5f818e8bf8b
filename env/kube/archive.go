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
)

// Files travel as tar streams over exec, as kubectl cp does: tar must be in the image
// (Debian's and busybox's are).

// upload copies the host directory src into dir in the pod, every file owned by user
// ("uid:gid").
func (k *Engine) upload(ctx context.Context, pod, src, dir, user string) error {
	uid, gid := ids(user)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeTree(pw, src, uid, gid)) }()
	defer pr.Close()
	return k.CopyTo(ctx, pod, dir, pr)
}

func ids(user string) (int, int) {
	us, gs, _ := strings.Cut(user, ":")
	uid, _ := strconv.Atoi(us)
	gid, _ := strconv.Atoi(cmpOr(gs, us))
	return uid, gid
}

// writeTree writes the tree at root as a tar stream owned by uid:gid: directories,
// regular files and symbolic links; sockets and devices are left out.
func writeTree(w io.Writer, root string, uid, gid int) error {
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
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
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		} else if !info.Mode().IsRegular() && !info.IsDir() {
			return nil
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
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
		f, err := os.Open(p)
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

package filesync

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"
)

// apply decides and does each path's sync. What is done is recorded in the state as
// it is done: a failure half way leaves the rest for the next sync, on its own side.
func (s *Syncer) apply(ctx context.Context, paths map[string]bool, host, ctr map[string]FileStat, ctrNow int64) error {
	var pushes, removes, pulls, boths []string
	for _, p := range slices.Sorted(mapsKeys(paths)) {
		if s.ig.Match(p, false) {
			continue
		}
		h, hok := host[p]
		c, cok := ctr[p]
		a, aok := s.st.Files[p]
		act := decide(ptr(h, hok), ptr(c, cok), ptrE(a, aok))
		// A container file changed within the second of the last listing may have
		// changed again since without its size or seconds changing: look once more.
		if act == keep && hok && cok && s.suspect[p] {
			act = pull
		}
		// After an upload cut short the volume holds only what the host sent, and no
		// command has run on it: a file only there is a copy of one the host has
		// deleted since, not the container's own.
		if act == pull && !hok && s.st.Uploading {
			act = rmCtr
		}
		switch act {
		case push:
			pushes = append(pushes, p)
		case rmCtr:
			removes = append(removes, p)
		case pull:
			pulls = append(pulls, p)
		case rmHost:
			// Only the file as the sync saw it: one the host changed since stays.
			if now, ok := statHost(s.opt.Root, p); ok && (now.Size != h.Size || now.Mtime != h.Mtime) {
				continue
			}
			if err := os.Remove(s.hostPath(p)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			delete(s.st.Files, p)
			s.dirty = true
		case forget:
			delete(s.st.Files, p)
			s.dirty = true
		case both:
			boths = append(boths, p)
		}
	}
	s.suspect = map[string]bool{}
	for p, c := range ctr {
		if c.Mtime >= ctrNow-1 {
			s.suspect[p] = true
		}
	}
	boths, more, err := s.sameContent(ctx, boths, ctr)
	if err != nil {
		return s.interrupted(err)
	}
	pushes = append(pushes, more...)
	for _, p := range boths {
		more, err := s.resolve(ctx, p, ctr[p])
		if err != nil {
			return s.interrupted(err)
		}
		pushes = append(pushes, more...)
	}
	for _, p := range pulls {
		if err := s.pullFile(ctx, p, ctr[p], ptr(host[p], hostHas(host, p))); err != nil {
			return s.interrupted(err)
		}
	}
	if len(removes) > 0 {
		if err := s.remote.Remove(ctx, removes); err != nil {
			return s.interrupted(err)
		}
		for _, p := range removes {
			delete(s.st.Files, p)
		}
	}
	if len(pushes) > 0 {
		if err := s.push(ctx, pushes); err != nil {
			return s.interrupted(err)
		}
	}
	// The container is polled every half second or so: a poll that changed nothing
	// does not rewrite the state (a big tree's state is megabytes).
	if !s.dirty && s.st.Interrupted == "" && len(pushes)+len(pulls)+len(removes)+len(boths) == 0 {
		return nil
	}
	s.st.LastSync, s.st.Interrupted, s.st.Uploading, s.dirty = s.opt.Now(), "", false, false
	return s.st.save(s.opt.StatePath)
}

// push sends files in one tar stream, each with its parent directories, all owned by
// the container's user; the container's copy gets the host's mtime, in seconds.
func (s *Syncer) push(ctx context.Context, paths []string) error {
	pr, pw := io.Pipe()
	sent := map[string]Entry{}
	go func() {
		// Big writes: the engine's API reads the stream in large chunks, and a pipe
		// write per tar header would make many small HTTP chunks.
		bw := bufio.NewWriterSize(pw, 1<<20)
		err := s.writeTar(bw, paths, sent)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	err := s.remote.Push(ctx, pr)
	pr.CloseWithError(errors.New("push ended"))
	if err != nil {
		return err
	}
	for p, e := range sent {
		s.st.Files[p] = e
	}
	s.pushed += len(sent)
	return nil
}

func (s *Syncer) writeTar(w io.Writer, paths []string, sent map[string]Entry) error {
	tw := tar.NewWriter(w)
	dirs := map[string]bool{}
	for _, p := range paths {
		var parents []string
		for d := path.Dir(p); d != "." && !dirs[d]; d = path.Dir(d) {
			parents = append(parents, d)
			dirs[d] = true
		}
		for i := len(parents) - 1; i >= 0; i-- {
			d := parents[i]
			mode, mtime := int64(0o755), time.Now()
			if info, err := os.Stat(s.hostPath(d)); err == nil {
				mode, mtime = int64(info.Mode().Perm()), info.ModTime()
			}
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: mode, ModTime: mtime.Truncate(time.Second), Uid: s.opt.UID, Gid: s.opt.GID}); err != nil {
				return err
			}
		}
		if err := s.writeFile(tw, p, sent); err != nil {
			return err
		}
	}
	return tw.Close()
}

// writeFile adds one file as it is when opened. A file that shrinks while it is read
// is padded and not recorded as sent: its change brings it again.
func (s *Syncer) writeFile(tw *tar.Writer, p string, sent map[string]Entry) error {
	f, err := os.Open(s.hostPath(p))
	if err != nil {
		return nil // gone since: the next sync sees that
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return nil
	}
	mtime := info.ModTime()
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: p, Size: info.Size(), Mode: int64(info.Mode().Perm()), ModTime: mtime.Truncate(time.Second), Uid: s.opt.UID, Gid: s.opt.GID}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	n, err := io.Copy(tw, io.LimitReader(f, info.Size()))
	if err != nil {
		return err
	}
	if n < info.Size() {
		_, err := io.Copy(tw, io.LimitReader(zeros{}, info.Size()-n))
		return err
	}
	sent[p] = Entry{Size: info.Size(), Host: mtime.UnixNano(), Ctr: mtime.Unix()}
	return nil
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// fetch reads the container's file p.
func (s *Syncer) fetch(ctx context.Context, p string) ([]byte, *tar.Header, error) {
	rc, err := s.remote.Pull(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	hdr, err := tr.Next()
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s from the container: %w", p, err)
	}
	b, err := io.ReadAll(tr)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s from the container: %w", p, err)
	}
	return b, hdr, nil
}

// pullFile writes the container's file on the host, whole or not at all, as the user
// devenv runs as.
//
// The host's file may change while the container's is on its way (a log a process
// appends to, an editor's save): it is replaced only if it is still as it was when
// the sync decided (was; nil: no file), else the host's change stands and the next
// sync compares again. A process writing to it through an open descriptor would
// otherwise write into a file no longer in the tree.
func (s *Syncer) pullFile(ctx context.Context, p string, c FileStat, was *FileStat) error {
	b, hdr, err := s.fetch(ctx, p)
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(s.hostPath(p)); err == nil && bytes.Equal(old, b) {
		if h, ok := statHost(s.opt.Root, p); ok {
			s.st.Files[p] = Entry{Size: h.Size, Host: h.Mtime, Ctr: c.Mtime}
		}
		return nil
	}
	if err := s.writeHostIf(p, b, hdr.FileInfo().Mode().Perm(), hdr.ModTime, func() bool {
		now, ok := statHost(s.opt.Root, p)
		if was == nil {
			return !ok
		}
		return ok && now.Size == was.Size && now.Mtime == was.Mtime
	}); errors.Is(err, errHostMoved) {
		return nil
	} else if err != nil {
		return err
	}
	h, ok := statHost(s.opt.Root, p)
	if ok {
		s.st.Files[p] = Entry{Size: h.Size, Host: h.Mtime, Ctr: c.Mtime}
	}
	s.pulled++
	return nil
}

// errHostMoved: the host's file changed while the sync was replacing it.
var errHostMoved = errors.New("the host's file changed meanwhile")

func (s *Syncer) writeHost(p string, b []byte, mode os.FileMode, mtime time.Time) error {
	return s.writeHostIf(p, b, mode, mtime, func() bool { return true })
}

// writeHostIf writes p whole (a temp file renamed over it) if still() holds just
// before the rename.
func (s *Syncer) writeHostIf(p string, b []byte, mode os.FileMode, mtime time.Time, still func() bool) error {
	dst := s.hostPath(p)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".devenv-sync-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), mode|0o200), os.Chtimes(tmp.Name(), mtime, mtime)); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if !still() {
		os.Remove(tmp.Name())
		return errHostMoved
	}
	return os.Rename(tmp.Name(), dst)
}

// resolve handles a file changed on both sides: the same content is simply synced;
// different contents are both kept, beside the file, on both sides, and the file
// keeps the host's. It returns what still has to be pushed.
func (s *Syncer) resolve(ctx context.Context, p string, c FileStat) ([]string, error) {
	theirs, _, err := s.fetch(ctx, p)
	if err != nil {
		return nil, err
	}
	ours, err := os.ReadFile(s.hostPath(p))
	if err != nil {
		return nil, nil // gone since: the next sync sees that
	}
	if bytes.Equal(ours, theirs) {
		if h, ok := statHost(s.opt.Root, p); ok {
			s.st.Files[p] = Entry{Size: h.Size, Host: h.Mtime, Ctr: c.Mtime}
		}
		return nil, nil
	}
	now := s.opt.Now()
	stamp := now.Format("20060102-150405")
	hostCopy, ctrCopy := p+".conflict-host-"+stamp, p+".conflict-container-"+stamp
	mode := os.FileMode(0o644)
	if info, err := os.Stat(s.hostPath(p)); err == nil {
		mode = info.Mode().Perm()
	}
	if err := s.writeHost(hostCopy, ours, mode, now); err != nil {
		return nil, err
	}
	if err := s.writeHost(ctrCopy, theirs, mode, now); err != nil {
		return nil, err
	}
	s.st.Conflicts = append(s.st.Conflicts, Conflict{Path: p, HostCopy: hostCopy, ContainerCopy: ctrCopy, At: now})
	if s.opt.Notice != nil {
		fmt.Fprintf(s.opt.Notice, "devenv sync: %s changed on both sides: both kept, as %s and %s (%s holds the host's)\n", p, path.Base(hostCopy), path.Base(ctrCopy), path.Base(p))
	}
	return []string{p, hostCopy, ctrCopy}, nil
}

func (s *Syncer) hostPath(rel string) string {
	return filepath.Join(s.opt.Root, filepath.FromSlash(rel))
}

func ptr(s FileStat, ok bool) *FileStat {
	if !ok {
		return nil
	}
	return &s
}

func ptrE(e Entry, ok bool) *Entry {
	if !ok {
		return nil
	}
	return &e
}

func mapsKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func hostHas(host map[string]FileStat, p string) bool {
	_, ok := host[p]
	return ok
}

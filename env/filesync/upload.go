package filesync

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"maps"
	"path/filepath"
	"time"
)

// Upload is the first upload into an empty volume: one walk of the host tree that
// writes the tar stream as it goes, so reading the disk, sending and the engine's
// extraction overlap, and nothing on the other side is listed or compared (there is
// nothing there). Whatever the state said before belongs to a volume that is gone: it
// is dropped, never taken as files the container deleted.
func (s *Syncer) Upload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ig = newIgnore(s.opt.Root)
	s.st.Files = map[string]Entry{}
	s.st.Uploading = true
	if err := s.st.save(s.opt.StatePath); err != nil {
		return err
	}
	sent := map[string]Entry{}
	var dirs []string
	pr, pw := io.Pipe()
	go func() {
		// Big writes: the engine's API reads the stream in large chunks.
		bw := bufio.NewWriterSize(pw, 1<<20)
		tw := tar.NewWriter(bw)
		err := s.walkTar(tw, sent, &dirs)
		if err == nil {
			err = tw.Close()
		}
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	err := s.remote.Push(ctx, pr)
	pr.CloseWithError(errors.New("upload ended"))
	if err != nil {
		return s.interrupted(err)
	}
	s.dirs = dirs
	maps.Copy(s.st.Files, sent)
	s.pushed += len(sent)
	s.st.LastSync, s.st.Interrupted, s.st.Uploading = s.opt.Now(), "", false
	return s.st.save(s.opt.StatePath)
}

// walkTar writes every directory and regular file the sync carries, in walk order
// (a directory before what is in it), reading each directory's .gitignore as it
// enters it.
func (s *Syncer) walkTar(tw *tar.Writer, sent map[string]Entry, dirs *[]string) error {
	root := s.opt.Root
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // gone or unreadable since the walk began: the next sync sees it
		}
		rel := relSlash(root, p)
		if d.IsDir() {
			if rel != "" && s.ig.Match(rel, true) {
				return filepath.SkipDir
			}
			s.ig.addDir(root, rel)
			*dirs = append(*dirs, rel)
			if rel == "" {
				return nil // the volume's root: its owner was set when it was made
			}
			info, err := d.Info()
			if err != nil {
				return nil
			}
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: rel + "/", Mode: int64(info.Mode().Perm()), ModTime: info.ModTime().Truncate(time.Second), Uid: s.opt.UID, Gid: s.opt.GID})
		}
		if !d.Type().IsRegular() || s.ig.Match(rel, false) {
			return nil
		}
		return s.writeFile(tw, rel, sent)
	})
}

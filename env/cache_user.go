package env

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/devenv/devenv/env/engine"
)

// addUserLayer makes p.Tag from the shared image: the host user's passwd and group
// entries and home, as the user step of the Dockerfile (addUserScript) writes them,
// copied into a created container and committed. No step runs, so it takes a few
// engine calls instead of a container's start; the image carries labels, the
// project's path among them, only on this machine.
func addUserLayer(ctx context.Context, eng Engine, p *Project, shared string, labels map[string]string) error {
	id, err := eng.CreateContainer(ctx, engine.RunRequest{Image: shared, Cmd: []string{"/bin/sh"}, Platform: p.Spec.Platform})
	if err != nil {
		return fmt.Errorf("cannot add your user to %s: %w", shared, err)
	}
	defer func() {
		// Not the command's context: an interrupted devenv still removes it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
		defer cancel()
		_ = eng.RemoveContainer(rctx, id, true)
	}()
	if u := p.Spec.User; !u.IsRoot() {
		layer, err := userFiles(ctx, eng, id, u)
		if err != nil {
			return fmt.Errorf("cannot add your user to %s: %w", shared, err)
		}
		if err := eng.CopyTo(ctx, id, "/", bytes.NewReader(layer)); err != nil {
			return fmt.Errorf("cannot add your user to %s: %w", shared, err)
		}
	}
	if err := eng.CommitContainer(ctx, id, engine.CommitRequest{Tag: p.Tag, Labels: labels}); err != nil {
		return fmt.Errorf("cannot make %s from %s: %w", p.Tag, shared, err)
	}
	return nil
}

// userFiles is a tar stream of /etc/passwd and /etc/group with the user's entries
// added, and the user's home owned by them: what addUserScript does, in Go.
func userFiles(ctx context.Context, eng ArchiveEngine, ctr string, u User) ([]byte, error) {
	// One copy of /etc, not one per file: each copy mounts the container's file
	// system, which is most of what it costs.
	files, err := readEtc(ctx, eng, ctr, "passwd", "group")
	if err != nil {
		return nil, err
	}
	passwd, pmode := files["passwd"].body, files["passwd"].mode
	group, gmode := files["group"].body, files["group"].mode
	passwd, group = addUserEntries(passwd, group, u)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	for _, f := range []struct {
		name string
		mode int64
		body string
	}{{"etc/passwd", pmode, passwd}, {"etc/group", gmode, group}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg, ModTime: now}); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, f.body); err != nil {
			return nil, err
		}
	}
	// Parents first, as mkdir -p makes them (root's, 0755), then the home itself.
	home := strings.Trim(path.Clean(u.Home), "/")
	parts := strings.Split(home, "/")
	for i := range parts {
		hdr := &tar.Header{Name: strings.Join(parts[:i+1], "/") + "/", Mode: 0o755, Typeflag: tar.TypeDir, ModTime: now}
		if i == len(parts)-1 {
			hdr.Uid, hdr.Gid = u.UID, u.GID
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), tw.Close()
}

type etcFile struct {
	body string
	mode int64
}

// readEtc reads the named files of a created container's /etc; a missing one is
// empty, with the usual mode.
func readEtc(ctx context.Context, eng ArchiveEngine, ctr string, names ...string) (map[string]etcFile, error) {
	out := map[string]etcFile{}
	for _, n := range names {
		out[n] = etcFile{mode: 0o644}
	}
	rc, err := eng.CopyFrom(ctx, ctr, "/etc")
	var ne *engine.NotExistError
	if errors.As(err, &ne) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading /etc: %w", err)
		}
		name := strings.TrimPrefix(hdr.Name, "etc/")
		if _, want := out[name]; !want || hdr.Typeflag != tar.TypeReg {
			continue
		}
		body, err := io.ReadAll(io.LimitReader(tr, 16<<20))
		if err != nil {
			return nil, fmt.Errorf("reading /etc/%s: %w", name, err)
		}
		out[name] = etcFile{body: string(body), mode: hdr.Mode & 0o7777}
	}
}

// addUserEntries adds u to passwd and group as addUserScript does: a group for the
// GID unless one exists, a passwd entry for the UID unless one exists (named
// devenv-UID when the name is taken).
func addUserEntries(passwd, group string, u User) (string, string) {
	field := func(text string, n int, want string) bool {
		for _, line := range strings.Split(text, "\n") {
			if f := strings.Split(line, ":"); len(f) > n && f[n] == want {
				return true
			}
		}
		return false
	}
	appendLine := func(text, line string) string {
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		return text + line + "\n"
	}
	uid, gid := strconv.Itoa(u.UID), strconv.Itoa(u.GID)
	if !field(group, 2, gid) {
		group = appendLine(group, u.Name+":x:"+gid+":")
	}
	if !field(passwd, 2, uid) {
		name := u.Name
		if field(passwd, 0, name) {
			name = "devenv-" + uid
		}
		passwd = appendLine(passwd, fmt.Sprintf("%s:x:%s:%s:devenv user:%s:/bin/sh", name, uid, gid, u.Home))
	}
	return passwd, group
}

package env

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/devenv/devenv/env/filesync"
)

// engineRemote is the container's side of the sync: a helper container that holds
// the tree's volume at the workdir, reached with the engine's archive API (files in and
// out) and small commands run in it (listing, deleting). The commands are the POSIX
// shell, find and stat of any Debian or busybox image.
type engineRemote struct {
	eng       Engine
	container string
	dir       string
}

// The listing: the container's clock, then one line per regular file: size, mtime in
// seconds, raw mode in hex, name. A name with a newline in it is not synced.
const (
	listAll   = `cd "$1" && date +%s && find . -path ./.git -prune -o -type f -exec stat -c '%s %Y %f %n' {} + 2>/dev/null; true`
	listPaths = `cd "$1" && shift && date +%s && stat -c '%s %Y %f %n' -- "$@" 2>/dev/null; true`
	removeCmd = `cd "$1" && shift && rm -f -- "$@"`
	batch     = 500 // paths per command, well inside the engine's and the kernel's limits
)

func (r *engineRemote) run(ctx context.Context, script string, args []string) (string, error) {
	var out bytes.Buffer
	code, err := r.eng.Exec(ctx, r.container, append([]string{"sh", "-c", script, "sh", r.dir}, args...), "", nil, &out)
	if err != nil {
		return "", err
	}
	if code != 0 {
		return "", fmt.Errorf("the sync's command in the container exited with status %d: %s", code, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

func (r *engineRemote) List(ctx context.Context, paths []string) (map[string]filesync.FileStat, int64, error) {
	files := map[string]filesync.FileStat{}
	if paths == nil {
		out, err := r.run(ctx, listAll, nil)
		if err != nil {
			return nil, 0, err
		}
		now, err := parseListing(out, files)
		return files, now, err
	}
	var now int64
	for start := 0; start < len(paths); start += batch {
		out, err := r.run(ctx, listPaths, paths[start:min(start+batch, len(paths))])
		if err != nil {
			return nil, 0, err
		}
		if now, err = parseListing(out, files); err != nil {
			return nil, 0, err
		}
	}
	return files, now, nil
}

func parseListing(out string, files map[string]filesync.FileStat) (int64, error) {
	return filesync.ParseListing(out, "the container", files)
}

func (r *engineRemote) Push(ctx context.Context, tar io.Reader) error {
	return r.eng.CopyTo(ctx, r.container, r.dir, tar)
}

func (r *engineRemote) Pull(ctx context.Context, rel string) (io.ReadCloser, error) {
	return r.eng.CopyFrom(ctx, r.container, path.Join(r.dir, rel))
}

func (r *engineRemote) Remove(ctx context.Context, paths []string) error {
	for start := 0; start < len(paths); start += batch {
		if _, err := r.run(ctx, removeCmd, paths[start:min(start+batch, len(paths))]); err != nil {
			return err
		}
	}
	return nil
}

// hashCmd prints "HASH  NAME" per file (coreutils' and busybox's sha256sum alike).
const hashCmd = `cd "$1" && shift && sha256sum -- "$@" 2>/dev/null; true`

func (r *engineRemote) Hash(ctx context.Context, paths []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(paths); start += batch {
		text, err := r.run(ctx, hashCmd, paths[start:min(start+batch, len(paths))])
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(text, "\n") {
			sum, name, ok := strings.Cut(line, "  ")
			if ok && len(sum) == 64 {
				out[name] = sum
			}
		}
	}
	return out, nil
}

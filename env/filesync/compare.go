package filesync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
)

// sameContent settles, in bulk, the files present on both sides that the state
// cannot vouch for (no common ancestor: a state lost or a first upload cut short, or
// both sides changed): one hash per file on each side instead of fetching each file
// through the engine. Equal files are recorded as synced. After an upload cut short
// the host's file wins (the container's is a cut copy of it) and goes in pushes;
// what is left are real conflicts, for resolve.
func (s *Syncer) sameContent(ctx context.Context, paths []string, ctr map[string]FileStat) (conflicts, pushes []string, err error) {
	if len(paths) == 0 {
		return nil, nil, nil
	}
	theirs, err := s.remote.Hash(ctx, paths)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range paths {
		ours, ok := hashFile(s.hostPath(p))
		switch {
		case !ok:
			// Gone from the host since the scan: the next sync sees that.
		case ours == theirs[p]:
			if h, ok := statHost(s.opt.Root, p); ok {
				s.st.Files[p] = Entry{Size: h.Size, Host: h.Mtime, Ctr: ctr[p].Mtime}
				s.dirty = true
			}
		case s.st.Uploading:
			pushes = append(pushes, p)
		default:
			conflicts = append(conflicts, p)
		}
	}
	return conflicts, pushes, nil
}

func hashFile(path string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", false
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

package filesync

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Entry is one file as it was on both sides at the last sync: what each side's
// listing showed then. A side whose file no longer looks like this changed it.
type Entry struct {
	Size int64 `json:"s"`
	Host int64 `json:"h"` // host mtime, ns
	Ctr  int64 `json:"c"` // container mtime, s
}

// Conflict is a file changed on both sides between two syncs: both were kept.
type Conflict struct {
	Path          string    `json:"path"`
	HostCopy      string    `json:"host_copy"`
	ContainerCopy string    `json:"container_copy"`
	At            time.Time `json:"at"`
}

// State is what a project's sync remembers between syncs and between runs: the
// common ancestor of both sides, and what `devenv sync` shows.
type State struct {
	Root     string           `json:"root"`
	Endpoint string           `json:"endpoint"`
	Volume   string           `json:"volume"`
	LastSync time.Time        `json:"last_sync,omitzero"`
	Files    map[string]Entry `json:"files"`
	// Conflicts are the ones found so far, newest last.
	Conflicts []Conflict `json:"conflicts,omitempty"`
	// Interrupted is why the last sync did not finish ("" when it did): files changed
	// since LastSync on either side are still only there.
	Interrupted string `json:"interrupted,omitempty"`
	// Uploading: a first upload began and did not finish. The volume holds only what
	// the host sent (no command ran on it yet), so where both sides differ the host's
	// file is the whole one and the container's a cut copy.
	Uploading bool `json:"uploading,omitempty"`
}

// StatePath is where the state of root's sync with the engine at endpoint is kept,
// under dir (the user's cache directory for devenv).
func StatePath(dir, endpoint, root string) string {
	sum := sha256.Sum256([]byte(endpoint + "\x00" + root))
	return filepath.Join(dir, "sync", hex.EncodeToString(sum[:])[:20]+".json")
}

// LoadState reads the state at path; a missing file is an empty state.
func LoadState(path string) (*State, error) {
	st := &State{Files: map[string]Entry{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, err
	}
	if st.Files == nil {
		st.Files = map[string]Entry{}
	}
	return st, nil
}

// save writes the state whole or not at all.
func (st *State) save(path string) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// PendingHost lists the host's files that changed, appeared or went since the last
// sync (not ignored): what the next sync sends.
func PendingHost(root string, st *State) ([]string, error) {
	files, _, err := scan(root, newIgnore(root))
	if err != nil {
		return nil, err
	}
	var out []string
	for p, h := range files {
		if a, ok := st.Files[p]; !ok || a.Size != h.Size || a.Host != h.Mtime {
			out = append(out, p)
		}
	}
	for p := range st.Files {
		if _, ok := files[p]; !ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}

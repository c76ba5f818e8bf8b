// Package watch tells when a project's inputs change: devenv.toml and the dependency
// files, including files a glob will match once they exist and files an editor
// replaces by renaming over them. It watches the directories that hold the inputs,
// never the whole tree, so its cost does not grow with the repository. It knows
// nothing of Docker.
package watch

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Inputs are the files that shape a project's environment, as patterns relative to the
// project root with forward slashes: literal names and globs.
type Inputs struct {
	Root     string
	Patterns []string
}

// Dirs are the directories to watch for the inputs: each pattern's directory (for a
// glob, the part before the first wildcard). Missing ones are replaced by their nearest
// existing parent, so creating the directory is seen too.
func (in Inputs) Dirs() []string {
	seen := map[string]bool{}
	for _, p := range in.Patterns {
		dir := path.Dir(p)
		if i := strings.IndexAny(dir, "*?["); i >= 0 {
			dir = path.Dir(dir[:i] + "x")
		}
		full := filepath.Join(in.Root, filepath.FromSlash(dir))
		for {
			if st, err := os.Stat(full); err == nil && st.IsDir() {
				break
			}
			parent := filepath.Dir(full)
			if parent == full || !strings.HasPrefix(parent, in.Root) {
				full = in.Root
				break
			}
			full = parent
		}
		seen[full] = true
	}
	seen[in.Root] = true
	dirs := make([]string, 0, len(seen))
	for d := range seen {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return dirs
}

// Match reports whether a changed host path is one of the inputs, or a directory on
// the way to one (its creation may bring inputs with it).
func (in Inputs) Match(name string) (rel string, ok bool) {
	r, err := filepath.Rel(in.Root, name)
	if err != nil || strings.HasPrefix(r, "..") {
		return "", false
	}
	rel = filepath.ToSlash(r)
	if Ephemeral(path.Base(rel)) {
		return "", false
	}
	for _, p := range in.Patterns {
		if m, _ := path.Match(p, rel); m || p == rel {
			return rel, true
		}
		if strings.HasPrefix(p, rel+"/") {
			return rel, true
		}
	}
	return "", false
}

// Ephemeral reports whether a file name is an editor's or tool's temporary file,
// never an input in itself.
func Ephemeral(base string) bool {
	switch {
	case strings.HasSuffix(base, ".swp"), strings.HasSuffix(base, ".swx"), strings.HasSuffix(base, ".swo"):
		return true // vim swap files
	case base == "4913":
		return true // vim probes whether it may write in the directory
	case strings.HasSuffix(base, "~"):
		return true // vim and emacs backups
	case strings.HasPrefix(base, ".#"), strings.HasPrefix(base, "#") && strings.HasSuffix(base, "#"):
		return true // emacs locks and auto-saves
	case strings.HasPrefix(base, ".goutputstream-"):
		return true // GNOME's atomic saves
	case strings.HasSuffix(base, ".tmp"), strings.Contains(base, ".tmp."), strings.HasPrefix(base, ".~"):
		return true // JetBrains, npm and LibreOffice temporaries
	}
	return false
}

// Watcher delivers the inputs that changed.
type Watcher struct {
	fsw    *fsnotify.Watcher
	mu     sync.Mutex
	inputs Inputs
	dirs   map[string]bool
	events chan string
	errs   chan error
}

// New starts watching the inputs' directories.
func New(in Inputs) (*Watcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &Watcher{fsw: fsw, dirs: map[string]bool{}, events: make(chan string, 64), errs: make(chan error, 1)}
	if err := w.SetInputs(in); err != nil {
		fsw.Close()
		return nil, err
	}
	return w, nil
}

// SetInputs changes what is watched, as after devenv.toml changes.
func (w *Watcher) SetInputs(in Inputs) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inputs = in
	want := map[string]bool{}
	for _, d := range in.Dirs() {
		want[d] = true
	}
	for d := range w.dirs {
		if !want[d] {
			_ = w.fsw.Remove(d)
			delete(w.dirs, d)
		}
	}
	for d := range want {
		if w.dirs[d] {
			continue
		}
		if err := w.fsw.Add(d); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return err
		}
		w.dirs[d] = true
	}
	return nil
}

// WatchedDirs are the directories under watch now.
func (w *Watcher) WatchedDirs() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.dirs))
	for d := range w.dirs {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// Run delivers changed inputs (relative paths) on Events until ctx ends.
func (w *Watcher) Run(ctx context.Context) {
	defer w.fsw.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			w.mu.Lock()
			rel, match := w.inputs.Match(ev.Name)
			in := w.inputs
			w.mu.Unlock()
			if !match {
				continue
			}
			if ev.Has(fsnotify.Create) {
				// A directory on the way to an input appeared: watch deeper.
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					_ = w.SetInputs(in)
				}
			}
			select {
			case w.events <- rel:
			case <-ctx.Done():
				return
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			select {
			case w.errs <- err:
			default:
			}
		}
	}
}

// Events are the changed inputs, relative to the root.
func (w *Watcher) Events() <-chan string { return w.events }

// Errors are the watcher's own failures (an overflowing event queue, say).
func (w *Watcher) Errors() <-chan error { return w.errs }

// Clock is the time a Debouncer sees; tests give it a fake one so they never sleep.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// RealClock is the wall clock.
type RealClock struct{}

func (RealClock) Now() time.Time                         { return time.Now() }
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Debounce gathers changes that come in a burst (a branch switch touching ten
// manifests, an editor's write-rename-chmod) into one batch, delivered once quiet has
// passed without a new change, and at the latest maxWait after the first one.
func Debounce(ctx context.Context, in <-chan string, quiet, maxWait time.Duration, clock Clock) <-chan []string {
	out := make(chan []string)
	go func() {
		defer close(out)
		var batch []string
		seen := map[string]bool{}
		var quietC, maxC <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case name, ok := <-in:
				if !ok {
					return
				}
				if !seen[name] {
					seen[name] = true
					batch = append(batch, name)
				}
				quietC = clock.After(quiet)
				if maxC == nil {
					maxC = clock.After(maxWait)
				}
				continue
			case <-quietC:
			case <-maxC:
			}
			if len(batch) == 0 {
				continue
			}
			sort.Strings(batch)
			select {
			case out <- batch:
			case <-ctx.Done():
				return
			}
			batch, seen, quietC, maxC = nil, map[string]bool{}, nil, nil
		}
	}()
	return out
}

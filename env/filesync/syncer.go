package filesync

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// Remote is the container's side: a copy of the tree at the container's working
// directory, reached through the engine. Paths are relative to that directory,
// slash-separated.
type Remote interface {
	// List stats the given files (nil: every file) and says what time it is there, in
	// seconds; a file that does not exist is left out.
	List(ctx context.Context, paths []string) (files map[string]FileStat, now int64, err error)
	// Push extracts a tar stream whose names are relative to the directory.
	Push(ctx context.Context, tar io.Reader) error
	// Pull is a tar stream holding one file.
	Pull(ctx context.Context, rel string) (io.ReadCloser, error)
	// Remove deletes files.
	Remove(ctx context.Context, paths []string) error
	// Hash is the SHA-256 (hex) of each given file; a file that does not exist is
	// left out.
	Hash(ctx context.Context, paths []string) (map[string]string, error)
}

// Options describe one project's sync.
type Options struct {
	Root      string // the project on the host
	UID, GID  int    // who owns the files in the container
	StatePath string
	Endpoint  string
	Volume    string
	// Notice gets one line per conflict.
	Notice io.Writer
	Now    func() time.Time
}

// Syncer keeps Root and the Remote in step. Its methods are safe for concurrent use;
// one sync runs at a time.
type Syncer struct {
	opt    Options
	remote Remote

	mu      sync.Mutex // one cycle at a time; guards what follows
	st      *State
	ig      *Ignore
	dirs    []string        // the host's directories at the last full scan
	suspect map[string]bool // container files changed within the listing's second
	dirty   bool            // the state changed since it was last saved
	pushed  int
	pulled  int
}

// New loads the project's sync state.
func New(opt Options, remote Remote) (*Syncer, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	st, err := LoadState(opt.StatePath)
	if err != nil {
		return nil, fmt.Errorf("reading the sync state %s: %w (remove it to start the sync afresh)", opt.StatePath, err)
	}
	st.Root, st.Endpoint, st.Volume = opt.Root, opt.Endpoint, opt.Volume
	return &Syncer{opt: opt, remote: remote, st: st, ig: newIgnore(opt.Root), suspect: map[string]bool{}}, nil
}

// Counts says how many files went each way so far.
func (s *Syncer) Counts() (pushed, pulled int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pushed, s.pulled
}

// Full compares every file on both sides: the first upload, and the final sync.
func (s *Syncer) Full(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ig = newIgnore(s.opt.Root)
	// The host's walk and the container's listing are independent: both at once.
	type listing struct {
		files map[string]FileStat
		now   int64
		err   error
	}
	listed := make(chan listing, 1)
	go func() {
		files, now, err := s.remote.List(ctx, nil)
		listed <- listing{files, now, err}
	}()
	host, dirs, err := scan(s.opt.Root, s.ig)
	l := <-listed
	if err != nil {
		return err
	}
	s.dirs = dirs
	if l.err != nil {
		return s.interrupted(l.err)
	}
	s.forgetLostVolume(l.files)
	paths := unionKeys(host, l.files, s.st.Files)
	s.dirty = true // a full sync always records when it ran
	return s.apply(ctx, paths, host, l.files, l.now)
}

// forgetLostVolume drops the common ancestor when the container's side is empty
// while the state remembers files there: the volume was removed or emptied behind
// devenv's back (docker volume rm, another machine's engine). Taking that as the
// container deleting every file would delete the host's; instead the host's files go
// to the container again, as at a first upload.
func (s *Syncer) forgetLostVolume(ctr map[string]FileStat) {
	if len(ctr) == 0 && len(s.st.Files) > 0 {
		s.st.Files = map[string]Entry{}
		s.dirty = true
	}
}

// Container compares every file the container has changed since the last sync.
func (s *Syncer) Container(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctr, now, err := s.remote.List(ctx, nil)
	if err != nil {
		return s.interrupted(err)
	}
	s.forgetLostVolume(ctr)
	var paths []string
	for p := range unionKeys(ctr, nil, s.st.Files) {
		c, ok := ctr[p]
		a, had := s.st.Files[p]
		if s.suspect[p] || ok != had || (ok && (c.Size != a.Size || c.Mtime != a.Ctr)) {
			paths = append(paths, p)
		}
	}
	host := map[string]FileStat{}
	for _, p := range paths {
		if h, ok := statHost(s.opt.Root, p); ok {
			host[p] = h
		}
	}
	return s.apply(ctx, setOf(paths), host, ctr, now)
}

// Host compares the given host paths (files or directories) after the host changed
// them.
func (s *Syncer) Host(ctx context.Context, changed []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	paths := map[string]bool{}
	host := map[string]FileStat{}
	for _, p := range changed {
		if s.ig.Match(p, false) {
			continue
		}
		if h, ok := statHost(s.opt.Root, p); ok {
			host[p], paths[p] = h, true
			continue
		}
		// A directory: everything in it, as it is now and as it was.
		for q := range s.st.Files {
			if under(q, p) {
				paths[q] = true
			}
		}
		if sub, _, err := scanDir(s.opt.Root, p, s.ig); err == nil {
			for q, h := range sub {
				host[q], paths[q] = h, true
			}
		}
	}
	if len(paths) == 0 {
		return nil
	}
	ctr, now, err := s.remote.List(ctx, slices.Sorted(maps.Keys(paths)))
	if err != nil {
		return s.interrupted(err)
	}
	return s.apply(ctx, paths, host, ctr, now)
}

// interrupted records that the sync stopped half way: what was done is in the state,
// what was not is still where it was, on its own side.
func (s *Syncer) interrupted(err error) error {
	s.st.Interrupted = err.Error()
	_ = s.st.save(s.opt.StatePath)
	return err
}

// State is a copy of the sync's state.
func (s *Syncer) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := *s.st
	st.Files = maps.Clone(s.st.Files)
	st.Conflicts = slices.Clone(s.st.Conflicts)
	return st
}

func unionKeys(a, b map[string]FileStat, c map[string]Entry) map[string]bool {
	out := make(map[string]bool, len(a)+len(c))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	for k := range c {
		out[k] = true
	}
	return out
}

func setOf(paths []string) map[string]bool {
	out := make(map[string]bool, len(paths))
	for _, p := range paths {
		out[p] = true
	}
	return out
}

package filesync

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Timing of the loop: how long the host must be quiet before its changes go (an
// editor's save is several events), the longest a burst is held, and the container's
// polling interval, which grows with the listing's cost so a big tree is not listed
// back to back.
const (
	hostQuiet    = 25 * time.Millisecond
	hostMaxHold  = 250 * time.Millisecond
	pollInterval = 500 * time.Millisecond
)

// Loop syncs both ways until ctx ends: host changes as fsnotify reports them, the
// container's by listing it. Each sync's outcome goes to report (nil: it worked); the
// loop goes on after an error, since an engine that comes back is synced again, and
// the final sync says what was left.
func (s *Syncer) Loop(ctx context.Context, report func(error)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	s.mu.Lock()
	dirs := append([]string(nil), s.dirs...)
	s.mu.Unlock()
	for _, d := range dirs {
		_ = w.Add(s.hostPath(d)) // a directory gone since the scan: nothing to watch
	}
	// What the host changed between the first sync's walk and these watches has no
	// event: one more look at the host finds it.
	s.mu.Lock()
	missed, err := PendingHost(s.opt.Root, s.st)
	s.mu.Unlock()
	if err == nil && len(missed) > 0 {
		if err := s.Host(ctx, missed); ctx.Err() == nil {
			report(err)
		}
	}
	dirty := map[string]bool{}
	var first time.Time
	quiet := time.NewTimer(time.Hour)
	poll := time.NewTimer(pollInterval)
	defer quiet.Stop()
	defer poll.Stop()
	flush := func() {
		if len(dirty) == 0 {
			return
		}
		paths := make([]string, 0, len(dirty))
		for p := range dirty {
			paths = append(paths, p)
		}
		dirty, first = map[string]bool{}, time.Time{}
		err := s.Host(ctx, paths)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			// The engine did not answer (a dropped connection, a paused or restarting
			// engine): the host's changes wait for the next poll, not for the end.
			for _, p := range paths {
				dirty[p] = true
			}
		}
		report(err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			rel := relSlash(s.opt.Root, ev.Name)
			if rel == "" || isOwnTemp(rel) || s.ignored(rel) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				s.watchNew(w, ev.Name, rel)
			}
			dirty[rel] = true
			if first.IsZero() {
				first = time.Now()
			}
			wait := hostQuiet
			if rest := hostMaxHold - time.Since(first); rest < wait {
				wait = max(rest, 0)
			}
			quiet.Reset(wait)
		case <-w.Errors:
			// An overflow loses events: the next full listing of the container still
			// compares, and the final sync scans the whole host tree.
		case <-quiet.C:
			flush()
		case <-poll.C:
			flush()
			start := time.Now()
			if err := s.Container(ctx); ctx.Err() == nil {
				report(err)
			}
			poll.Reset(max(pollInterval, 4*time.Since(start)))
		}
	}
}

func (s *Syncer) ignored(rel string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ig.Match(rel, false)
}

// watchNew watches a directory created on the host, and the ones in it (made before
// the watch began).
func (s *Syncer) watchNew(w *fsnotify.Watcher, full, rel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, dirs, err := scanDir(s.opt.Root, rel, s.ig)
	if err != nil {
		return
	}
	for _, d := range dirs {
		_ = w.Add(s.hostPath(d))
	}
	_ = full
}

// isOwnTemp is a file the sync writes before renaming it into place.
func isOwnTemp(rel string) bool {
	return strings.Contains(filepath.Base(rel), ".devenv-sync-")
}

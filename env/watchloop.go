package env

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/watch"
)

// WatchOptions tune Watch.
type WatchOptions struct {
	Dir  string
	Host Host
	Info engine.Info
	// Out gets one line per event a person cares about.
	Out io.Writer
	// Progress, when set, gets every build's progress as plain lines.
	Progress io.Writer
	// Quiet is how long the files must stay still before a rebuild starts.
	Quiet time.Duration
	Clock watch.Clock
	// Started, when set, is called once the watcher is watching (tests, benchmarks).
	Started func(dirs []string)
	// OnEvent, when set, is told of each rebuild's start and end.
	OnEvent func(WatchEvent)
	// SyncTree: on an engine that cannot see the project, keep the tree's volume in
	// step both ways while watching (devenv watch). shell --watch leaves it to its
	// command, which syncs as any run does.
	SyncTree bool
}

// WatchEvent is a rebuild starting or ending.
type WatchEvent struct {
	Kind    WatchEventKind
	Project *Project // the project as of the change
	// Changed are the inputs changed since the last good image.
	Changed []string
	Err     error // for WatchFailed
}

// WatchEventKind tells rebuild events apart.
type WatchEventKind int

const (
	WatchRebuilding WatchEventKind = iota
	WatchReady
	WatchFailed
)

// Watch keeps the project's image in step with its inputs until ctx ends: on each
// change it recomputes the fingerprint and builds only when it moved; a change during
// a build cancels that build and starts again from the newest files; a failed build
// leaves the last good image in use.
func Watch(ctx context.Context, eng Engine, opt WatchOptions) error {
	if opt.Clock == nil {
		opt.Clock = watch.RealClock{}
	}
	if opt.Quiet == 0 {
		opt.Quiet = 100 * time.Millisecond
	}
	renderOpt := RenderOptionsFor(opt.Info)
	opt.Host = HostFor(opt.Host, opt.Info) // a rootless engine's root is the user (userns.go)
	p, err := LoadLockedProject(ctx, eng, opt.Dir, opt.Host, renderOpt)
	if err != nil {
		return err
	}
	w, err := watch.New(watch.Inputs{Root: p.Spec.Root, Patterns: p.Spec.WatchPatterns})
	if err != nil {
		return fmt.Errorf("cannot watch %s: %w", p.Spec.Root, err)
	}
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	go w.Run(watchCtx)
	batches := watch.Debounce(watchCtx, w.Events(), opt.Quiet, 10*opt.Quiet+time.Second, opt.Clock)

	say := func(format string, args ...any) { fmt.Fprintf(opt.Out, "devenv watch: "+format+"\n", args...) }
	// changedSince are the inputs changed since the last good image, in order.
	var changedSince []string
	event := func(kind WatchEventKind, p *Project, err error) {
		if opt.OnEvent != nil {
			opt.OnEvent(WatchEvent{Kind: kind, Project: p, Changed: append([]string(nil), changedSince...), Err: err})
		}
	}
	say("watching %s (%d directories); Ctrl-C to stop", strings.Join(p.Spec.WatchPatterns, ", "), len(w.WatchedDirs()))
	if opt.Started != nil {
		opt.Started(w.WatchedDirs())
	}

	type result struct {
		p       *Project
		err     error
		took    time.Duration
		skipped bool
		log     *bytes.Buffer
	}
	var (
		good        string // the last image known to be built
		building    *Project
		cancelBuild context.CancelFunc = func() {}
		done                           = make(chan result, 1)
		endSync     func()             // the tree's sync, once an image can hold it
	)
	// The sync's helper runs the project's image, so it starts with the first good
	// one and goes on across rebuilds (it only lists and moves files).
	syncTree := func(p *Project) {
		if !opt.SyncTree || endSync != nil {
			return
		}
		end, err := startSync(ctx, eng, p, RunOptions{Stderr: opt.Out})
		if err != nil {
			say("cannot sync the tree with the engine: %v", err)
			return
		}
		endSync = end
	}
	defer func() {
		if endSync != nil {
			endSync()
		}
	}()
	startBuild := func(p *Project) {
		bctx, cancel := context.WithCancel(ctx)
		building, cancelBuild = p, cancel
		log := &bytes.Buffer{}
		var progress io.Writer = log
		if opt.Progress != nil {
			progress = io.MultiWriter(log, opt.Progress)
		}
		go func() {
			start := time.Now()
			built, err := EnsureImage(bctx, eng, p, BuildOptions{Progress: progress, Plain: true, Info: opt.Info})
			done <- result{p: p, err: err, took: time.Since(start), skipped: !built, log: log}
		}()
	}
	if ok, err := eng.ImageExists(ctx, p.Tag); err != nil {
		return err
	} else if ok {
		good = p.Tag
		say("ready: %s is up to date", p.Tag)
		syncTree(p)
	} else {
		say("building %s", p.Tag)
		startBuild(p)
	}

	for {
		select {
		case <-ctx.Done():
			cancelBuild()
			if building != nil {
				<-done
			}
			say("stopped")
			return nil
		case err := <-w.Errors():
			say("watcher trouble: %v", err)
		case changed, ok := <-batches:
			if !ok {
				continue
			}
			say("changed: %s", strings.Join(changed, ", "))
			for _, c := range changed {
				if !slices.Contains(changedSince, c) {
					changedSince = append(changedSince, c)
				}
			}
			next, err := LoadLockedProject(ctx, eng, opt.Dir, opt.Host, renderOpt)
			if err != nil {
				say("%v", err)
				if good != "" {
					say("still using %s; fix it and save again", good)
				}
				continue
			}
			if err := w.SetInputs(watch.Inputs{Root: next.Spec.Root, Patterns: next.Spec.WatchPatterns}); err != nil {
				say("cannot watch the new inputs: %v", err)
			}
			if building != nil {
				if building.Tag == next.Tag {
					continue // the build under way already has these inputs
				}
				say("newer change: cancelling the build of %s", building.Tag)
				cancelBuild()
				<-done
				building = nil
			}
			if next.Tag == good {
				say("no change to the environment (%s)", good)
				changedSince = nil
				continue
			}
			if ok, err := eng.ImageExists(ctx, next.Tag); err == nil && ok {
				// Back to inputs built before (a branch switched back): nothing to build.
				good = next.Tag
				say("ready: %s (already built)", next.Tag)
				event(WatchReady, next, nil)
				changedSince = nil
				continue
			}
			say("rebuilding %s", next.Tag)
			event(WatchRebuilding, next, nil)
			startBuild(next)
		case r := <-done:
			building = nil
			switch {
			case r.err == nil && r.skipped:
				good = r.p.Tag
				say("ready: %s (already built)", r.p.Tag)
				event(WatchReady, r.p, nil)
				changedSince = nil
				syncTree(r.p)
			case r.err == nil:
				good = r.p.Tag
				say("ready: %s in %.1fs", r.p.Tag, r.took.Seconds())
				event(WatchReady, r.p, nil)
				changedSince = nil
				syncTree(r.p)
			case errors.Is(r.err, context.Canceled):
			default:
				say("build failed: %v", r.err)
				event(WatchFailed, r.p, r.err)
				if tail := lastLines(r.log.String(), 12); tail != "" && opt.Progress == nil {
					fmt.Fprintln(opt.Out, tail)
				}
				if good != "" {
					say("still using %s, the last good image", good)
				}
			}
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

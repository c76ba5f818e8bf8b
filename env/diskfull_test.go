package env

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/devenv/devenv/env/engine"
)

// The words may come split across the build's writes, in any case.
func TestNoSpaceWatch(t *testing.T) {
	var out bytes.Buffer
	w, watch := watchNoSpace(&out)
	for _, part := range []string{"#6 0.31 dd: error writing '/big': No space le", "ft on device\n"} {
		if _, err := w.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	if !watch.seen || !strings.Contains(out.String(), "No space left on device") {
		t.Errorf("seen %v, passed on %q", watch.seen, out.String())
	}
	_, quiet := watchNoSpace(&out)
	if _, _ = quiet.Write([]byte("#6 DONE 0.1s\n")); quiet.seen {
		t.Error("a build that did not run out of space was taken for one")
	}
}

func TestDiskFull(t *testing.T) {
	eng := imageFixture()
	eng.SetDetails(engine.Details{Endpoint: "tcp://elsewhere:2375", RootDir: "/var/lib/docker"})
	step := errors.New("building devenv/p:1 failed: a build step failed with exit code 1")

	err := DiskFull(t.Context(), eng, step, true)
	var full *DiskFullError
	if !errors.As(err, &full) || !errors.Is(err, step) {
		t.Fatalf("err = %v, want a DiskFullError wrapping the step's", err)
	}
	for _, want := range []string{"the engine ran out of space in its data root /var/lib/docker; devenv's images there: 7, 7kB (`devenv images --all`)", "`devenv clean`", "`devenv clean --all`"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "free now") {
		t.Errorf("%q: the free space of another machine's disk is not visible here", err)
	}
	// The engine's own error says it.
	layer := errors.New("failed to copy files: write /var/lib/docker/overlay2/x/diff/big: no space left on device")
	if !errors.As(DiskFull(t.Context(), eng, layer, false), &full) {
		t.Error("the engine's no-space error was not recognised")
	}
	// Anything else passes through untouched.
	for _, e := range []error{nil, step, context.Canceled} {
		if got := DiskFull(t.Context(), eng, e, false); got != e {
			t.Errorf("DiskFull(%v) = %v", e, got)
		}
	}
}

// clean prunes the build cache of devenv's steps whose images are gone, and nothing
// else: not another tool's steps, not a record an image or a build holds, not a
// package cache mount.
func TestCleanPrunesDevenvBuildCache(t *testing.T) {
	step := "mount / from exec /bin/sh -c if [ -f /run/devenv/ca.sh ]; then . /run/devenv/ca.sh; fi\ndd"
	eng := imageFixture()
	eng.SetBuildCache(
		engine.CacheRecord{ID: "gone", Type: "regular", Description: step, Size: 150},
		engine.CacheRecord{ID: "held", Type: "regular", Description: step, Shared: true, Size: 10},
		engine.CacheRecord{ID: "building", Type: "regular", Description: step, InUse: true, Size: 10},
		engine.CacheRecord{ID: "pipcache", Type: "exec.cachemount", Description: "cached mount /root/.cache/pip from exec " + step, Size: 10},
		engine.CacheRecord{ID: "theirs", Type: "regular", Description: "mount / from exec /bin/sh -c make", Size: 10},
	)
	q := ImageQuery{Root: "/p", CurrentRoot: "/p", CurrentFingerprint: "c0"}
	dry, err := Clean(t.Context(), eng, CleanOptions{ImageQuery: q, DryRun: true})
	if err != nil || dry.CacheFreed != 150 || len(eng.Calls("PruneBuildCache")) != 0 {
		t.Fatalf("dry run: %v, would free %d, pruned %v", err, dry.CacheFreed, eng.Calls("PruneBuildCache"))
	}
	rep, err := Clean(t.Context(), eng, CleanOptions{ImageQuery: q})
	if err != nil || rep.CacheFreed != 150 || strings.Join(eng.Did("PruneBuildCache"), ";") != "PruneBuildCache gone" {
		t.Errorf("clean: %v, freed %d, pruned %v", err, rep.CacheFreed, eng.Did("PruneBuildCache"))
	}
}

package env

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// A full disk on the engine's side shows up as a step that fails ("No space left on
// device" in its output) or as the engine's own error while it writes a layer. Either
// way the user needs one line: what is full, how much of it is devenv's, and what
// frees it. The build tags nothing until it succeeds, so nothing is left half-made.

// noSpace is the errno text on every Unix, in the engine's errors and in the output
// of a step that hit it.
const noSpace = "no space left on device"

// DiskFullError is a build or pull that ran out of space on the engine.
type DiskFullError struct {
	Msg string
	Err error // what the engine said
}

func (e *DiskFullError) Error() string { return e.Msg }
func (e *DiskFullError) Unwrap() error { return e.Err }

// noSpaceWatch passes a build's output on and notes whether it says a disk is full.
type noSpaceWatch struct {
	w    io.Writer
	tail string // the end of the last write: the words may be split across writes
	seen bool
}

func (n *noSpaceWatch) Write(p []byte) (int, error) {
	text := strings.ToLower(n.tail + string(p))
	if strings.Contains(text, noSpace) {
		n.seen = true
	}
	n.tail = text[max(0, len(text)-len(noSpace)):]
	return n.w.Write(p)
}

// watchNoSpace wraps a build's output in a noSpaceWatch. A terminal stays a file
// (with its Fd), so that BuildKit's display still draws on it.
func watchNoSpace(w io.Writer) (io.Writer, *noSpaceWatch) {
	watch := &noSpaceWatch{w: w}
	if f, ok := w.(*os.File); ok {
		return noSpaceFile{f, watch}, watch
	}
	return watch, watch
}

// noSpaceFile is a file whose writes pass through a noSpaceWatch.
type noSpaceFile struct {
	*os.File
	watch *noSpaceWatch
}

func (f noSpaceFile) Write(p []byte) (int, error) { return f.watch.Write(p) }

// DiskFull turns err into a DiskFullError when it (or, with seen, the build's output)
// says the engine's disk is full; otherwise it returns err.
func DiskFull(ctx context.Context, eng Engine, err error, seen bool) error {
	if err == nil || errors.Is(err, context.Canceled) || (!seen && !strings.Contains(strings.ToLower(err.Error()), noSpace)) {
		return err
	}
	// The build has ended: ask what is left with a context of its own.
	ctx = context.WithoutCancel(ctx)
	where := "its data root"
	if d, derr := eng.Details(ctx); derr == nil && d.RootDir != "" {
		where += " " + d.RootDir
		if total, free, ok := localFree(d.Endpoint, d.RootDir); ok {
			where += fmt.Sprintf(" (%s, %s free now)", FormatSize(total), FormatSize(free))
		}
	}
	ours := ""
	if images, lerr := ListImages(ctx, eng, ImageQuery{}); lerr == nil {
		var sum int64
		for _, im := range images {
			sum += im.Size
		}
		ours = fmt.Sprintf(": %d, %s", len(images), FormatSize(sum))
	}
	return &DiskFullError{Err: err, Msg: fmt.Sprintf("the engine ran out of space in %s; devenv's images there%s (`devenv images --all`): `devenv clean` removes this project's old ones and their build cache, `devenv clean --all` every devenv image", where, ours)}
}

// devenvCacheStep says whether a build cache record is one of devenv's build steps:
// every step devenv renders for BuildKit starts by reading its CA script.
func devenvCacheStep(description string) bool {
	return strings.Contains(description, caScriptPath)
}

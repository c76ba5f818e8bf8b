// Package iostreams holds devenv's standard streams and what is known about them:
// whether each is a terminal, raw mode, and the window size. Data goes to Out, status
// and progress to ErrOut. Test() gives buffers for tests.
package iostreams

import (
	"bytes"
	"context"
	"io"
	"os"

	"github.com/moby/term"
)

// IOStreams are devenv's standard streams.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inFd, outFd       uintptr
	inIsTTY, outIsTTY bool
	errIsTTY          bool
}

// System returns the process's own streams.
func System() *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	s.inFd, s.inIsTTY = term.GetFdInfo(os.Stdin)
	s.outFd, s.outIsTTY = term.GetFdInfo(os.Stdout)
	_, s.errIsTTY = term.GetFdInfo(os.Stderr)
	return s
}

// Test returns streams on buffers: stdin, stdout and stderr, in that order.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// IsStdinTTY reports whether stdin is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.inIsTTY }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outIsTTY }

// IsStderrTTY reports whether stderr is a terminal: live progress goes there.
func (s *IOStreams) IsStderrTTY() bool { return s.errIsTTY }

// Interactive reports whether a person sits at both ends: then a container gets a TTY.
func (s *IOStreams) Interactive() bool { return s.inIsTTY && s.outIsTTY }

// ColorEnabled reports whether status output may use colour.
func (s *IOStreams) ColorEnabled() bool {
	_, noColor := os.LookupEnv("NO_COLOR")
	return s.errIsTTY && !noColor && os.Getenv("TERM") != "dumb"
}

// MakeRaw puts the terminal in raw mode, so every key reaches the container, and
// returns the function that restores it. Callers defer it, so the terminal is restored
// on every way out.
func (s *IOStreams) MakeRaw() (restore func(), err error) {
	if !s.inIsTTY {
		return func() {}, nil
	}
	inState, err := term.SetRawTerminal(s.inFd)
	if err != nil {
		return nil, err
	}
	var outState *term.State
	if s.outIsTTY {
		outState, _ = term.SetRawTerminalOutput(s.outFd)
	}
	return func() {
		_ = term.RestoreTerminal(s.inFd, inState)
		if outState != nil {
			_ = term.RestoreTerminal(s.outFd, outState)
		}
	}, nil
}

// Size returns the terminal's height and width, or false when stdout is no terminal.
func (s *IOStreams) Size() ([2]uint, bool) {
	if !s.outIsTTY {
		return [2]uint{}, false
	}
	ws, err := term.GetWinsize(s.outFd)
	if err != nil || ws.Height == 0 {
		return [2]uint{}, false
	}
	return [2]uint{uint(ws.Height), uint(ws.Width)}, true
}

// WatchSize sends the terminal's size now and whenever it changes, until ctx ends.
func (s *IOStreams) WatchSize(ctx context.Context) <-chan [2]uint {
	ch := make(chan [2]uint, 1)
	if size, ok := s.Size(); ok {
		ch <- size
	}
	if s.outIsTTY {
		go s.watchSize(ctx, ch)
	}
	return ch
}

package main

import "io"

// A terminal that disappears (its window closed, its ssh session dropped) does not
// always send devenv a SIGHUP: started through `su -c`, devenv has no controlling
// terminal and only sees reads end and writes fail. In raw mode a terminal has no
// end of input, so either means the terminal is gone.

// ttyIn is the terminal's input; an end or an error of it is a hang-up.
type ttyIn struct {
	r      io.Reader
	hangup func()
}

func (t ttyIn) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && t.hangup != nil {
		t.hangup()
	}
	return n, err
}

// ttyOut is the terminal's output; an error writing to it is a hang-up.
type ttyOut struct {
	w      io.Writer
	hangup func()
}

func (t ttyOut) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	if err != nil && t.hangup != nil {
		t.hangup()
	}
	return n, err
}

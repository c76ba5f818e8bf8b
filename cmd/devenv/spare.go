package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
)

// spareCmdName is the hidden command devenv starts itself as, in the background,
// to start the next command's spare (env/spare.go); no person types it.
const spareCmdName = "__spare"

// newSpareCmd reads a spare's order on stdin and carries it out. It says nothing:
// its streams are nobody's, and a spare that cannot start only means that the next
// command starts its own container.
func newSpareCmd(f *factory) *cli.Command {
	return &cli.Command{
		Name:   spareCmdName,
		Hidden: true,
		Action: func(c *cli.Context) error {
			order, err := io.ReadAll(io.LimitReader(f.io.In, 1<<20))
			if err != nil {
				return err
			}
			eng, err := f.newEngine()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(c.Context, 2*time.Minute)
			defer cancel()
			return env.StartSpare(ctx, eng, order)
		},
	}
}

// spareLauncher starts devenv again as spareCmdName, detached in a session of its
// own (a hang-up or Ctrl-C of the terminal does not reach it, and devenv's exit does
// not wait for it), with the order on a pipe written before devenv goes on.
func spareLauncher(f *factory) func(order []byte) error {
	return func(order []byte) error {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		var args []string
		if f.engineContext != "" {
			args = append(args, "--context", f.engineContext)
		}
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		defer r.Close()
		cmd := exec.Command(exe, append(args, spareCmdName)...)
		cmd.Stdin = r
		cmd.SysProcAttr = detached()
		if err := cmd.Start(); err != nil {
			w.Close()
			return err
		}
		_, err = w.Write(order)
		w.Close()
		_ = cmd.Process.Release()
		return err
	}
}

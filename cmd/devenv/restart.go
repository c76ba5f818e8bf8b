package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
)

func newRestartCmd(f *factory, runF func(context.Context, *lifecycleOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "restart",
		Usage:     "restart this project's environment containers (a shell attached to one ends)",
		ArgsUsage: " ",
		Flags:     []cli.Flag{timeFlag},
		Action:    lifecycleAction(f, "restart", runF, restartRun),
	}
}

func restartRun(ctx context.Context, eng env.Engine, opts *lifecycleOptions) error {
	root, err := env.ProjectRoot(opts.dir)
	if err != nil {
		return err
	}
	done, err := env.Restart(ctx, eng, root, opts.timeout)
	report(opts.io, "restarted", done)
	if err == nil && len(done) == 0 {
		fmt.Fprintf(opts.io.ErrOut, "no environment containers for %s\n", root)
	}
	return err
}

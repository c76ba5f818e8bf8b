package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
)

func newRmCmd(f *factory, runF func(context.Context, *lifecycleOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Usage:     "remove this project's stopped environment containers (-f: running ones too)",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "remove running containers too, killing them"},
		},
		Action: lifecycleAction(f, "rm", runF, rmRun),
	}
}

func rmRun(ctx context.Context, eng env.Engine, opts *lifecycleOptions) error {
	root, err := env.ProjectRoot(opts.dir)
	if err != nil {
		return err
	}
	done, err := env.Remove(ctx, eng, root, opts.force)
	report(opts.io, "removed", done)
	if err == nil && len(done) == 0 {
		fmt.Fprintf(opts.io.ErrOut, "no environment containers for %s\n", root)
	}
	return err
}

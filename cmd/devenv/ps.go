package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type psOptions struct {
	io   *iostreams.IOStreams
	dir  string
	all  bool
	json bool
	now  func() time.Time
}

func newPsCmd(f *factory, runF func(context.Context, *psOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "ps",
		Usage:     "list this project's environment containers, running or stopped",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "list the environment containers of every project"},
			jsonFlag,
		},
		Action: engineAction(f, noArgs, func(c *cli.Context, dir string) (*psOptions, error) {
			return &psOptions{io: f.io, dir: dir, all: c.Bool("all"), json: c.Bool("json"), now: time.Now}, nil
		}, runF, psRun),
	}
}

func psRun(ctx context.Context, eng env.Engine, opts *psOptions) error {
	root := ""
	if !opts.all {
		var err error
		if root, err = env.ProjectRoot(opts.dir); err != nil {
			return fmt.Errorf("%w (or `devenv ps --all` for every project)", err)
		}
	}
	list, err := env.ListContainers(ctx, eng, root)
	if err != nil {
		return err
	}
	none := "no environment containers"
	if !opts.all {
		none += " for " + root
	}
	now := opts.now()
	return printListing(opts.io, listing{json: opts.json, all: opts.all, header: []string{"NAME", "IMAGE", "STATUS", "CREATED"}, none: none}, list,
		func(c env.EnvContainer) ([]string, string) {
			status := c.Status
			if c.Orphaned {
				status += " (devenv gone: devenv clean)"
			}
			return []string{c.Name, c.Image, status, ago(now, c.Created)}, c.Project
		})
}

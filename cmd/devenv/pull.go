package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type pullOptions struct {
	io       *iostreams.IOStreams
	dir      string
	ref      string // empty: the image key
	progress string
}

func newPullCmd(f *factory, runF func(context.Context, *pullOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "pull",
		Usage:     "pull the environment's prebuilt image, or REF, from its registry",
		ArgsUsage: "[REF]",
		Flags:     []cli.Flag{progressFlag},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return &usageError{fmt.Errorf("pull takes at most one image reference, like registry.example.com/team/app:1.0")}
			}
			dir, err := workingDir(c)
			if err != nil {
				return err
			}
			opts := &pullOptions{io: f.io, dir: dir, ref: c.Args().First(), progress: c.String("progress")}
			if err := checkProgress(opts.progress); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context, opts)
			}
			eng, err := f.newEngine()
			if err != nil {
				return err
			}
			return pullRun(c.Context, eng, opts)
		},
	}
}

func pullRun(ctx context.Context, eng env.Engine, opts *pullOptions) error {
	// With REF no project is needed; without it, devenv.toml's image key says what.
	var p *env.Project
	if opts.ref == "" {
		var err error
		p, err = env.LoadProject(opts.dir, env.CurrentHost(), env.RenderOptions{BuildKit: true})
		if err != nil {
			return err
		}
	}
	ref, err := env.PullRef(opts.ref, p)
	if err != nil {
		return err
	}
	if _, err := eng.Ping(ctx); err != nil {
		return err
	}
	return env.Pull(ctx, eng, ref, registryProgress(opts.io, opts.progress))
}

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type buildOptions struct {
	io       *iostreams.IOStreams
	dir      string
	rebuild  bool
	progress string
	frozen   bool
	spare    func(order []byte) error // starts the next command's spare (env/spare.go)
}

var progressFlag = &cli.StringFlag{Name: "progress", Value: "auto", Usage: "build output: `auto` (live on a terminal), plain, or quiet"}

func newBuildCmd(f *factory, runF func(context.Context, *buildOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "build",
		Usage:     "build the environment's image if devenv.toml or a dependency file changed",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "rebuild", Usage: "build even when an image for these inputs exists"},
			progressFlag,
			frozenFlag,
		},
		Action: engineAction(f, noArgs, func(c *cli.Context, dir string) (*buildOptions, error) {
			opts := &buildOptions{io: f.io, dir: dir, rebuild: c.Bool("rebuild"), progress: c.String("progress"), frozen: c.Bool("frozen"), spare: spareLauncher(f)}
			return opts, checkProgress(opts.progress)
		}, runF, buildRun),
	}
}

func checkProgress(mode string) error {
	switch mode {
	case "auto", "plain", "quiet":
		return nil
	}
	return &usageError{fmt.Errorf("--progress %q: use auto, plain or quiet", mode)}
}

func buildRun(ctx context.Context, eng env.Engine, opts *buildOptions) error {
	p, info, err := loadWithEngine(ctx, eng, opts.dir)
	if err != nil {
		return err
	}
	start := time.Now()
	bopt := buildOpts(opts.io, info, opts.rebuild, opts.progress)
	bopt.Frozen = opts.frozen
	built, err := env.EnsureImage(ctx, eng, p, bopt)
	if err != nil {
		return err
	}
	if built {
		fmt.Fprintf(opts.io.ErrOut, "built %s in %.1fs\n", p.Tag, time.Since(start).Seconds())
		env.SpareAfterBuild(ctx, eng, p, opts.spare)
	} else {
		fmt.Fprintf(opts.io.ErrOut, "%s is up to date\n", p.Tag)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type watchOptions struct {
	io       *iostreams.IOStreams
	dir      string
	progress string
	quiet    time.Duration
}

func newWatchCmd(f *factory, runF func(context.Context, *watchOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "watch",
		Usage:     "rebuild the environment whenever devenv.toml or a dependency file changes",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "progress", Value: "quiet", Usage: "build output: `quiet` (one line per event, the failing step's output on failure) or plain"},
			&cli.DurationFlag{Name: "debounce", Value: 100 * time.Millisecond, Usage: "how long files must stay still before a rebuild"},
		},
		Action: engineAction(f, noArgs, func(c *cli.Context, dir string) (*watchOptions, error) {
			opts := &watchOptions{io: f.io, dir: dir, progress: c.String("progress"), quiet: c.Duration("debounce")}
			if opts.progress != "quiet" && opts.progress != "plain" {
				return nil, &usageError{fmt.Errorf("--progress %q: use quiet or plain", opts.progress)}
			}
			return opts, nil
		}, runF, watchRun),
	}
}

func watchRun(ctx context.Context, eng env.Engine, opts *watchOptions) error {
	_, info, err := loadWithEngine(ctx, eng, opts.dir)
	if err != nil {
		return err
	}
	var progress io.Writer
	if opts.progress == "plain" {
		progress = opts.io.ErrOut
	}
	return env.Watch(ctx, eng, env.WatchOptions{
		Dir: opts.dir, Host: env.CurrentHost(), Info: info,
		Out: opts.io.ErrOut, Progress: progress, Quiet: opts.quiet, SyncTree: true,
	})
}

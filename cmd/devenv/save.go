package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type saveOptions struct {
	io       *iostreams.IOStreams
	dir      string
	output   string
	progress string
}

func newSaveCmd(f *factory, runF func(context.Context, *saveOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "save",
		Usage:     "write the environment (its image without your user, devenv.toml, devenv.lock) to one file for `devenv load` on a machine without the network",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "the bundle to write, like env.tar"},
			progressFlag,
		},
		Action: engineAction(f, noArgs, func(c *cli.Context, dir string) (*saveOptions, error) {
			opts := &saveOptions{io: f.io, dir: dir, output: c.String("output"), progress: c.String("progress")}
			if opts.output == "" {
				return nil, &usageError{fmt.Errorf("save needs -o FILE, like devenv save -o env.tar")}
			}
			if !filepath.IsAbs(opts.output) {
				opts.output = filepath.Join(dir, opts.output)
			}
			return opts, checkProgress(opts.progress)
		}, runF, saveRun),
	}
}

func saveRun(ctx context.Context, eng env.Engine, opts *saveOptions) error {
	p, info, err := loadWithEngine(ctx, eng, opts.dir)
	if err != nil {
		return err
	}
	res, err := env.SaveBundle(ctx, eng, p, opts.output, buildOpts(opts.io, info, false, opts.progress))
	if err != nil {
		return err
	}
	var size int64
	names := ""
	for _, f := range res.Files {
		size += f.Size
		names += " " + f.Name
	}
	fmt.Fprintf(opts.io.ErrOut, "saved %s (%.1f MB: %s and%s)\n", res.Path, float64(size)/1e6, res.Image, names[len(" image.tar"):])
	return nil
}

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type loadOptions struct {
	io     *iostreams.IOStreams
	dir    string
	bundle string
}

func newLoadCmd(f *factory, runF func(context.Context, *loadOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "load",
		Usage:     "check a bundle from `devenv save` and load it: its image into the engine, devenv.toml and devenv.lock into the project where it has none",
		ArgsUsage: "BUNDLE",
		Action: engineAction(f, func(c *cli.Context) error {
			if c.NArg() != 1 {
				return &usageError{fmt.Errorf("load takes one bundle, like devenv load env.tar")}
			}
			return nil
		}, func(c *cli.Context, dir string) (*loadOptions, error) {
			opts := &loadOptions{io: f.io, dir: dir, bundle: c.Args().First()}
			if !filepath.IsAbs(opts.bundle) {
				opts.bundle = filepath.Join(dir, opts.bundle)
			}
			return opts, nil
		}, runF, loadRun),
	}
}

func loadRun(ctx context.Context, eng env.Engine, opts *loadOptions) error {
	// Into the project devenv would find from here, else here.
	target := opts.dir
	if cfg, err := env.FindConfig(opts.dir); err == nil {
		target = filepath.Dir(cfg)
	}
	if _, err := eng.Ping(ctx); err != nil {
		return err
	}
	res, err := env.LoadBundle(ctx, eng, opts.bundle, target)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.io.ErrOut, "loaded %s\n", res.Image)
	if len(res.Wrote) > 0 {
		fmt.Fprintf(opts.io.ErrOut, "wrote %s in %s\n", strings.Join(res.Wrote, " and "), target)
	}
	if len(res.Kept) > 0 {
		fmt.Fprintf(opts.io.ErrOut, "kept your %s in %s: it differs from the bundle's, so the next build may not use the loaded image\n", strings.Join(res.Kept, " and "), target)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

// registryOptions are the options of push and pull: which project, and which image
// reference.
type registryOptions struct {
	io       *iostreams.IOStreams
	dir      string
	ref      string // empty: the image key
	progress string
	// push only: --cache pushes the shared image to the cache; --platform builds for
	// each platform listed.
	cache     bool
	platforms string
}

func newPushCmd(f *factory, runF func(context.Context, *registryOptions) error) *cli.Command {
	cmd := registryCmd(f, "push", "build the environment's image if it is stale and push it to a registry as REF (default: the image key), or with --cache to the shared cache", runF, pushRun)
	cmd.Flags = append(cmd.Flags,
		&cli.BoolFlag{Name: "cache", Usage: "push the shared image (without your user) to the cache devenv.toml or your config names, as REGISTRY/PATH/NAME:FINGERPRINT"},
		&cli.StringFlag{Name: "platform", Usage: "build one image for each platform, like linux/amd64,linux/arm64 (needs an engine that can)"},
	)
	return cmd
}

// registryCmd is push or pull, which take one REF at the most.
func registryCmd(f *factory, name, usage string, runF func(context.Context, *registryOptions) error, run func(context.Context, env.Engine, *registryOptions) error) *cli.Command {
	args := func(c *cli.Context) error {
		if c.NArg() > 1 {
			return &usageError{fmt.Errorf("%s takes at most one image reference, like registry.example.com/team/app:1.0", name)}
		}
		return nil
	}
	return &cli.Command{
		Name:      name,
		Usage:     usage,
		ArgsUsage: "[REF]",
		Flags:     []cli.Flag{progressFlag},
		Action: engineAction(f, args, func(c *cli.Context, dir string) (*registryOptions, error) {
			opts := &registryOptions{io: f.io, dir: dir, ref: c.Args().First(), progress: c.String("progress"), cache: c.Bool("cache"), platforms: c.String("platform")}
			if opts.cache && (opts.ref != "" || opts.platforms != "") {
				return nil, &usageError{fmt.Errorf("push --cache pushes to the cache under the image's fingerprint: it takes no REF or --platform")}
			}
			return opts, checkProgress(opts.progress)
		}, runF, run),
	}
}

func pushRun(ctx context.Context, eng env.Engine, opts *registryOptions) error {
	// Where to push is settled before the engine is asked anything.
	p, err := env.LoadProject(opts.dir, env.CurrentHost(), env.RenderOptions{BuildKit: true})
	if err != nil {
		return err
	}
	var platforms []string
	if opts.platforms != "" {
		if platforms, err = env.ParsePlatforms(opts.platforms); err != nil {
			return &usageError{err}
		}
	}
	if !opts.cache {
		if _, err := env.PushRef(opts.ref, p); err != nil {
			return err
		}
	}
	p, info, err := forEngine(ctx, eng, p)
	if err != nil {
		return err
	}
	build := buildOpts(opts.io, info, false, opts.progress)
	build.Progress = registryProgress(opts.io, opts.progress)
	if opts.cache {
		ref, err := env.PushCache(ctx, eng, p, build)
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.io.ErrOut, "pushed %s\n", ref)
		return nil
	}
	res, err := env.Push(ctx, eng, p, opts.ref, env.RenderOptionsFor(info), build, platforms...)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.io.ErrOut, "pushed %s (image %s)\n", res.Ref, res.Source)
	return nil
}

// registryProgress is where push and pull progress goes: stderr, redrawn in place
// when it is a terminal; plain lines with --progress plain; nowhere when quiet.
func registryProgress(ios *iostreams.IOStreams, progress string) io.Writer {
	switch progress {
	case "quiet":
		return io.Discard
	case "plain":
		return struct{ io.Writer }{ios.ErrOut} // hides the terminal behind it
	}
	return ios.ErrOut
}

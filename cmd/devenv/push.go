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
}

func newPushCmd(f *factory, runF func(context.Context, *registryOptions) error) *cli.Command {
	return registryCmd(f, "push", "build the environment's image if it is stale and push it to a registry as REF (default: the image key)", runF, pushRun)
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
			opts := &registryOptions{io: f.io, dir: dir, ref: c.Args().First(), progress: c.String("progress")}
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
	if _, err := env.PushRef(opts.ref, p); err != nil {
		return err
	}
	p, info, err := forEngine(ctx, eng, p)
	if err != nil {
		return err
	}
	build := buildOpts(opts.io, info, false, opts.progress)
	build.Progress = registryProgress(opts.io, opts.progress)
	res, err := env.Push(ctx, eng, p, opts.ref, env.RenderOptions{BuildKit: info.BuildKit}, build)
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

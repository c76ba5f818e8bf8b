package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type downOptions struct {
	io      *iostreams.IOStreams
	dir     string
	volumes bool
}

func newDownCmd(f *factory, runF func(context.Context, *downOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "down",
		Usage:     "stop and remove this project's services and their network (--volumes: their named volumes too)",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "volumes", Aliases: []string{"v"}, Usage: "also remove the services' named volumes, and the data in them"},
		},
		Action: engineAction(f, noArgsSaying("down takes no arguments: it acts on the project's services (use -C DIR for another project)"),
			func(c *cli.Context, dir string) (*downOptions, error) {
				return &downOptions{io: f.io, dir: dir, volumes: c.Bool("volumes")}, nil
			}, runF, downRun),
	}
}

func downRun(ctx context.Context, eng env.Engine, opts *downOptions) error {
	// Only the root is needed: a project whose devenv.toml is broken can still be
	// taken down.
	root, err := env.ProjectRoot(opts.dir)
	if err != nil {
		return err
	}
	res, err := env.Down(ctx, eng, root, opts.volumes)
	for _, c := range res.Containers {
		fmt.Fprintf(opts.io.ErrOut, "removed service container %s\n", c)
	}
	for _, n := range res.Networks {
		fmt.Fprintf(opts.io.ErrOut, "removed network %s\n", n)
	}
	for _, v := range res.Volumes {
		fmt.Fprintf(opts.io.ErrOut, "removed volume %s\n", v)
	}
	if err == nil && res.Empty() {
		fmt.Fprintf(opts.io.ErrOut, "no services running for %s: nothing to take down\n", root)
	}
	return err
}

// startServices starts the project's [services.NAME] before shell and run, so the
// environment finds them on its network.
func startServices(ctx context.Context, eng env.Engine, p *env.Project, build env.BuildOptions) error {
	if len(p.Spec.Services) == 0 {
		return nil
	}
	return env.StartServices(ctx, eng, p, env.ServiceOptions{
		Notice: build.Progress, Progress: build.Progress, Plain: build.Plain, BuildKit: build.Info.BuildKit,
	})
}

package main

import (
	"context"

	"github.com/devenv/devenv/env"
	"github.com/urfave/cli/v2"
)

func newPullCmd(f *factory, runF func(context.Context, *registryOptions) error) *cli.Command {
	return registryCmd(f, "pull", "pull the environment's prebuilt image, or REF, from its registry", runF, pullRun)
}

func pullRun(ctx context.Context, eng env.Engine, opts *registryOptions) error {
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
	return env.DiskFull(ctx, eng, env.Pull(ctx, eng, ref, registryProgress(opts.io, opts.progress)), false)
}

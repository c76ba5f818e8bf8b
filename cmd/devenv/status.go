package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type statusOptions struct {
	io   *iostreams.IOStreams
	dir  string
	json bool
}

func newStatusCmd(f *factory, runF func(context.Context, *statusOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "show the project's image and whether it is up to date, and if not, which input changed",
		ArgsUsage: " ",
		Flags:     []cli.Flag{jsonFlag},
		Action: engineAction(f, noArgs, func(c *cli.Context, dir string) (*statusOptions, error) {
			return &statusOptions{io: f.io, dir: dir, json: c.Bool("json")}, nil
		}, runF, statusRun),
	}
}

func statusRun(ctx context.Context, eng env.Engine, opts *statusOptions) error {
	p, _, err := loadWithEngine(ctx, eng, opts.dir)
	if err != nil {
		return err
	}
	st, err := env.ProjectStatus(ctx, eng, p)
	if err != nil {
		return err
	}
	if opts.json {
		return writeJSON(opts.io.Out, st)
	}
	out := opts.io.Out
	fmt.Fprintf(out, "project  %s\n", st.Project)
	fmt.Fprintf(out, "image    %s\n", st.Image)
	fmt.Fprintf(out, "base     %s\n", st.Base)
	for _, s := range st.Stacks {
		fmt.Fprintf(out, "stack    %s\n", s)
	}
	if st.Lock != "" {
		fmt.Fprintf(out, "lock     %s\n", st.Lock)
	}
	switch {
	case st.Fresh:
		fmt.Fprintf(out, "state    up to date\n")
	case st.LastBuilt == "":
		fmt.Fprintf(out, "state    not built yet (`devenv build` or `devenv shell` builds it)\n")
	case len(st.Changed) == 0:
		fmt.Fprintf(out, "state    %s (`devenv build` rebuilds)\n", st.Staleness())
	default:
		fmt.Fprintf(out, "state    stale: %s (`devenv build` rebuilds)\n", st.Staleness())
	}
	fmt.Fprintf(out, "files    %s\n", env.DescribeTree(ctx, eng, p))
	return nil
}

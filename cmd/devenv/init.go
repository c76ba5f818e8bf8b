package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type initOptions struct {
	io     *iostreams.IOStreams
	dir    string
	force  bool
	dryRun bool
}

func newInitCmd(f *factory, runF func(*initOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write a devenv.toml for this project, for the stacks its files show, saying what it found (--dry-run: print it)",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "replace an existing devenv.toml"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print the devenv.toml on stdout instead of writing it"},
		},
		Action: localAction(noArgsSaying("init takes no arguments (use -C DIR for another directory)"), func(c *cli.Context, dir string) (*initOptions, error) {
			return &initOptions{io: f.io, dir: dir, force: c.Bool("force"), dryRun: c.Bool("dry-run")}, nil
		}, runF, initRun),
	}
}

func initRun(opts *initOptions) error {
	plan, err := env.PlanInit(opts.dir)
	if err != nil {
		return err
	}
	plan.Explain(opts.io.ErrOut)
	if opts.dryRun {
		fmt.Fprint(opts.io.Out, plan.Text)
		return nil
	}
	path, err := plan.Write(opts.force)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.io.ErrOut, "wrote %s (template %s)\nnext: review it, then run `devenv shell`\n", path, plan.TemplateValue())
	return nil
}

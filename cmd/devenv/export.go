package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type exportOptions struct {
	io    *iostreams.IOStreams
	dir   string
	force bool
}

func newExportCmd(f *factory, runF func(*exportOptions) error) *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "write the environment in another tool's format",
		Subcommands: []*cli.Command{{
			Name:      "devcontainer",
			Usage:     "write .devcontainer/devcontainer.json and its Dockerfile, for VS Code and Codespaces",
			ArgsUsage: " ",
			Flags:     []cli.Flag{&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "replace existing .devcontainer files"}},
			Action: localAction(noArgsSaying("export devcontainer takes no arguments"), func(c *cli.Context, dir string) (*exportOptions, error) {
				return &exportOptions{io: f.io, dir: dir, force: c.Bool("force")}, nil
			}, runF, exportDevcontainerRun),
		}},
	}
}

func exportDevcontainerRun(opts *exportOptions) error {
	p, err := env.LoadProject(opts.dir, env.CurrentHost(), env.RenderOptions{BuildKit: true})
	if err != nil {
		return err
	}
	written, err := env.WriteDevcontainer(p.Spec, opts.force)
	if err != nil {
		return err
	}
	for _, w := range written {
		fmt.Fprintf(opts.io.ErrOut, "wrote %s\n", w)
	}
	fmt.Fprintln(opts.io.ErrOut, "open the folder in VS Code and choose \"Reopen in Container\"")
	return nil
}

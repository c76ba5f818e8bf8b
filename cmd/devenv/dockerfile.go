package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type dockerfileOptions struct {
	io     *iostreams.IOStreams
	dir    string
	output string
}

func newDockerfileCmd(f *factory, runF func(*dockerfileOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "dockerfile",
		Usage:     "print the Dockerfile devenv builds from devenv.toml (or write it with -o)",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the Dockerfile to `FILE` instead of printing it"},
		},
		Action: localAction(func(c *cli.Context) error {
			if c.NArg() > 0 {
				return &usageError{fmt.Errorf("dockerfile takes no arguments (did you mean -o %s?)", c.Args().First())}
			}
			return nil
		}, func(c *cli.Context, dir string) (*dockerfileOptions, error) {
			return &dockerfileOptions{io: f.io, dir: dir, output: c.String("output")}, nil
		}, runF, dockerfileRun),
	}
}

func dockerfileRun(opts *dockerfileOptions) error {
	p, err := env.LoadProject(opts.dir, env.CurrentHost(), env.RenderOptions{BuildKit: true})
	if err != nil {
		return err
	}
	if opts.output == "" || opts.output == "-" {
		_, err := fmt.Fprint(opts.io.Out, p.Dockerfile)
		return err
	}
	out := opts.output
	if !filepath.IsAbs(out) {
		out = filepath.Join(opts.dir, out) // -C DIR: as if started there
	}
	if err := env.WriteFileAtomic(out, []byte(p.Dockerfile), 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", opts.output, err)
	}
	fmt.Fprintf(opts.io.ErrOut, "wrote %s\n", out)
	return nil
}

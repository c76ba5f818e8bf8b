package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

// allow and deny: the user's word on what a devenv.toml may reach beyond its project
// (host mounts, host variables), as `direnv allow` and `direnv deny`.

type trustOptions struct {
	io  *iostreams.IOStreams
	dir string
}

func newAllowCmd(f *factory, runF func(*trustOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "allow",
		Usage:     "let this project's devenv.toml use what it asks for beyond the project (host mounts, pass_env), until it asks for something else",
		ArgsUsage: " ",
		Action: localAction(noArgsSaying("allow takes no arguments: it acts on the devenv.toml found from the current directory (or -C DIR)"),
			func(_ *cli.Context, dir string) (*trustOptions, error) { return &trustOptions{io: f.io, dir: dir}, nil }, runF, allowRun),
	}
}

func newDenyCmd(f *factory, runF func(*trustOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "deny",
		Usage:     "take back `devenv allow` for this project",
		ArgsUsage: " ",
		Action: localAction(noArgsSaying("deny takes no arguments: it acts on the devenv.toml found from the current directory (or -C DIR)"),
			func(_ *cli.Context, dir string) (*trustOptions, error) { return &trustOptions{io: f.io, dir: dir}, nil }, runF, denyRun),
	}
}

func allowRun(opts *trustOptions) error {
	p, err := env.LoadProject(opts.dir, env.CurrentHost(), env.RenderOptions{BuildKit: true})
	if err != nil {
		return err
	}
	asks, err := env.Allow(p.Spec)
	if err != nil {
		return err
	}
	if len(asks) == 0 {
		fmt.Fprintf(opts.io.ErrOut, "%s asks for nothing beyond the project: nothing to allow\n", p.Spec.ConfigPath)
		return nil
	}
	fmt.Fprintf(opts.io.ErrOut, "allowed %s to use:\n", p.Spec.ConfigPath)
	for _, a := range asks {
		fmt.Fprintf(opts.io.ErrOut, "  %s\n", a)
	}
	return nil
}

func denyRun(opts *trustOptions) error {
	// Only the project's place is needed: a devenv.toml that no longer parses can
	// still be denied.
	cfg, err := env.FindConfig(opts.dir)
	if err != nil {
		return err
	}
	root := filepath.Dir(cfg)
	was, err := env.Deny(env.CurrentHost().ConfigDir, root)
	if err != nil {
		return err
	}
	if !was {
		fmt.Fprintf(opts.io.ErrOut, "%s was not allowed: nothing to take back\n", cfg)
		return nil
	}
	fmt.Fprintf(opts.io.ErrOut, "denied %s: devenv asks again before it runs\n", cfg)
	return nil
}

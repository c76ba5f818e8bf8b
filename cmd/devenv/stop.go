package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

// lifecycleOptions are the options of stop, restart, kill and rm: which project, and
// how.
type lifecycleOptions struct {
	io      *iostreams.IOStreams
	dir     string
	timeout time.Duration // stop, restart
	signal  string        // kill
	force   bool          // rm
}

func newStopCmd(f *factory, runF func(context.Context, *lifecycleOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "stop",
		Usage:     "stop this project's running environment (SIGTERM, then SIGKILL after --time)",
		ArgsUsage: " ",
		Flags:     []cli.Flag{timeFlag},
		Action:    lifecycleAction(f, "stop", runF, stopRun),
	}
}

var timeFlag = &cli.IntFlag{Name: "time", Aliases: []string{"t"}, Value: 10, Usage: "`SECONDS` to wait for the container to stop before killing it"}

// lifecycleAction is the Action of stop, restart, kill and rm (the name).
func lifecycleAction(f *factory, name string, runF func(context.Context, *lifecycleOptions) error,
	run func(context.Context, env.Engine, *lifecycleOptions) error) cli.ActionFunc {
	args := noArgsSaying(name + " takes no arguments: it acts on the project's containers (use -C DIR for another project)")
	return engineAction(f, args, func(c *cli.Context, dir string) (*lifecycleOptions, error) {
		opts := &lifecycleOptions{io: f.io, dir: dir, signal: c.String("signal"), force: c.Bool("force")}
		if c.IsSet("time") || name == "stop" || name == "restart" {
			if c.Int("time") < 0 {
				return nil, &usageError{fmt.Errorf("--time %d: give the seconds to wait, 0 or more", c.Int("time"))}
			}
			opts.timeout = time.Duration(c.Int("time")) * time.Second
		}
		return opts, nil
	}, runF, run)
}

func stopRun(ctx context.Context, eng env.Engine, opts *lifecycleOptions) error {
	root, err := env.ProjectRoot(opts.dir)
	if err != nil {
		return err
	}
	done, err := env.Stop(ctx, eng, root, opts.timeout)
	report(opts.io, "stopped", done)
	if err == nil && len(done) == 0 {
		fmt.Fprintf(opts.io.ErrOut, "no running environment for %s\n", root)
	}
	return err
}

// report says, one line each, what was done to which container.
func report(ios *iostreams.IOStreams, what string, done []env.EnvContainer) {
	for _, c := range done {
		fmt.Fprintf(ios.ErrOut, "%s %s\n", what, c.Name)
	}
}

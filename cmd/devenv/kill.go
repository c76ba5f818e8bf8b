package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/sys/signal"
	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
)

func newKillCmd(f *factory, runF func(context.Context, *lifecycleOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "kill",
		Usage:     "send a signal (SIGKILL unless --signal) to this project's running environment",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "signal", Aliases: []string{"s"}, Value: "KILL", Usage: "the `SIGNAL` to send: a name (TERM, SIGHUP) or a number"},
		},
		Action: func(c *cli.Context) error {
			if err := checkSignal(c.String("signal")); err != nil {
				return err
			}
			return lifecycleAction(f, "kill", runF, killRun)(c)
		},
	}
}

// checkSignal refuses a signal the engine would not know, before anything is sent.
func checkSignal(s string) error {
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 65 {
		return nil
	}
	if _, ok := signal.SignalMap[strings.TrimPrefix(strings.ToUpper(s), "SIG")]; ok {
		return nil
	}
	return &usageError{fmt.Errorf("--signal %q: not a signal; use a name such as TERM, INT or KILL, or a number", s)}
}

func killRun(ctx context.Context, eng env.Engine, opts *lifecycleOptions) error {
	root, err := env.ProjectRoot(opts.dir)
	if err != nil {
		return err
	}
	done, err := env.Kill(ctx, eng, root, opts.signal)
	what := "killed"
	if sig := strings.TrimPrefix(strings.ToUpper(opts.signal), "SIG"); sig != "KILL" && sig != "9" {
		what = "sent SIG" + sig + " to"
		if _, err := strconv.Atoi(sig); err == nil {
			what = "sent signal " + sig + " to"
		}
	}
	report(opts.io, what, done)
	if err == nil && len(done) == 0 {
		fmt.Fprintf(opts.io.ErrOut, "no running environment for %s\n", root)
	}
	return err
}

package main

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type doctorOptions struct {
	io   *iostreams.IOStreams
	dir  string
	json bool
}

func newDoctorCmd(f *factory, runF func(context.Context, *doctorOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "doctor",
		Usage:     "check the engine, this project, certificates, proxies, disk space and file ownership, and say what to fix",
		ArgsUsage: " ",
		Flags:     []cli.Flag{jsonFlag},
		Action: action(noArgs, func(c *cli.Context, dir string) (*doctorOptions, error) {
			return &doctorOptions{io: f.io, dir: dir, json: c.Bool("json")}, nil
		}, func(c *cli.Context, opts *doctorOptions) error {
			if runF != nil {
				return runF(c.Context, opts)
			}
			// An engine that cannot even be made is what doctor reports first.
			eng, err := f.newEngine()
			return doctorRun(c.Context, eng, err, opts)
		}),
	}
}

func doctorRun(ctx context.Context, eng env.Engine, engErr error, opts *doctorOptions) error {
	rep := env.Doctor(ctx, eng, env.DoctorOptions{Dir: opts.dir, Host: env.CurrentHost(), GOOS: runtime.GOOS, EngineErr: engErr})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if opts.json {
		if err := writeJSON(opts.io.Out, rep); err != nil {
			return err
		}
	} else {
		writeFindings(opts.io, rep.Findings)
	}
	if rep.Problems > 0 {
		return fmt.Errorf("doctor found %s", plural(rep.Problems, "problem", "problems"))
	}
	if !opts.json {
		msg := "no problems found"
		if rep.Warnings > 0 {
			msg += ", " + plural(rep.Warnings, "warning", "warnings")
		}
		fmt.Fprintln(opts.io.ErrOut, msg)
	}
	return nil
}

// writeFindings prints one line per check, and under it what to do.
func writeFindings(ios *iostreams.IOStreams, findings []env.Finding) {
	width := 0
	for _, f := range findings {
		width = max(width, len(f.Check))
	}
	for _, f := range findings {
		fmt.Fprintf(ios.Out, "%-4s  %-*s  %s\n", f.Status, width, f.Check, f.Message)
		if f.Fix != "" {
			fmt.Fprintf(ios.Out, "%s  -> %s\n", strings.Repeat(" ", 4+2+width), f.Fix)
		}
	}
}

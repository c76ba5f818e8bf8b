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
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			dir, err := workingDir(c)
			if err != nil {
				return err
			}
			opts := &doctorOptions{io: f.io, dir: dir, json: c.Bool("json")}
			if runF != nil {
				return runF(c.Context, opts)
			}
			var deng env.DoctorEngine
			eng, engErr := f.newEngine()
			if engErr == nil {
				var ok bool
				if deng, ok = eng.(env.DoctorEngine); !ok {
					engErr = fmt.Errorf("this engine cannot describe itself")
				}
			}
			return doctorRun(c.Context, deng, engErr, opts)
		},
	}
}

func doctorRun(ctx context.Context, eng env.DoctorEngine, engErr error, opts *doctorOptions) error {
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
		return fmt.Errorf("doctor found %d %s", rep.Problems, plural(rep.Problems, "problem", "problems"))
	}
	if !opts.json {
		msg := "no problems found"
		if rep.Warnings > 0 {
			msg += fmt.Sprintf(", %d %s", rep.Warnings, plural(rep.Warnings, "warning", "warnings"))
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

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

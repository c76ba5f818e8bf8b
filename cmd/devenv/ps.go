package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type psOptions struct {
	io   *iostreams.IOStreams
	dir  string
	all  bool
	json bool
	now  func() time.Time
}

func newPsCmd(f *factory, runF func(context.Context, *psOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "ps",
		Usage:     "list this project's environment containers, running or stopped",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "list the environment containers of every project"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			dir, err := workingDir(c)
			if err != nil {
				return err
			}
			opts := &psOptions{io: f.io, dir: dir, all: c.Bool("all"), json: c.Bool("json"), now: time.Now}
			if runF != nil {
				return runF(c.Context, opts)
			}
			eng, err := containerEngine(f)
			if err != nil {
				return err
			}
			return psRun(c.Context, eng, opts)
		},
	}
}

func psRun(ctx context.Context, eng env.ContainerEngine, opts *psOptions) error {
	root := ""
	if !opts.all {
		var err error
		if root, err = env.ProjectRoot(opts.dir); err != nil {
			return fmt.Errorf("%w (or `devenv ps --all` for every project)", err)
		}
	}
	list, err := env.ListContainers(ctx, eng, root)
	if err != nil {
		return err
	}
	if opts.json {
		return writeJSON(opts.io.Out, list)
	}
	if len(list) == 0 {
		if opts.all {
			fmt.Fprintln(opts.io.ErrOut, "no environment containers")
		} else {
			fmt.Fprintf(opts.io.ErrOut, "no environment containers for %s\n", root)
		}
		return nil
	}
	tw := newTable(opts.io.Out)
	if opts.all {
		fmt.Fprintln(tw, "NAME\tIMAGE\tSTATUS\tCREATED\tPROJECT")
	} else {
		fmt.Fprintln(tw, "NAME\tIMAGE\tSTATUS\tCREATED")
	}
	now := opts.now()
	for _, c := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s", c.Name, c.Image, c.Status, ago(now, c.Created))
		if opts.all {
			fmt.Fprintf(tw, "\t%s", c.Project)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// containerEngine is the engine, for the commands that manage containers.
func containerEngine(f *factory) (env.ContainerEngine, error) {
	eng, err := f.newEngine()
	if err != nil {
		return nil, err
	}
	ce, ok := eng.(env.ContainerEngine)
	if !ok {
		return nil, fmt.Errorf("this engine cannot manage containers")
	}
	return ce, nil
}

// newTable writes aligned columns, as docker's own listings.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ago says how long before now t was, as docker does: "3 minutes ago".
func ago(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	unit := func(n int64, one string) string {
		if n == 1 {
			if one == "hour" {
				return "an hour ago"
			}
			return "1 " + one + " ago"
		}
		return fmt.Sprintf("%d %ss ago", n, one)
	}
	switch {
	case d < time.Second:
		return "just now"
	case d < time.Minute:
		return unit(int64(d/time.Second), "second")
	case d < time.Hour:
		return unit(int64(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return unit(int64(d/time.Hour), "hour")
	case d < 14*24*time.Hour:
		return unit(int64(d/(24*time.Hour)), "day")
	case d < 60*24*time.Hour:
		return unit(int64(d/(7*24*time.Hour)), "week")
	case d < 2*365*24*time.Hour:
		return unit(int64(d/(30*24*time.Hour)), "month")
	}
	return unit(int64(d/(365*24*time.Hour)), "year")
}

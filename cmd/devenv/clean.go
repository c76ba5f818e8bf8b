package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type cleanOptions struct {
	io     *iostreams.IOStreams
	dir    string
	all    bool
	dryRun bool
	json   bool
}

func newCleanCmd(f *factory, runF func(context.Context, *cleanOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "clean",
		Usage:     "remove this project's old images, keeping the current one (--all: every devenv image)",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Usage: "remove every devenv image of every project, the current ones included"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list what would be removed, remove nothing"},
			jsonFlag,
		},
		Action: engineAction(f, noArgs, func(c *cli.Context, dir string) (*cleanOptions, error) {
			return &cleanOptions{io: f.io, dir: dir, all: c.Bool("all"), dryRun: c.Bool("dry-run"), json: c.Bool("json")}, nil
		}, runF, cleanRun),
	}
}

func cleanRun(ctx context.Context, eng env.Engine, opts *cleanOptions) error {
	q, currentErr, err := imageQuery(ctx, eng, opts.dir, opts.all)
	if err != nil {
		return err
	}
	if currentErr != nil && !opts.all {
		// Without the current image, clean would remove the one in use tomorrow.
		return fmt.Errorf("cannot tell which image is current, so nothing was removed: %w; fix it, or `devenv clean --all` removes every devenv image", currentErr)
	}
	rep, err := env.Clean(ctx, eng, env.CleanOptions{ImageQuery: q, All: opts.all, DryRun: opts.dryRun})
	if rep == nil {
		return err
	}
	if opts.json {
		if jerr := writeJSON(opts.io.Out, rep); jerr != nil {
			return jerr
		}
		return err
	}
	verb := "removed"
	if opts.dryRun {
		verb = "would remove"
	}
	for _, c := range rep.Orphans {
		fmt.Fprintf(opts.io.Out, "%s container %s (its devenv is gone)\n", verb, c.Name)
	}
	trees := 0
	for _, t := range rep.Trees {
		for _, c := range t.Conflicts {
			fmt.Fprintf(opts.io.ErrOut, "devenv sync: %s\n", c)
		}
		switch {
		case t.Kept != "":
			fmt.Fprintf(opts.io.ErrOut, "kept volume %s: %s\n", t.Volume, t.Kept)
		case opts.dryRun:
			trees++
			fmt.Fprintf(opts.io.Out, "would remove volume %s, the synced tree of %s, once what is in it is synced back\n", t.Volume, t.Project)
		default:
			trees++
			fmt.Fprintf(opts.io.Out, "removed volume %s, the synced tree of %s (synced back first: %s came back)\n", t.Volume, t.Project, plural(t.Pulled, "file", "files"))
		}
	}
	for _, im := range rep.Removed {
		line := fmt.Sprintf("%s %s (%s)", verb, imageLabel(im), env.FormatSize(im.Size))
		if opts.all {
			line += " of " + im.Project
		}
		fmt.Fprintln(opts.io.Out, line)
	}
	if rep.CacheFreed > 0 {
		fmt.Fprintf(opts.io.Out, "%s %s of build cache of devenv's removed images\n", verb, env.FormatSize(rep.CacheFreed))
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(opts.io.ErrOut, "kept %s: %s\n", imageLabel(s.EnvImage), s.Reason)
	}
	switch {
	case len(rep.Removed) == 0 && len(rep.Orphans)+trees > 0:
		// The containers are listed above; no image to add.
	case len(rep.Removed) == 0 && opts.all:
		fmt.Fprintln(opts.io.ErrOut, "no devenv images to remove")
	case len(rep.Removed) == 0:
		fmt.Fprintf(opts.io.ErrOut, "nothing to clean for %s\n", q.Root)
	case opts.dryRun:
		fmt.Fprintf(opts.io.ErrOut, "would remove %s, %s; nothing was removed (run without --dry-run to remove them)\n", plural(len(rep.Removed), "image", "images"), env.FormatSize(rep.Freed))
	default:
		fmt.Fprintf(opts.io.ErrOut, "removed %s, %s\n", plural(len(rep.Removed), "image", "images"), env.FormatSize(rep.Freed))
	}
	return err
}

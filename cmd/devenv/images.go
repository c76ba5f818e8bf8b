package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type imagesOptions struct {
	io   *iostreams.IOStreams
	dir  string
	all  bool
	json bool
	now  func() time.Time
}

func newImagesCmd(f *factory, runF func(context.Context, *imagesOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "images",
		Usage:     "list the images devenv built for this project, marking the current one",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "list the devenv images of every project"},
			jsonFlag,
		},
		Action: engineAction(f, noArgs, func(c *cli.Context, dir string) (*imagesOptions, error) {
			return &imagesOptions{io: f.io, dir: dir, all: c.Bool("all"), json: c.Bool("json"), now: time.Now}, nil
		}, runF, imagesRun),
	}
}

// imageQuery works out whose images to list and which one is current. Without all,
// dir must be in a project; a devenv.toml that does not load leaves the current image
// unknown (currentErr says why) but the project's images listable.
func imageQuery(ctx context.Context, eng env.Engine, dir string, all bool) (q env.ImageQuery, currentErr, err error) {
	root, err := env.ProjectRoot(dir)
	var nf *env.NotFoundError
	switch {
	case errors.As(err, &nf) && all:
		return q, nil, nil // no project here: nothing is current
	case err != nil:
		return q, nil, err
	}
	if !all {
		q.Root = root
	}
	if _, err := env.LoadProject(dir, env.CurrentHost(), env.RenderOptions{BuildKit: true}); err != nil {
		return q, err, nil
	}
	p, _, err := loadWithEngine(ctx, eng, dir)
	if err != nil {
		return q, nil, err
	}
	q.CurrentRoot, q.CurrentFingerprint = p.Spec.Root, p.Fingerprint
	return q, nil, nil
}

func imagesRun(ctx context.Context, eng env.Engine, opts *imagesOptions) error {
	q, currentErr, err := imageQuery(ctx, eng, opts.dir, opts.all)
	if err != nil {
		return err
	}
	if currentErr != nil {
		fmt.Fprintf(opts.io.ErrOut, "devenv: cannot tell which image is current: %v\n", currentErr)
	}
	list, err := env.ListImages(ctx, eng, q)
	if err != nil {
		return err
	}
	none := "no devenv images"
	if !opts.all {
		none += " for " + q.Root + " (`devenv build` builds one)"
	}
	now := opts.now()
	return printListing(opts.io, listing{json: opts.json, all: opts.all, header: []string{"TAG", "CURRENT", "SIZE", "CREATED"}, none: none}, list,
		func(im env.EnvImage) ([]string, string) {
			current := ""
			if im.Current {
				current = "yes"
			}
			return []string{imageLabel(im), current, env.FormatSize(im.Size), ago(now, im.Created)}, im.Project
		})
}

// imageLabel names an image for a person: its devenv tag, or its short ID when the
// tag has moved on.
func imageLabel(im env.EnvImage) string {
	if im.Tag != "<none>" {
		return im.Tag
	}
	id := im.ID
	if len(id) > 19 && id[:7] == "sha256:" {
		id = id[7:19]
	}
	return "<none> (" + id + ")"
}

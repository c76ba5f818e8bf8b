package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

type syncOptions struct {
	io   *iostreams.IOStreams
	dir  string
	json bool
}

func newSyncCmd(f *factory, runF func(context.Context, *syncOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "sync",
		Usage:     "show how the project's files reach the container and, on an engine that cannot see them, the sync's state: last sync, pending changes, conflicts",
		ArgsUsage: " ",
		Flags:     []cli.Flag{jsonFlag},
		Action: engineAction(f, noArgs, func(c *cli.Context, dir string) (*syncOptions, error) {
			return &syncOptions{io: f.io, dir: dir, json: c.Bool("json")}, nil
		}, runF, syncRun),
	}
}

func syncRun(ctx context.Context, eng env.Engine, opts *syncOptions) error {
	p, _, err := loadWithEngine(ctx, eng, opts.dir)
	if err != nil {
		return err
	}
	r, err := env.Sync(ctx, eng, p)
	if err != nil {
		return err
	}
	if opts.json {
		return writeJSON(opts.io.Out, r)
	}
	out := opts.io.Out
	if r.Access.Mode != env.SyncedVolume {
		fmt.Fprintf(out, "mode       %s (%s): nothing to sync\n", r.Access.Mode, r.Access.Why)
		return nil
	}
	fmt.Fprintf(out, "mode       synced volume %s on %s (%s)\n", r.Volume, r.Access.Endpoint, r.Access.Why)
	if !r.Synced && r.Interrupted != "" {
		fmt.Fprintf(out, "last sync  never finished: the first upload was interrupted (%s); the host's files are as they were, and the next devenv run or shell resumes it\n", r.Interrupted)
		return nil
	}
	if !r.Synced {
		fmt.Fprintf(out, "last sync  never: the next devenv run or shell uploads the tree\n")
		return nil
	}
	fmt.Fprintf(out, "last sync  %s (%s), %s\n", r.Last.Local().Format(time.DateTime), ago(time.Now(), r.Last), plural(r.Files, "file", "files"))
	if r.Interrupted != "" {
		fmt.Fprintf(out, "interrupted  %s: each side keeps its changes; the next devenv run or shell syncs them\n", r.Interrupted)
	}
	switch n := len(r.Pending); {
	case n == 0:
		fmt.Fprintf(out, "pending    none on this machine (the container's changes are compared at the next sync)\n")
	default:
		shown := r.Pending[:min(n, 5)]
		more := ""
		if n > len(shown) {
			more = fmt.Sprintf(" and %d more", n-len(shown))
		}
		fmt.Fprintf(out, "pending    %s here not yet in the container: %s%s\n", plural(n, "change", "changes"), strings.Join(shown, ", "), more)
	}
	if len(r.Conflicts) == 0 {
		fmt.Fprintf(out, "conflicts  none\n")
	}
	for _, c := range r.Conflicts {
		fmt.Fprintf(out, "conflict   %s changed on both sides %s: kept as %s and %s\n", c.Path, ago(time.Now(), c.At), c.HostCopy, c.ContainerCopy)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/iostreams"
)

type lockOptions struct {
	io       *iostreams.IOStreams
	dir      string
	update   bool
	progress string
}

// frozenFlag is --frozen on build, run and shell: build only what devenv.lock names.
var frozenFlag = &cli.BoolFlag{Name: "frozen", Usage: "build only what devenv.lock names, and refuse when it does not match devenv.toml (on by default under CI=true when there is a lock)"}

func newLockCmd(f *factory, runF func(context.Context, *lockOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "lock",
		Usage:     "write devenv.lock: the base image's digest and each OS package's exact version, which builds then install",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "update", Usage: "resolve everything again (the base tag's image, the newest packages) and say what moved"},
			progressFlag,
		},
		Action: engineAction(f, noArgs, func(c *cli.Context, dir string) (*lockOptions, error) {
			opts := &lockOptions{io: f.io, dir: dir, update: c.Bool("update"), progress: c.String("progress")}
			return opts, checkProgress(opts.progress)
		}, runF, lockRun),
	}
}

func lockRun(ctx context.Context, eng env.Engine, opts *lockOptions) error {
	p, info, err := loadWithEngine(ctx, eng, opts.dir)
	if err != nil {
		if !opts.update {
			return err
		}
		// A lock this devenv cannot read is what --update is for: read the project
		// without it.
		if p, err = env.LoadProject(opts.dir, env.CurrentHost(), env.RenderOptions{BuildKit: true}); err != nil {
			return err
		}
		if p, info, err = forEngineUnlocked(ctx, eng, p); err != nil {
			return err
		}
	}
	path := env.LockPath(p.Spec.Root)
	name := filepath.Base(path)
	old, had, err := env.ReadLock(path)
	if err != nil {
		fmt.Fprintf(opts.io.ErrOut, "devenv: %v; writing it anew\n", err)
		old, had = nil, false
	}
	// Without --update, a lock that still describes devenv.toml stays as it is, even
	// when upstream moved past it: moving it is --update's job.
	if pins := p.Spec.Pins; had && !opts.update && pins != nil && len(pins.Differs) == 0 {
		fmt.Fprintf(opts.io.ErrOut, "%s is up to date with devenv.toml (`devenv lock --update` moves it to what is newest)\n", name)
		if pins.Moved != "" {
			fmt.Fprintf(opts.io.ErrOut, "devenv: %s: `devenv lock --update` moves the lock to it\n", pins.Moved)
		}
		return nil
	}
	bopt := buildOpts(opts.io, info, false, opts.progress)
	lock, err := env.MakeLock(ctx, eng, p, old, env.LockOptions{Progress: bopt.Progress, Plain: bopt.Plain, Info: info})
	if err != nil {
		return err
	}
	changes := env.DiffLocks(old, lock)
	if err := lock.Write(path); err != nil {
		return err
	}
	switch {
	case !had:
		e := lock.Platforms[0]
		base := e.BaseDigest
		if base == "" {
			base = e.BaseID + " (a local image without a registry digest: pinned by its ID)"
		}
		fmt.Fprintf(opts.io.Out, "base %s %s\n", lock.Inputs.Base, base)
		for _, k := range sortedNames(e.Packages) {
			fmt.Fprintf(opts.io.Out, "package %s %s\n", k, e.Packages[k])
		}
		fmt.Fprintf(opts.io.ErrOut, "wrote %s for %s: %s (and %s pulled in); commit it\n", name, e.Platform,
			plural(len(e.Packages), "package", "packages"), plural(len(e.Pulled), "package", "packages"))
	case len(changes) == 0:
		fmt.Fprintf(opts.io.ErrOut, "%s: nothing moved\n", name)
	default:
		for _, c := range changes {
			fmt.Fprintln(opts.io.Out, c)
		}
		fmt.Fprintf(opts.io.ErrOut, "updated %s: %s; commit it\n", name, plural(len(changes), "change", "changes"))
	}
	return nil
}

// forEngineUnlocked is forEngine for a project whose lock cannot be read.
func forEngineUnlocked(ctx context.Context, eng env.Engine, p *env.Project) (*env.Project, engine.Info, error) {
	info, err := eng.Ping(ctx)
	if err != nil {
		return nil, info, err
	}
	if ropt := env.RenderOptionsFor(info); !ropt.BuildKit {
		p, err = env.NewProject(p.Spec, ropt)
	}
	return p, info, err
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

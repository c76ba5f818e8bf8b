package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/iostreams"
)

type runOptions struct {
	io       *iostreams.IOStreams
	dir      string
	cmd      []string // empty: the shell
	rebuild  bool
	progress string
	noTTY    bool
	watch    bool
	frozen   bool
}

var runFlags = []cli.Flag{
	&cli.BoolFlag{Name: "rebuild", Usage: "build the image first even when it is up to date"},
	&cli.BoolFlag{Name: "no-tty", Aliases: []string{"T"}, Usage: "no terminal in the container even when devenv has one"},
	progressFlag,
	frozenFlag,
	&cli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Usage: "rebuild in the background while the shell runs when devenv.toml or a dependency file changes (on_change says what then)"},
}

func newShellCmd(f *factory, runF func(context.Context, *runOptions) error) *cli.Command {
	return runCmd(f, "shell", "open a shell in the environment, in the directory you stand in", " ", func(c *cli.Context) error {
		if c.NArg() > 0 {
			return &usageError{fmt.Errorf("shell takes no arguments: to run a command use `devenv run -- %s`", c.Args().First())}
		}
		return nil
	}, runF)
}

func newRunCmd(f *factory, runF func(context.Context, *runOptions) error) *cli.Command {
	cmd := runCmd(f, "run", "run a command in the environment: devenv run -- CMD [ARGS...]", "-- CMD [ARGS...]", func(c *cli.Context) error {
		if c.NArg() == 0 {
			return &usageError{fmt.Errorf("run needs a command: devenv run -- CMD [ARGS...]")}
		}
		return nil
	}, runF)
	cmd.OnUsageError = func(c *cli.Context, err error, _ bool) error {
		return &usageError{fmt.Errorf("%v: put -- before a command that has flags, as in `devenv run -- ls -la`", err)}
	}
	return cmd
}

// runCmd is shell or run: the arguments are the command to run, and none is the shell.
func runCmd(f *factory, name, usage, argsUsage string, args argsCheck, runF func(context.Context, *runOptions) error) *cli.Command {
	return &cli.Command{
		Name:      name,
		Usage:     usage,
		ArgsUsage: argsUsage,
		Flags:     runFlags,
		Action: engineAction(f, args, func(c *cli.Context, dir string) (*runOptions, error) {
			opts := &runOptions{io: f.io, dir: dir, rebuild: c.Bool("rebuild"), progress: c.String("progress"), noTTY: c.Bool("no-tty"), watch: c.Bool("watch"), frozen: c.Bool("frozen")}
			if c.NArg() > 0 {
				opts.cmd = c.Args().Slice()
			}
			return opts, checkProgress(opts.progress)
		}, runF, func(ctx context.Context, eng env.Engine, opts *runOptions) error {
			return runRun(ctx, eng, f, opts)
		}),
	}
}

func runRun(ctx context.Context, eng env.Engine, f *factory, opts *runOptions) error {
	p, info, err := loadWithEngine(ctx, eng, opts.dir)
	if err != nil {
		return err
	}
	// Before any build: a project not allowed what it asks for gets nothing.
	if err := env.CheckTrust(p.Spec); err != nil {
		return err
	}
	build := buildOpts(opts.io, info, opts.rebuild, opts.progress)
	build.Frozen = opts.frozen
	if _, err := env.EnsureImage(ctx, eng, p, build); err != nil {
		return err
	}
	if err := startServices(ctx, eng, p, build); err != nil {
		return err
	}
	if env.HasHooks(p.Spec) {
		// Hooks apart from the command run before the terminal goes raw: a Ctrl-C is
		// then a signal, which ends a hanging one.
		f.forwardSignals(true)
		defer f.forwardSignals(false)
		if err := env.Prepare(ctx, eng, p, env.RunOptions{Cwd: opts.dir, Stderr: opts.io.ErrOut, Signals: f.signals}); err != nil {
			return err
		}
	}
	tty := opts.io.Interactive() && !opts.noTTY
	runOpts := env.RunOptions{
		Cmd:    opts.cmd,
		Cwd:    opts.dir,
		TTY:    tty,
		Stdin:  opts.io.In,
		Stdout: opts.io.Out,
		Stderr: opts.io.ErrOut,
	}
	if tty {
		restore, err := opts.io.MakeRaw()
		if err != nil {
			return fmt.Errorf("cannot put the terminal in raw mode: %w (try --no-tty)", err)
		}
		defer restore()
		sizeCtx, stop := context.WithCancel(ctx)
		defer stop()
		runOpts.Resize = opts.io.WatchSize(sizeCtx)
		runOpts.Stdin = ttyIn{opts.io.In, f.hangup}
		runOpts.Stdout = ttyOut{opts.io.Out, f.hangup}
	}
	// From here the container decides how a Ctrl-C or a SIGTERM ends it.
	f.forwardSignals(true)
	defer f.forwardSignals(false)
	runOpts.Signals = f.signals
	runOpts.LaunchSpare = spareLauncher(f)
	return env.RunShell(ctx, eng, p, env.ShellOptions{
		RunOptions: runOpts,
		Watch:      opts.watch || p.Spec.Watch,
		Host:       env.CurrentHost(),
		Build:      build,
		Notice:     opts.io.ErrOut,
	})
}

// loadWithEngine loads the project, then asks the engine what it supports.
func loadWithEngine(ctx context.Context, eng env.Engine, dir string) (*env.Project, engine.Info, error) {
	// The project is read first: a mistake in devenv.toml is reported even when no
	// engine is running.
	p, err := env.LoadProject(dir, env.CurrentHost(), env.RenderOptions{BuildKit: true})
	if err != nil {
		return nil, engine.Info{}, err
	}
	return forEngine(ctx, eng, p)
}

// forEngine pings the engine and makes the project again for what it is (its
// builder, a rootless engine's user namespace: env.ForEngine); the project is
// loaded for BuildKit on a rootful engine.
func forEngine(ctx context.Context, eng env.Engine, p *env.Project) (*env.Project, engine.Info, error) {
	info, err := eng.Ping(ctx)
	if err != nil {
		return nil, info, err
	}
	p, err = env.ForEngine(p, env.CurrentHost(), info)
	if err == nil {
		// The base image's ID, and devenv.lock's pins when there is one.
		p, err = env.ApplyLock(ctx, eng, p, env.RenderOptionsFor(info))
	}
	return p, info, err
}

func buildOpts(ios *iostreams.IOStreams, info engine.Info, rebuild bool, progress string) env.BuildOptions {
	var out io.Writer = ios.ErrOut
	if progress == "quiet" {
		out = io.Discard
	}
	return env.BuildOptions{Rebuild: rebuild, Progress: out, Plain: progress == "plain" || !ios.IsStderrTTY(), Info: info}
}

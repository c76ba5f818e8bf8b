package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/iostreams"
)

// Exit codes, decided here and nowhere else.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError is a command line devenv cannot make sense of.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }

// The Docker engine is the whole env.Engine: the commands never ask it for more.
var _ env.Engine = (*engine.Docker)(nil)

// interrupted is the signal that cancelled the command, for its exit code.
var interrupted atomic.Int32

// factory gives commands what they need from outside: streams, the engine, signals.
// Tests replace its parts.
type factory struct {
	io        *iostreams.IOStreams
	newEngine func() (env.Engine, error)
	// engineContext is the global --context flag: the docker context to use, as
	// `docker --context`; newEngine reads it.
	engineContext string
	// engineName is the global --engine flag (docker, kubernetes) and chdir the global
	// -C, which say where the project's engine key is (engine_select.go).
	engineName, chdir string
	// signals receives the signals that a running container should get instead of
	// devenv; forwardSignals switches them there.
	signals        chan os.Signal
	forwardSignals func(bool)
	// hangup reports that the terminal is gone (a read or write on it failed): it
	// ends devenv as a SIGHUP does.
	hangup func()
}

// hangupGrace is how long the command in the container has, after a hang-up, to end
// on its own (a shell saves its history) before its container is stopped.
const hangupGrace = time.Second

func run(args []string) int {
	ios := iostreams.System()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Signals become a context cancel here and nowhere else; while a container runs
	// they are handed to it instead, so it decides how to end.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	forward := make(chan os.Signal, 4)
	var forwarding atomic.Bool
	go func() {
		for s := range sigs {
			if s == syscall.SIGHUP {
				// The terminal is gone (a closed tab, a dropped ssh session, a
				// logout): end as `exit` would. The command in the container gets
				// the hang-up, as on a real terminal, and its container is stopped
				// (and so removed) if it is still there a moment later. A hang-up
				// often comes twice (the kernel and the shell): the first counts.
				if !interrupted.CompareAndSwap(0, int32(syscall.SIGHUP)) {
					continue
				}
				if forwarding.Load() {
					select {
					case forward <- s:
					default:
					}
					time.AfterFunc(hangupGrace, cancel)
					continue
				}
				cancel()
				continue
			}
			if forwarding.Load() {
				forward <- s
				continue
			}
			if n, ok := s.(syscall.Signal); ok && interrupted.Load() == 0 {
				interrupted.Store(int32(n))
				cancel()
				continue
			}
			// A second Ctrl-C while devenv is stopping: stop now.
			os.Exit(128 + int(interrupted.Load()))
		}
	}()

	f := &factory{
		io:             ios,
		signals:        forward,
		forwardSignals: forwarding.Store,
		hangup: func() {
			select {
			case sigs <- syscall.SIGHUP:
			default:
			}
		},
	}
	f.newEngine = f.connectEngine
	err := newApp(f).RunContext(ctx, args)
	return exitCode(err, ios)
}

// exitCode prints err for a person and picks the exit status.
func exitCode(err error, ios *iostreams.IOStreams) int {
	if interrupted.Load() == int32(syscall.SIGHUP) {
		// Hung up: whatever the command said, it went to a terminal that is gone.
		return 128 + int(syscall.SIGHUP)
	}
	if err == nil {
		return exitOK
	}
	var exit *env.ExitError
	if errors.As(err, &exit) {
		// The container's own status; it has said what it had to say.
		return exit.Code
	}
	if errors.Is(err, context.Canceled) && interrupted.Load() != 0 {
		fmt.Fprintln(ios.ErrOut, "devenv: interrupted")
		return 128 + int(interrupted.Load())
	}
	fmt.Fprintln(ios.ErrOut, "devenv: "+err.Error())
	var usage *usageError
	if errors.As(err, &usage) {
		return exitUsage
	}
	return exitError
}

func newApp(f *factory) *cli.App {
	app := &cli.App{
		Name:  "devenv",
		Usage: "a reproducible development environment for this repository",
		Description: "devenv reads devenv.toml (found from the current directory upwards), builds the\n" +
			"environment's image when its inputs change, and runs your shell in it with the\n" +
			"project mounted and the working directory where you stand.",
		Version:              env.Version,
		HideVersion:          false,
		EnableBashCompletion: true,
		Writer:               f.io.Out,
		ErrWriter:            f.io.ErrOut,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "chdir", Aliases: []string{"C"}, Usage: "run as if devenv was started in `DIR`"},
			&cli.StringFlag{Name: "engine", Usage: "run the environment on `ENGINE`: docker or kubernetes (overrides DEVENV_ENGINE and devenv.toml's engine)"},
			&cli.StringFlag{Name: "context", Usage: "use the docker context `NAME` (as `docker --context`; overrides DOCKER_HOST, DOCKER_CONTEXT and `docker context use`)"},
		},
		Commands: []*cli.Command{
			newInitCmd(f, nil),
			newDockerfileCmd(f, nil),
			newBuildCmd(f, nil),
			newShellCmd(f, nil),
			newRunCmd(f, nil),
			newDownCmd(f, nil),
			newWatchCmd(f, nil),
			newStatusCmd(f, nil),
			newLockCmd(f, nil),
			newSyncCmd(f, nil),
			newExportCmd(f, nil),
			newPushCmd(f, nil),
			newPullCmd(f, nil),
			newSaveCmd(f, nil),
			newLoadCmd(f, nil),
			newPsCmd(f, nil),
			newStopCmd(f, nil),
			newRestartCmd(f, nil),
			newKillCmd(f, nil),
			newRmCmd(f, nil),
			newImagesCmd(f, nil),
			newCleanCmd(f, nil),
			newDoctorCmd(f, nil),
			newAllowCmd(f, nil),
			newDenyCmd(f, nil),
			newVersionCmd(f, nil),
			newCompletionCmd(f, nil),
			newSpareCmd(f),
		},
		// urfave/cli would call os.Exit itself; exit codes are decided in run.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			name := "devenv"
			if c.Command != nil && c.Command.Name != "" && c.Command.Name != "devenv" {
				name += " " + c.Command.Name
			}
			return &usageError{fmt.Errorf("%v (see `%s --help`)", err, name)}
		},
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(f.io.ErrOut, "devenv: unknown command %q (see `devenv --help`)\n", name)
		},
	}
	for _, cmd := range app.Commands {
		if cmd.OnUsageError == nil {
			cmd.OnUsageError = app.OnUsageError
		}
	}
	app.Before = func(c *cli.Context) error {
		f.engineContext = c.String("context")
		f.engineName, f.chdir = c.String("engine"), c.String("chdir")
		if c.Args().Present() && app.Command(c.Args().First()) == nil && !strings.HasPrefix(c.Args().First(), "-") {
			return &usageError{fmt.Errorf("unknown command %q (see `devenv --help`)", c.Args().First())}
		}
		return nil
	}
	return app
}

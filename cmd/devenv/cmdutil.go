package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docker/go-units"
	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

// What every command shares, as cli/cli's cmdutil: the argument checks, the directory
// a command acts in, the path from parsed options to a test's runF or to the run
// function, and listings printed as docker prints its own.

// jsonFlag is --json, for the commands that can print what they found as JSON.
var jsonFlag = &cli.BoolFlag{Name: "json", Usage: "print JSON"}

// argsCheck refuses the arguments a command does not take, with a usage error.
type argsCheck func(*cli.Context) error

// noArgs refuses arguments to a command that takes none.
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return &usageError{fmt.Errorf("%s takes no arguments", c.Command.FullName())}
	}
	return nil
}

// noArgsSaying refuses arguments with msg, which says what the command acts on
// instead.
func noArgsSaying(msg string) argsCheck {
	return func(c *cli.Context) error {
		if c.NArg() > 0 {
			return &usageError{errors.New(msg)}
		}
		return nil
	}
}

// workingDir is where the command acts: -C DIR, or the current directory.
func workingDir(c *cli.Context) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("cannot read the current directory: %w", err)
	}
	if dir := c.String("chdir"); dir != "" {
		if runtime.GOOS == "windows" {
			dir = env.HostPathForEngine(dir, runtime.GOOS) // Git Bash: /c/Users/x
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(wd, dir)
		}
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			return "", &usageError{fmt.Errorf("-C %s: no such directory", c.String("chdir"))}
		}
		return dir, nil
	}
	return wd, nil
}

// action is the Action of a command that acts in a directory: check the arguments,
// find the directory, read the options from the command line (parse may refuse them
// with a usage error), then do the command.
func action[O any](args argsCheck, parse func(c *cli.Context, dir string) (O, error), do func(*cli.Context, O) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := args(c); err != nil {
			return err
		}
		dir, err := workingDir(c)
		if err != nil {
			return err
		}
		opts, err := parse(c, dir)
		if err != nil {
			return err
		}
		return do(c, opts)
	}
}

// engineAction is action for a command that needs the engine: the options go to
// runF when a test set it, and else to run with the engine.
func engineAction[O any](f *factory, args argsCheck, parse func(c *cli.Context, dir string) (O, error),
	runF func(context.Context, O) error, run func(context.Context, env.Engine, O) error) cli.ActionFunc {
	return action(args, parse, func(c *cli.Context, opts O) error {
		if runF != nil {
			return runF(c.Context, opts)
		}
		eng, err := f.newEngine()
		if err != nil {
			return err
		}
		return run(c.Context, eng, opts)
	})
}

// localAction is action for a command that needs no engine: it only reads and
// writes files.
func localAction[O any](args argsCheck, parse func(c *cli.Context, dir string) (O, error), runF, run func(O) error) cli.ActionFunc {
	return action(args, parse, func(_ *cli.Context, opts O) error {
		if runF != nil {
			return runF(opts)
		}
		return run(opts)
	})
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// listing is how ps and images print, as docker's own listings: JSON with --json;
// else aligned columns, with PROJECT last for --all; or, when there is nothing,
// none on stderr.
type listing struct {
	json, all bool
	header    []string // the columns but PROJECT
	none      string
}

// printListing prints list; row gives an item's cells and its project.
func printListing[T any](ios *iostreams.IOStreams, l listing, list []T, row func(T) (cells []string, project string)) error {
	if l.json {
		return writeJSON(ios.Out, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(ios.ErrOut, l.none)
		return nil
	}
	tw := tabwriter.NewWriter(ios.Out, 0, 8, 3, ' ', 0)
	header := l.header
	if l.all {
		header = append(header[:len(header):len(header)], "PROJECT")
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, item := range list {
		cells, project := row(item)
		if l.all {
			cells = append(cells, project)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// ago says how long before now t was, as `docker ps` does: "3 minutes ago".
func ago(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return units.HumanDuration(now.Sub(t)) + " ago"
}

// plural counts: "1 image", "2 images".
func plural(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, env.Plural(n, one, many))
}

package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
)

// checkFlag is `devenv version --check`: ask the release base URL whether a newer
// release exists. devenv never asks on its own, so no other command waits on it.
var checkFlag = &cli.BoolFlag{Name: "check", Usage: "ask the release page (DEVENV_BASE_URL) whether a newer devenv exists; prints one line"}

// versionCheckRun prints one line. A check that cannot run (offline, the release page
// down, a proxy in the way) is not a failure of devenv: it says so on stderr and
// exits 0, so a script that runs it never breaks for want of a network.
func versionCheckRun(ctx context.Context, opts *versionOptions, client *http.Client) error {
	if client == nil {
		client = http.DefaultClient
	}
	res, err := env.CheckForUpdate(ctx, client, env.BaseURL(), env.Version)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		fmt.Fprintf(opts.io.ErrOut, "devenv: cannot check for a newer release: %v (set DEVENV_BASE_URL for a mirror; devenv itself is fine)\n", err)
		return nil
	}
	if opts.json {
		return writeJSON(opts.io.Out, res)
	}
	out := opts.io.Out
	switch {
	case res.Dev:
		fmt.Fprintf(out, "devenv %s is a build from source; the latest release is %s\n", res.Current, res.Latest)
	case res.Newer:
		fmt.Fprintf(out, "devenv %s is out (this is %s): run the install line again, or your package manager's upgrade\n", res.Latest, res.Current)
	default:
		fmt.Fprintf(out, "devenv %s is up to date (the latest release is %s)\n", res.Current, res.Latest)
	}
	return nil
}

// stampNote is what the release build stamped besides the version: " (commit
// 0123456789ab, 2026-11-25T10:00:00Z)", the commit and its date, or nothing for a
// build from source.
func stampNote(commit, date string) string {
	if len(commit) > 12 {
		commit = commit[:12]
	}
	switch {
	case commit != "" && date != "":
		return fmt.Sprintf(" (commit %s, %s)", commit, date)
	case commit != "":
		return fmt.Sprintf(" (commit %s)", commit)
	case date != "":
		return fmt.Sprintf(" (%s)", date)
	}
	return ""
}

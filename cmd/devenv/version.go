package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/iostreams"
)

type versionOptions struct {
	io    *iostreams.IOStreams
	json  bool
	check bool // versioncheck.go
}

func newVersionCmd(f *factory, runF func(context.Context, *versionOptions) error) *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print devenv's version, its Go version and platform, and the engine's version",
		ArgsUsage: " ",
		Flags:     []cli.Flag{jsonFlag, checkFlag},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			opts := &versionOptions{io: f.io, json: c.Bool("json"), check: c.Bool("check")}
			if runF != nil {
				return runF(c.Context, opts)
			}
			if opts.check {
				return versionCheckRun(c.Context, opts, nil)
			}
			eng, err := f.newEngine()
			return versionRun(c.Context, eng, err, opts)
		},
	}
}

// versionInfo is what `devenv version --json` prints.
type versionInfo struct {
	Version string          `json:"version"`
	Commit  string          `json:"commit,omitempty"` // stamped by the release build
	Date    string          `json:"date,omitempty"`
	Go      string          `json:"go"`
	OS      string          `json:"os"`
	Arch    string          `json:"arch"`
	Engine  *engine.Details `json:"engine,omitempty"`
	// EngineError says why the engine is missing, when it is.
	EngineError string `json:"engine_error,omitempty"`
}

// versionRun prints what is known; an engine that does not answer is reported, not
// an error: the version of devenv itself is still worth printing.
func versionRun(ctx context.Context, eng env.InfoEngine, engErr error, opts *versionOptions) error {
	v := versionInfo{Version: env.Version, Commit: env.Commit, Date: env.Date, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if engErr == nil {
		d, err := eng.Details(ctx)
		if err == nil {
			v.Engine = &d
		} else {
			engErr = err
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if engErr != nil {
		v.EngineError = engErr.Error()
	}
	if opts.json {
		return writeJSON(opts.io.Out, v)
	}
	out := opts.io.Out
	fmt.Fprintf(out, "devenv   %s%s\n", v.Version, stampNote(v.Commit, v.Date))
	fmt.Fprintf(out, "go       %s\n", v.Go)
	fmt.Fprintf(out, "os/arch  %s/%s\n", v.OS, v.Arch)
	if v.Engine == nil {
		fmt.Fprintf(out, "engine   not reachable (%s)\n", v.EngineError)
		return nil
	}
	d := v.Engine
	at := d.Endpoint
	if d.Context != "" && d.Context != engine.DefaultContext {
		at += fmt.Sprintf(" (context %q)", d.Context)
	}
	kind := d.Kind
	if kind == "" {
		kind = engine.KindDocker // an engine that did not say is taken for Docker
	}
	if d.From != "" {
		at += " (found: " + d.From + "; no DOCKER_HOST, context or Docker socket)"
	}
	if d.Rootless {
		kind += " (rootless)"
	}
	fmt.Fprintf(out, "engine   %s %s, API %s (negotiated %s), %s/%s, at %s\n", kind, d.ServerVersion, d.APIVersion, d.ClientAPIVersion, d.OS, d.Arch, at)
	return nil
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/pkg/jsonmessage"
)

// BuildRequest is one image build.
type BuildRequest struct {
	Context    io.Reader // tar stream
	Dockerfile string    // path inside Context
	Tag        string
	Labels     map[string]string
	// BuildArgs are not part of the image: the proxy variables, which Docker keeps out
	// of the image's history.
	BuildArgs map[string]*string
	BuildKit  bool
	// Progress receives the build's progress for a person: live on a terminal,
	// plain lines otherwise.
	Progress io.Writer
	// Plain forces plain lines even on a terminal.
	Plain bool
	// Secrets are id -> contents, for `RUN --mount=type=secret,id=...` steps. They are
	// delivered through a BuildKit session, never in the context or the image; without
	// BuildKit they travel in the context under ContextSecretPath, for a builder that
	// bind-mounts them from there (build_secrets.go). At most 500 KiB each.
	Secrets map[string][]byte
	// Platform builds for "linux/amd64" and the like; empty: the engine's own.
	Platform string
	// CacheFrom are images in a registry whose layers BuildKit may reuse (their inline
	// cache); InlineCache writes that cache into the image built, for the next build.
	CacheFrom   []string
	InlineCache bool
}

// BuildError is a build that ran and failed, with the engine's message (which names
// the failed step and its exit status).
type BuildError struct{ Msg string }

func (e *BuildError) Error() string { return e.Msg }

// Build builds and tags an image. The tag appears only when the whole build succeeds,
// so a failed or cancelled build leaves no half-made image under it.
func (d *Docker) Build(ctx context.Context, req BuildRequest) error {
	opts := build.ImageBuildOptions{
		Tags:        []string{req.Tag},
		Dockerfile:  req.Dockerfile,
		Labels:      req.Labels,
		BuildArgs:   req.BuildArgs,
		Remove:      true,
		ForceRemove: true,
		Platform:    req.Platform,
	}
	if req.BuildKit {
		opts.Version = build.BuilderBuildKit
		opts.CacheFrom = req.CacheFrom
		if req.InlineCache {
			on := "1"
			opts.BuildArgs = maps.Clone(opts.BuildArgs)
			if opts.BuildArgs == nil {
				opts.BuildArgs = map[string]*string{}
			}
			opts.BuildArgs["BUILDKIT_INLINE_CACHE"] = &on
		}
	}
	if req.BuildKit && len(req.Secrets) > 0 {
		sess, err := d.startSession(ctx, req.Tag, req.Secrets)
		if err != nil {
			return err
		}
		// Closed when the build ends, whether it succeeded, failed or was cancelled.
		defer func() { _ = sess.close() }()
		opts.SessionID = sess.s.ID()
	}
	if !req.BuildKit && len(req.Secrets) > 0 {
		// No session to serve them: they travel in the context (build_secrets.go).
		req.Context = withContextSecrets(req.Context, req.Secrets)
	}
	resp, err := d.cli.ImageBuild(ctx, req.Context, opts)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return d.wrap(err)
	}
	defer resp.Body.Close()
	if req.BuildKit {
		err = showBuildKitProgress(ctx, resp.Body, req.Progress, req.Plain)
	} else {
		err = jsonmessage.DisplayJSONMessagesToStream(resp.Body, plainStream{req.Progress}, nil)
		var jm *jsonmessage.JSONError
		if errors.As(err, &jm) {
			err = &BuildError{Msg: cleanBuildError(jm.Message)}
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil && !isBuildError(err) && isConnError(err) {
		return fmt.Errorf("the connection to Docker at %s broke during the build: %w", d.Endpoint(), err)
	}
	return err
}

func isBuildError(err error) bool {
	var be *BuildError
	return errors.As(err, &be)
}

type plainStream struct{ io.Writer }

func (plainStream) FD() uintptr      { return 0 }
func (plainStream) IsTerminal() bool { return false }

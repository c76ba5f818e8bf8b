package engine

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
)

// buildSession is a BuildKit session the engine calls back into during a build, as
// the docker CLI and buildx open one: devenv serves the build's secrets over it, so
// they reach `RUN --mount=type=secret` steps without entering the context or the image.
type buildSession struct {
	s       *session.Session
	cancel  context.CancelFunc
	runDone chan error // Run's result; read once, by close
	closed  bool
}

// checkSecrets refuses what BuildKit would refuse only halfway through the build.
func checkSecrets(secrets map[string][]byte) error {
	for id, v := range secrets {
		if id == "" {
			return errors.New("a build secret has an empty id")
		}
		if len(v) > secretsprovider.MaxSecretSize {
			return fmt.Errorf("build secret %q is %d bytes: BuildKit takes at most %d", id, len(v), secretsprovider.MaxSecretSize)
		}
	}
	return nil
}

// startSession opens a session serving secrets (id -> contents) over the engine's
// /session endpoint, and returns once the engine has taken the connection, so a
// refusal is an error here and not a build that waits for a session that never comes.
// The caller must close the session when the build ends, whatever the outcome.
func (d *Docker) startSession(ctx context.Context, sharedKey string, secrets map[string][]byte) (*buildSession, error) {
	if err := checkSecrets(secrets); err != nil {
		return nil, err
	}
	// Our own copy: the caller may reuse its map while the engine still asks.
	store := make(map[string][]byte, len(secrets))
	for id, v := range secrets {
		store[id] = append([]byte(nil), v...)
	}
	s, err := session.NewSession(ctx, sharedKey)
	if err != nil {
		return nil, fmt.Errorf("cannot create a BuildKit session: %w", err)
	}
	s.Allow(secretsprovider.FromMap(store))

	// The session lives as long as the build's context, and no longer than close.
	runCtx, cancel := context.WithCancel(ctx)
	bs := &buildSession{s: s, cancel: cancel, runDone: make(chan error, 1)}
	dialed := make(chan error, 1)
	go func() {
		bs.runDone <- s.Run(runCtx, func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
			conn, err := d.cli.DialHijack(ctx, "/session", proto, meta)
			dialed <- err
			return conn, err
		})
	}()

	select {
	case err = <-dialed:
	case err = <-bs.runDone:
		// Run ended before it dialed: only a closed session does that.
		bs.runDone <- err
		if err == nil {
			err = errors.New("the session ended before it started")
		}
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		_ = bs.close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("cannot open a BuildKit session with Docker at %s for the build's secrets: %w", d.Endpoint(), d.wrap(err))
	}
	return bs, nil
}

// close ends the session and waits for its goroutines, so none outlive the build.
// Safe to call more than once.
func (bs *buildSession) close() error {
	if bs.closed {
		return nil
	}
	bs.closed = true
	// Cancel first: Close waits for a dial in progress, and the cancel ends the dial.
	bs.cancel()
	_ = bs.s.Close()
	return <-bs.runDone
}

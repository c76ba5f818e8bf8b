package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/distribution/reference"
	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/credentials"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/moby/term"
)

// RegistryErrorKind sorts the ways a registry can refuse a push or a pull, so that
// devenv can say what to do about each.
type RegistryErrorKind int

const (
	RegistryOther       RegistryErrorKind = iota
	RegistryAuth                          // the registry wants (other) credentials
	RegistryNotFound                      // no such repository or tag
	RegistryUnknownHost                   // the registry's name does not resolve
	RegistryPlainHTTP                     // the registry speaks plain HTTP, the engine wanted HTTPS
	RegistryTLS                           // the registry's certificate is not trusted
	RegistryUnreachable                   // nothing answers at the registry's address
)

// RegistryError is a push or pull the engine could not do, with the engine's words.
type RegistryError struct {
	Op       string // "push" or "pull"
	Ref      string
	Registry string // host[:port], "docker.io" for Docker Hub
	Kind     RegistryErrorKind
	Msg      string
	// Anonymous is set when the user's Docker config held no credentials for Registry.
	Anonymous bool
}

func (e *RegistryError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Op, e.Ref, e.Msg)
}

// RegistryOf is the registry part of an image reference: host[:port], or
// "docker.io" for a name without one.
func RegistryOf(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ""
	}
	return reference.Domain(named)
}

// TagImage gives the image src a second name, dst.
func (d *Docker) TagImage(ctx context.Context, src, dst string) error {
	if err := d.cli.ImageTag(ctx, src, dst); err != nil {
		return d.wrap(err)
	}
	return nil
}

// PushImage pushes ref to its registry with the user's Docker credentials for it.
// Progress goes to out: redrawn in place on a terminal, plain lines otherwise.
func (d *Docker) PushImage(ctx context.Context, ref string, out io.Writer) error {
	return d.transfer(ctx, "push", ref, out, func(auth string) (io.ReadCloser, error) {
		return d.cli.ImagePush(ctx, ref, image.PushOptions{RegistryAuth: auth})
	})
}

// PullImage pulls ref from its registry with the user's Docker credentials for it.
func (d *Docker) PullImage(ctx context.Context, ref string, out io.Writer) error {
	return d.transfer(ctx, "pull", ref, out, func(auth string) (io.ReadCloser, error) {
		return d.cli.ImagePull(ctx, ref, image.PullOptions{RegistryAuth: auth})
	})
}

// transfer is a push or a pull (op) of ref: start sends it with the user's
// credentials for ref's registry.
func (d *Docker) transfer(ctx context.Context, op, ref string, out io.Writer, start func(auth string) (io.ReadCloser, error)) error {
	auth, anonymous, err := registryAuth(ref)
	if err != nil {
		return err
	}
	body, err := start(auth)
	err = d.registryStream(ctx, op, ref, body, err, out)
	var re *RegistryError
	if errors.As(err, &re) {
		re.Anonymous = anonymous
	}
	return err
}

// registryStream shows a push or pull's progress and sorts its failure, whether the
// engine refused at once or said so in the stream.
func (d *Docker) registryStream(ctx context.Context, op, ref string, body io.ReadCloser, err error, out io.Writer) error {
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if client := d.wrap(err); client != err {
			return client
		}
		return classifyRegistryError(op, ref, err.Error(), errdefs.IsNotFound(err))
	}
	defer body.Close()
	if out == nil {
		out = io.Discard
	}
	fd, isTerm := term.GetFdInfo(out)
	err = jsonmessage.DisplayJSONMessagesStream(body, out, fd, isTerm, nil)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err == nil {
		return nil
	}
	var jm *jsonmessage.JSONError
	if errors.As(err, &jm) {
		return classifyRegistryError(op, ref, jm.Message, false)
	}
	if isConnError(err) {
		return fmt.Errorf("the connection to Docker at %s broke during the %s: %w", d.Endpoint(), op, err)
	}
	return err
}

// classifyRegistryError sorts the engine's message about a registry. Engines from
// 20.10 on word these the same way, as the registry client in them does.
func classifyRegistryError(op, ref, msg string, notFound bool) *RegistryError {
	msg = strings.TrimPrefix(msg, "Error response from daemon: ")
	e := &RegistryError{Op: op, Ref: ref, Registry: RegistryOf(ref), Msg: msg}
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "server gave http response to https client"):
		e.Kind = RegistryPlainHTTP
	case strings.Contains(low, "x509:") || strings.Contains(low, "tls:") || strings.Contains(low, "certificate"):
		e.Kind = RegistryTLS
	case strings.Contains(low, "no such host") || strings.Contains(low, "server misbehaving") ||
		strings.Contains(low, "name resolution") || strings.Contains(low, "name or service not known"):
		e.Kind = RegistryUnknownHost
	case strings.Contains(low, "unauthorized") || strings.Contains(low, "authentication required") ||
		strings.Contains(low, "no basic auth credentials") || strings.Contains(low, "denied") ||
		strings.Contains(low, "incorrect username or password"):
		// Docker Hub answers a pull of a missing repository with "pull access denied ...
		// may require 'docker login'": it cannot tell the two apart, and neither can we.
		e.Kind = RegistryAuth
	case notFound || strings.Contains(low, "manifest unknown") || strings.Contains(low, "not found") ||
		strings.Contains(low, "name unknown"):
		e.Kind = RegistryNotFound
	case strings.Contains(low, "connection refused") || strings.Contains(low, "i/o timeout") ||
		strings.Contains(low, "no route to host") || strings.Contains(low, "network is unreachable"):
		e.Kind = RegistryUnreachable
	}
	return e
}

// CredentialsError says the user's Docker credentials could not be read.
type CredentialsError struct {
	Path string
	Err  error
}

func (e *CredentialsError) Error() string {
	return fmt.Sprintf("cannot read Docker credentials from %s: %v", e.Path, e.Err)
}

func (e *CredentialsError) Unwrap() error { return e.Err }

// registryAuth reads the credentials `docker login` left for ref's registry, from
// $DOCKER_CONFIG/config.json or ~/.docker/config.json: inline "auths", a credential
// helper for that registry, or the credsStore. It is encoded for the engine only and
// never shown. No credentials give an empty (anonymous) one, as the docker CLI sends.
func registryAuth(ref string) (auth string, anonymous bool, err error) {
	host := RegistryOf(ref)
	cfg, loadErr := config.Load(config.Dir())
	if err = loadErr; err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			err = inner
		}
		return "", false, &CredentialsError{Path: cfg.Filename, Err: err}
	}
	if cfg.CredentialsStore == "" {
		// As the docker CLI: the platform's helper when it is installed.
		cfg.CredentialsStore = credentials.DetectDefaultStore("")
	}
	ac, err := cfg.GetAuthConfig(host)
	if err != nil {
		return "", false, &CredentialsError{Path: cfg.Filename, Err: err}
	}
	anonymous = ac.Username == "" && ac.Password == "" && ac.Auth == "" && ac.IdentityToken == "" && ac.RegistryToken == ""
	auth, err = registry.EncodeAuthConfig(registry.AuthConfig{
		Username:      ac.Username,
		Password:      ac.Password,
		Auth:          ac.Auth,
		ServerAddress: ac.ServerAddress,
		IdentityToken: ac.IdentityToken,
		RegistryToken: ac.RegistryToken,
	})
	return auth, anonymous, err
}

package engine

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
)

// UnreachableError says the engine did not answer, and why, as far as is known.
type UnreachableError struct {
	Endpoint string
	// Context is the docker context that chose the endpoint; "" or "default" for
	// DOCKER_HOST or the local socket.
	Context string
	Err     error
}

func (e *UnreachableError) Error() string {
	msg := fmt.Sprintf("cannot reach Docker at %s: %s", e.Where(), e.Hint())
	if c := e.Cause(); c != "" {
		msg += " (" + c + ")"
	}
	return msg
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Where is the endpoint, with the context that chose it.
func (e *UnreachableError) Where() string {
	return Target{Host: e.Endpoint, Context: e.Context}.where()
}

// Cause is the underlying failure in a few words: ssh's own complaint, or the dial's.
func (e *UnreachableError) Cause() string {
	if e.Err == nil {
		return ""
	}
	msg := e.Err.Error()
	if _, stderr, ok := strings.Cut(msg, "stderr="); ok {
		// docker/cli's connection helper ends its error with the command's stderr.
		var lines []string
		for _, l := range strings.Split(stderr, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "Warning: Permanently added") {
				lines = append(lines, l)
			}
		}
		if len(lines) == 0 {
			return "ssh ended without a word"
		}
		return strings.Join(lines, " ")
	}
	if strings.HasPrefix(msg, "Cannot connect to the Docker daemon at") && strings.HasPrefix(e.Endpoint, "unix://") {
		// The client says only that it could not connect: dial again for the reason.
		c, err := net.DialTimeout("unix", strings.TrimPrefix(e.Endpoint, "unix://"), time.Second)
		if err != nil {
			return err.Error()
		}
		c.Close()
		return ""
	}
	return msg
}

// Hint says what to do, from what the endpoint is and how it failed.
func (e *UnreachableError) Hint() string {
	cause := e.Cause()
	if strings.HasPrefix(e.Endpoint, "ssh://") {
		return sshHint(e.Endpoint, cause)
	}
	if h := tlsHint(e.Context, cause); h != "" {
		return h
	}
	if e.Context != "" && e.Context != DefaultContext {
		return "the context's engine does not answer: check its endpoint with `docker context ls`, or choose another context with --context or `docker context use`"
	}
	if e.Endpoint != "" && !strings.HasPrefix(e.Endpoint, "unix://") && !strings.HasPrefix(e.Endpoint, "npipe://") {
		return "is the engine at DOCKER_HOST running and reachable from here?"
	}
	return "is the Docker daemon running? Start Docker Desktop, or `sudo systemctl start docker` on Linux; or point DOCKER_HOST at a running engine"
}

// sshHint reads ssh's complaint: the usual ways an ssh:// engine fails.
func sshHint(endpoint, cause string) string {
	login := strings.TrimPrefix(endpoint, "ssh://")
	host, port := login, ""
	if u, err := url.Parse(endpoint); err == nil {
		host, port = u.Hostname(), u.Port()
		login = host
		if u.User != nil {
			login = u.User.Username() + "@" + host
		}
	}
	sshCmd, at := "ssh "+login, host
	if port != "" {
		sshCmd, at = "ssh -p "+port+" "+login, host+" port "+port
	}
	switch c := strings.ToLower(cause); {
	case strings.Contains(c, "host key verification failed"), strings.Contains(c, "host key is known"):
		return fmt.Sprintf("ssh does not trust the host key of %s: run `%s` once to check the key and accept it", at, sshCmd)
	case strings.Contains(c, "permission denied"):
		return fmt.Sprintf("the ssh login to %s was refused: devenv cannot type a password, so put your public key in the remote ~/.ssh/authorized_keys (or load it into ssh-agent) and check with `%s`", at, sshCmd)
	case strings.Contains(c, "connection refused"), strings.Contains(c, "timed out"), strings.Contains(c, "no route"), strings.Contains(c, "could not resolve"):
		return fmt.Sprintf("ssh cannot connect to %s: is sshd running there, and are the host and port right?", at)
	case strings.Contains(c, "not found"), strings.Contains(c, "dial-stdio"):
		return fmt.Sprintf("the docker CLI must be installed on %s: ssh runs `docker system dial-stdio` there", host)
	}
	return fmt.Sprintf("check that `%s docker version` works", sshCmd)
}

func (d *Docker) unreachable(err error) error {
	return &UnreachableError{Endpoint: d.Endpoint(), Context: d.target.Context, Err: err}
}

func (d *Docker) wrap(err error) error {
	if client.IsErrConnectionFailed(err) || isConnError(err) {
		return d.unreachable(err)
	}
	return err
}

func isConnError(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) || errors.Is(err, io.ErrUnexpectedEOF)
}

// PortInUseError is a published port the host already uses.
type PortInUseError struct {
	Ports []string
	Msg   string
}

func (e *PortInUseError) Error() string { return e.Msg }

// NameInUseError is a container name that another container holds.
type NameInUseError struct {
	Name string
	Msg  string
}

func (e *NameInUseError) Error() string { return e.Msg }

// NetworkInUseError is a network a container is still attached to.
type NetworkInUseError struct {
	Network string
	Msg     string
}

func (e *NetworkInUseError) Error() string { return e.Msg }

// startError sorts the engine's refusal to create or start a container: a name
// another container holds (the engine's conflict), or a published port the host uses
// (which the engine reports only in words).
func (d *Docker) startError(err error, name string, ports []string) error {
	msg := err.Error()
	switch {
	case errdefs.IsConflict(err):
		return &NameInUseError{Name: name, Msg: msg}
	case strings.Contains(msg, "port is already allocated") || strings.Contains(msg, "address already in use"):
		return &PortInUseError{Ports: ports, Msg: msg}
	case strings.Contains(msg, "could not select device driver"):
		// Docker's words when no runtime serves the GPU request.
		return fmt.Errorf("the engine at %s has no GPU runtime (%s): install the NVIDIA Container Toolkit on the engine's machine, or set gpus = \"auto\" in devenv.toml to run without GPUs there", d.Endpoint(), GPUDriver)
	}
	return d.wrap(err)
}

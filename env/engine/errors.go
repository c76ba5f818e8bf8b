package engine

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
)

// UnreachableError says the engine did not answer.
type UnreachableError struct {
	Endpoint string
	Err      error
}

func (e *UnreachableError) Error() string {
	hint := "is the Docker daemon running? Start Docker Desktop, or `sudo systemctl start docker` on Linux; or point DOCKER_HOST at a running engine"
	if e.Endpoint != "" && !strings.HasPrefix(e.Endpoint, "unix://") && !strings.HasPrefix(e.Endpoint, "npipe://") {
		hint = "is the engine at DOCKER_HOST running and reachable from here?"
	}
	return fmt.Sprintf("cannot reach Docker at %s: %s", e.Endpoint, hint)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

func (d *Docker) wrap(err error) error {
	if client.IsErrConnectionFailed(err) || isConnError(err) {
		return &UnreachableError{Endpoint: d.Endpoint(), Err: err}
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
	}
	return d.wrap(err)
}

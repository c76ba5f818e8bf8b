package env

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/prometheus/procfs"

	"github.com/devenv/devenv/env/engine"
)

// Localhost ports (forward = [8888]): a server inside the container that listens on
// its own 127.0.0.1 (Jupyter, an OAuth callback, most dev servers by default) cannot be
// published by the engine, which reaches only the container's network interface.
// devenv listens on the host's 127.0.0.1:PORT instead and relays each connection
// through the engine's API: an exec in the container whose stdin and stdout are the
// connection, running a relay to 127.0.0.1:PORT there. Nothing runs in the container
// between connections, and the host network is never shared.
//
// The relay is a tool the image already has, the first of socat, python3, nc (busybox
// has it) and bash (its /dev/tcp), which covers Debian, Ubuntu, Alpine, busybox and
// the language images. devenv's own binary is not used as the relay: on macOS and
// Windows, where most of its users are, it is not a Linux program at all, a Linux
// build links the C library unless built with CGO_ENABLED=0, and copying 30 MB into
// every fresh container would cost more than the run it serves. An image with none of
// the four says so once, naming the fix.
const relayScript = `p=$1
if command -v socat >/dev/null 2>&1; then exec socat - "TCP:127.0.0.1:$p"; fi
if command -v python3 >/dev/null 2>&1; then exec python3 -c "$2" "$p"; fi
if command -v nc >/dev/null 2>&1; then exec nc 127.0.0.1 "$p"; fi
if command -v bash >/dev/null 2>&1; then exec bash -c '
exec 3<>"/dev/tcp/127.0.0.1/$1" 4<&0 || exit 1
(exec cat <&4 >&3 2>/dev/null) & cat <&3; kill $! 2>/dev/null' bash "$p"; fi
echo "` + noRelayTool + `" >&2; exit 1
`

// relayPython copies stdin to the port and the port to stdout, ending when the server
// closes; the end of stdin half-closes the connection, as a client's would.
const relayPython = `import os, socket, sys, threading
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def up():
    while True:
        b = os.read(0, 65536)
        if not b:
            break
        s.sendall(b)
    s.shutdown(socket.SHUT_WR)
threading.Thread(target=up, daemon=True).start()
while True:
    b = s.recv(65536)
    if not b:
        break
    os.write(1, b)
`

const noRelayTool = "devenv-relay: no relay tool"

// forwarding is the host's listeners for one command's forwarded ports.
type forwarding struct {
	cancel    context.CancelFunc
	listeners []net.Listener
	wg        sync.WaitGroup
	noTool    sync.Once
}

// startForwarding listens on the host's 127.0.0.1 for each forwarded port of s and
// relays connections into container (a name or ID; it may start a moment later) as
// user. A port the host already uses is one line on warn and is skipped: the
// environment still starts. eol ends lines (a raw terminal needs "\r\n"). stop ends
// the listeners and the connections still open.
func startForwarding(ctx context.Context, eng ContainerEngine, s *Spec, container, user string, warn io.Writer, eol string) (stop func()) {
	if len(s.Forward) == 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &forwarding{cancel: cancel}
	for _, port := range s.Forward {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprint(warn, "devenv: "+forwardListenError(port, err)+eol)
			continue
		}
		f.listeners = append(f.listeners, l)
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			for {
				conn, err := l.Accept()
				if err != nil {
					return // closed by stop
				}
				f.wg.Add(1)
				go func() {
					defer f.wg.Done()
					f.relay(ctx, eng, conn, container, user, port, warn, eol)
				}()
			}
		}()
	}
	return func() {
		for _, l := range f.listeners {
			_ = l.Close()
		}
		cancel()
		f.wg.Wait()
	}
}

// forwardListenError says why a forwarded port cannot be listened on, naming the
// process that holds it when /proc tells.
func forwardListenError(port int, err error) string {
	if errors.Is(err, syscall.EADDRINUSE) {
		who := ""
		if owner := portOwner(procfs.DefaultMountPoint, port); owner != "" {
			who = " (used by " + owner + ")"
		}
		return fmt.Sprintf("forward: host port %d%s is already in use on this machine, so 127.0.0.1:%d is not forwarded: stop what uses it, or change forward in %s", port, who, port, ConfigFile)
	}
	return fmt.Sprintf("forward: cannot listen on 127.0.0.1:%d (%v), so it is not forwarded", port, err)
}

// relay carries one connection to the port inside the container, and closes it.
func (f *forwarding) relay(ctx context.Context, eng ContainerEngine, conn net.Conn, container, user string, port int, warn io.Writer, eol string) {
	defer conn.Close()
	var errOut bytes.Buffer
	code, err := eng.ExecAttached(ctx, engine.ExecRequest{
		Container: container,
		Cmd:       RelayCommand(port),
		User:      user,
		Stdin:     conn,
		Stdout:    conn,
		Stderr:    &limitedBuffer{b: &errOut, max: 4096},
	})
	if err == nil && code != 0 && strings.Contains(errOut.String(), noRelayTool) {
		f.noTool.Do(func() {
			fmt.Fprintf(warn, "devenv: forward: cannot reach port %d in the container: its image has none of socat, python3, nc or bash to relay with; add one to packages in %s%s", port, ConfigFile, eol)
		})
	}
	// Any other failure (nothing listens there yet, the container has ended) is the
	// client's closed connection, as a refused one would be.
}

// RelayCommand is the exec that relays its stdin and stdout to 127.0.0.1:port in the
// container.
func RelayCommand(port int) []string {
	return []string{"/bin/sh", "-c", relayScript, "devenv-relay", strconv.Itoa(port), relayPython}
}

// limitedBuffer keeps the first max bytes written to it and discards the rest.
type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

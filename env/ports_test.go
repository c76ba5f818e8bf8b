package env

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
)

// The process that holds a port is named from /proc: its PID and command.
func TestPortOwner(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if got, want := portOwner("/proc", port), fmt.Sprintf("process %d ", os.Getpid()); !strings.HasPrefix(got, want) {
		t.Errorf("portOwner(%d) = %q, want %q and the command", port, got, want)
	}
	spec := fmt.Sprintf("127.0.0.1:%d:80", port)
	if got := portsInUse([]string{spec}, "ports"); !strings.HasPrefix(got, fmt.Sprintf("host port %d (used by process %d ", port, os.Getpid())) ||
		!strings.HasSuffix(got, "is already in use on this machine: stop what uses it, or change ports in devenv.toml") {
		t.Errorf("portsInUse = %q", got)
	}
	l.Close()
	if got := portOwner("/proc", port); got != "" {
		t.Errorf("a closed port is owned by %q", got)
	}
	if got := portOwner(t.TempDir(), port); got != "" {
		t.Errorf("a folder that is no proc file system names %q", got)
	}
}

// Specs without a host port name the specs themselves.
func TestDescribePortsWithoutHostPort(t *testing.T) {
	if got := describePorts([]string{"5432"}); got != "a port of [5432]" {
		t.Errorf("describePorts = %q", got)
	}
	if got := describePorts([]string{"not a port"}); got != "a port of [not a port]" {
		t.Errorf("describePorts = %q", got)
	}
}

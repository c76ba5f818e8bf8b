package env

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/docker/go-connections/nat"
	"github.com/prometheus/procfs"
)

// portsInUse says that a published port of specs is taken on this machine, which
// one and by whom when /proc tells, and where to change it: key is the devenv.toml
// key that lists specs.
func portsInUse(specs []string, key string) string {
	return fmt.Sprintf("%s is already in use on this machine: stop what uses it, or change %s in %s", describePorts(specs), key, ConfigFile)
}

// describePorts names the host ports of port specs, with the process that listens on
// one when /proc tells.
func describePorts(specs []string) string {
	_, bindings, err := nat.ParsePortSpecs(specs)
	if err != nil {
		return fmt.Sprintf("a port of %v", specs)
	}
	var parts []string
	for _, bs := range bindings {
		for _, b := range bs {
			if b.HostPort == "" {
				continue
			}
			part := "host port " + b.HostPort
			if n, err := strconv.Atoi(b.HostPort); err == nil {
				if who := portOwner(procfs.DefaultMountPoint, n); who != "" {
					part += " (used by " + who + ")"
				}
			}
			parts = append(parts, part)
		}
	}
	slices.Sort(parts)
	if len(parts) == 0 {
		return fmt.Sprintf("a port of %v", specs)
	}
	return strings.Join(parts, " or ")
}

// tcpListen is the state of a listening socket in /proc/net/tcp.
const tcpListen = 0x0A

// portOwner finds the process listening on a TCP port from the proc file system
// mounted at mount, on Linux; "" when it cannot tell (another OS, or a process of
// another user).
func portOwner(mount string, port int) string {
	fs, err := procfs.NewFS(mount)
	if err != nil {
		return ""
	}
	sockets := map[string]bool{} // "socket:[inode]", as a process's fd links name them
	for _, read := range []func() (procfs.NetTCP, error){fs.NetTCP, fs.NetTCP6} {
		lines, _ := read() // a kernel without IPv6 has no tcp6
		for _, l := range lines {
			if l.St == tcpListen && l.LocalPort == uint64(port) {
				sockets[fmt.Sprintf("socket:[%d]", l.Inode)] = true
			}
		}
	}
	if len(sockets) == 0 {
		return ""
	}
	procs, err := fs.AllProcs()
	if err != nil {
		return ""
	}
	for _, p := range procs {
		targets, err := p.FileDescriptorTargets()
		if err != nil {
			continue // another user's
		}
		if slices.ContainsFunc(targets, func(t string) bool { return sockets[t] }) {
			comm, _ := p.Comm()
			return fmt.Sprintf("process %d %s", p.PID, comm)
		}
	}
	return ""
}

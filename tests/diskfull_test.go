//go:build linux

package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// Commands of the full-disk scripts: an engine whose data root is small, and a small
// project disk.
func init() {
	scriptCmds["smallengine"] = cmdSmallEngine
	scriptCmds["smalldisk"] = cmdSmallDisk
}

// smallengine SIZE: a second dockerd whose data root is a tmpfs of SIZE (as mount's
// size=, e.g. 300m), with its own exec root, pid file, socket and bridge (no iptables
// rules), started in a mount namespace of its own, busybox:devenv loaded into it. It
// sets SMALL_HOST (its unix:// socket). Everything goes when the script ends.
func cmdSmallEngine(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: smallengine SIZE")
	}
	e := startTestEngine(ts, testEngine{what: "small engine", dirPrefix: "devenv-small-engine-",
		bridgePrefix: "dvfull", octet: 214, first: 100, last: 200, dataSize: args[0]})
	ts.Setenv("SMALL_HOST", e.host)
}

// engineBridge makes a bridge of its own for a second engine the test starts, on a
// 10.OCTET.N.0/24 no interface uses (N from first to last), and removes it when the
// script ends. A second dockerd with --bridge=none would delete the host's docker0 (the
// first engine's): moby removes the default bridge when bridging is disabled.
func engineBridge(ts *testscript.TestScript, prefix string, octet, first, last int, what string) string {
	used, _ := exec.Command("ip", "-4", "-o", "addr").Output()
	for n := first + os.Getpid()%50; n < last; n++ {
		subnet := fmt.Sprintf("10.%d.%d.", octet, n)
		if bytes.Contains(used, []byte(subnet)) {
			continue
		}
		name := fmt.Sprintf("%s%d", prefix, n)
		if out, err := exec.Command("ip", "link", "add", "name", name, "type", "bridge").CombinedOutput(); err != nil {
			if bytes.Contains(out, []byte("exists")) {
				continue
			}
			ts.Fatalf("ip link add %s: %v: %s", name, err, out)
		}
		ts.Defer(func() { _ = exec.Command("ip", "link", "del", name).Run() })
		for _, a := range [][]string{{"addr", "add", subnet + "1/24", "dev", name}, {"link", "set", name, "up"}} {
			if out, err := exec.Command("ip", a...).CombinedOutput(); err != nil {
				ts.Fatalf("ip %v: %v: %s", a, err, out)
			}
		}
		return name
	}
	ts.Fatalf("no free 10.%d.N.0/24 for the %s's bridge", octet, what)
	return ""
}

// smalldisk DIR SIZE: mount a tmpfs of SIZE at DIR (made if missing), unmounted when
// the script ends.
func cmdSmallDisk(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: smalldisk DIR SIZE")
	}
	if os.Getuid() != 0 {
		ts.Fatalf("mounting a small disk needs root")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+args[1], "devenv-small-disk", dir).CombinedOutput(); err != nil {
		ts.Fatalf("mount a tmpfs of %s at %s: %v: %s", args[1], dir, err, strings.TrimSpace(string(out)))
	}
	ts.Defer(func() { _ = exec.Command("umount", "-l", dir).Run() })
}

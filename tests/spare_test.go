//go:build linux

package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Commands of the spare scripts: the container devenv starts ahead for the next
// command (env/spare.go).
func init() {
	scriptCmds["waitspare"] = cmdWaitSpare
	scriptCmds["nospare"] = cmdNoSpare
	scriptCmds["gone"] = cmdGone
}

// spareNameRe is an unused spare's name (a used one is renamed -run-ID).
var spareNameRe = regexp.MustCompile(`-spare-[0-9a-f]{12}$`)

// cleaning marks the scripts whose spares are removed when they end.
var cleaning sync.Map

// spares lists this script's spares as "ID NAME STATE", used or not. The first call
// of a script makes sure none outlives it: a spare is started by a process of its
// own a moment after a command ends, perhaps after the script's own clean-up.
func spares(ts *testscript.TestScript) [][]string {
	work := ts.Getenv("WORK")
	if _, done := cleaning.LoadOrStore(work, true); !done {
		ts.Defer(func() { removeSparesOf(work) })
	}
	out, err := exec.Command("docker", "ps", "-a", "--filter", "label=dev.devenv.container=spare",
		"--format", `{{.ID}} {{.Names}} {{.State}} {{.Label "dev.devenv.project"}}`).Output()
	ts.Check(err)
	var list [][]string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(line); len(f) == 4 && strings.HasPrefix(f[3], work) {
			list = append(list, f)
		}
	}
	return list
}

// waitspare VAR [NOT]: within 30 s exactly one unused spare of the project the
// script stands in runs, and it is not NOT (an older one, to be replaced); VAR is set to its
// short ID, which is the hostname a command in it sees.
func cmdWaitSpare(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitspare VAR [NOT]")
	}
	// The project the script stands in: a moved project's old spare is not its.
	root := ts.MkAbs(".")
	for _, err := os.Stat(filepath.Join(root, "devenv.toml")); err != nil && root != "/"; _, err = os.Stat(filepath.Join(root, "devenv.toml")) {
		root = filepath.Dir(root)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var idle [][]string
		for _, s := range spares(ts) {
			if spareNameRe.MatchString(s[1]) && s[2] == "running" && s[3] == root {
				idle = append(idle, s)
			}
		}
		if len(idle) == 1 && (len(args) == 1 || idle[0][0] != args[1]) {
			ts.Setenv(args[0], idle[0][0])
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("want one unused spare within 30s, have %v", spares(ts))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// nospare WITHIN: no spare of this script's projects exists, used or not, and none
// appears for WITHIN (one whose start was ordered before must not come after).
func cmdNoSpare(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: nospare WITHIN")
	}
	within, err := time.ParseDuration(args[0])
	ts.Check(err)
	deadline := time.Now().Add(within)
	for {
		if left := spares(ts); len(left) > 0 {
			ts.Fatalf("spares left: %v", left)
		}
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// gone ID WITHIN: the container ID is gone within WITHIN.
func cmdGone(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: gone ID WITHIN")
	}
	within, err := time.ParseDuration(args[1])
	ts.Check(err)
	deadline := time.Now().Add(within)
	for exec.Command("docker", "inspect", "--format", "{{.Id}}", args[0]).Run() == nil {
		if time.Now().After(deadline) {
			ts.Fatalf("container %s still there after %s", args[0], within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// removeSparesOf waits for the starts of spares under way (devenv __spare processes,
// at most 20 s), then removes the spares of the projects under work.
func removeSparesOf(work string) {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && spareStarting() {
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := exec.Command("docker", "ps", "-a", "--filter", "label=dev.devenv.container=spare",
		"--format", `{{.ID}} {{.Label "dev.devenv.project"}}`).Output()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(line); len(f) == 2 && strings.HasPrefix(f[1], work) {
			_ = exec.Command("docker", "rm", "-f", f[0]).Run()
		}
	}
}

// spareStarting reports whether a devenv of this test binary is starting a spare.
func spareStarting() bool {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		data, err := os.ReadFile(p)
		if err == nil && strings.HasPrefix(string(data), filepath.Join(binDir, "devenv")+"\x00") && strings.Contains(string(data), "\x00__spare") {
			return true
		}
	}
	return false
}

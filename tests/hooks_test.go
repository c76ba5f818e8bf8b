//go:build linux

package tests

import (
	"os"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// Commands of the hooks and dotfiles scripts.

func init() {
	scriptCmds["lines"] = cmdLines
}

// lines FILE N: FILE has exactly N lines (a hook appends one line each time it runs).
func cmdLines(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: lines FILE N")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	if os.IsNotExist(err) {
		data, err = nil, nil
	}
	ts.Check(err)
	got := strings.Count(string(data), "\n")
	if (got == want) == neg {
		ts.Fatalf("%s has %d lines, want %s%d:\n%s", args[0], got, map[bool]string{true: "other than ", false: ""}[neg], want, data)
	}
}

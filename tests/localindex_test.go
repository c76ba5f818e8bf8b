//go:build linux

package tests

import (
	"archive/zip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// Commands for the stack scripts whose registry these machines cannot reach (RubyGems,
// Packagist): they serve a package index the script makes, as a user's private index
// would be served, from a busybox httpd container on the engine's default bridge.
func init() {
	scriptCmds["localindex"] = cmdLocalIndex
	scriptCmds["localindexstop"] = cmdLocalIndexStop
	scriptCmds["zipdir"] = cmdZipDir
}

// localindex DIR VAR: serve DIR over HTTP on port 8080 and set VAR to its URL
// (http://IP:8080, no trailing slash); the container is removed when the script ends.
func cmdLocalIndex(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: localindex DIR VAR")
	}
	dir := ts.MkAbs(args[0])
	// httpd serves as nobody: the index must be world-readable.
	ts.Check(exec.Command("chmod", "-R", "a+rX", dir).Run())
	out, err := exec.Command("docker", "run", "-d", "--rm", "--label", "dev.devenv.test=1",
		"-v", dir+":/www:ro", "busybox:devenv", "httpd", "-f", "-p", "8080", "-h", "/www").CombinedOutput()
	if err != nil {
		ts.Fatalf("starting the index server: %v: %s", err, out)
	}
	id := strings.TrimSpace(string(out))
	ts.Defer(func() { _ = exec.Command("docker", "rm", "-f", id).Run() })
	ip, err := exec.Command("docker", "inspect", "--format", "{{.NetworkSettings.IPAddress}}", id).Output()
	ts.Check(err)
	if strings.TrimSpace(string(ip)) == "" {
		ts.Fatalf("index server %s has no address on the default bridge", id)
	}
	ts.Setenv(args[1], "http://"+strings.TrimSpace(string(ip))+":8080")
	ts.Setenv(args[1]+"_ID", id)
}

// localindexstop VAR: stop the server localindex started under VAR, so what follows
// proves it is no longer needed.
func cmdLocalIndexStop(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: localindexstop VAR")
	}
	out, err := exec.Command("docker", "rm", "-f", ts.Getenv(args[0]+"_ID")).CombinedOutput()
	if err != nil {
		ts.Fatalf("stopping the index server: %v: %s", err, out)
	}
}

// zipdir SRC DST: zip the files under SRC, with paths relative to SRC.
func cmdZipDir(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: zipdir SRC DST")
	}
	src, dst := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(filepath.Dir(dst), 0o755))
	f, err := os.Create(dst)
	ts.Check(err)
	zw := zip.NewWriter(f)
	ts.Check(filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		name, _ := filepath.Rel(src, p)
		w, err := zw.Create(filepath.ToSlash(name))
		if err != nil {
			return err
		}
		r, err := os.Open(p)
		if err != nil {
			return err
		}
		defer r.Close()
		_, err = io.Copy(w, r)
		return err
	}))
	ts.Check(zw.Close())
	ts.Check(f.Close())
}

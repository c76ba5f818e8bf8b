//go:build linux

package tests

import (
	"os"
	"os/exec"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// Maven Central cannot be reached from these machines: the Java scripts serve a private
// Maven repository instead, as a company's mirror would be, and point the project at it
// through its own settings.xml.
func init() {
	scriptCmds["mavenmirror"] = cmdMavenMirror
}

// mavenmirror DIR VAR: serve a Maven repository on the engine's default bridge that
// holds the plugins and JUnit of the image devenv-e2e/maven-mirror:bookworm
// (scripts/images/java.sh) and the artifacts the script put in DIR (each first-level
// folder of DIR, like dev/ for groupId dev.e2e, appears at the repository's root); set
// VAR to its URL. The container is removed when the script ends.
func cmdMavenMirror(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mavenmirror DIR VAR")
	}
	dir := ts.MkAbs(args[0])
	// httpd serves as nobody: the artifacts must be world-readable.
	ts.Check(exec.Command("chmod", "-R", "a+rX", dir).Run())
	entries, err := os.ReadDir(dir)
	ts.Check(err)
	run := []string{"run", "-d", "--rm", "--label", "dev.devenv.test=1"}
	for _, e := range entries {
		run = append(run, "-v", dir+"/"+e.Name()+":/www/"+e.Name()+":ro")
	}
	run = append(run, "devenv-e2e/maven-mirror:bookworm", "httpd", "-f", "-p", "8080", "-h", "/www")
	out, err := exec.Command("docker", run...).CombinedOutput()
	if err != nil {
		ts.Fatalf("starting the Maven repository (run scripts/base-images.sh?): %v: %s", err, out)
	}
	id := strings.TrimSpace(string(out))
	ts.Defer(func() { _ = exec.Command("docker", "rm", "-f", id).Run() })
	ip, err := exec.Command("docker", "inspect", "--format", "{{.NetworkSettings.IPAddress}}", id).Output()
	ts.Check(err)
	if strings.TrimSpace(string(ip)) == "" {
		ts.Fatalf("Maven repository %s has no address on the default bridge", id)
	}
	ts.Setenv(args[1], "http://"+strings.TrimSpace(string(ip))+":8080")
}

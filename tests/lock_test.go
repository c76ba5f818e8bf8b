//go:build linux

package tests

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The devenv.lock scripts (testdata/lock_*.txtar) install from a real Debian package
// repository the script makes: .debs built with dpkg-deb, indexed with
// dpkg-scanpackages, served over HTTP on the engine's bridge address, where build
// steps reach it and nothing outside the machine does.

func init() {
	scriptCmds["debrepo"] = cmdDebRepo
	scriptCmds["basetag"] = cmdBaseTag
	scriptCmds["retag"] = cmdRetag
}

// debrepo publish NAME VERSION [DEPENDS] | unpublish NAME VERSION | serve: a flat
// Debian repository in $WORK/debrepo. serve sets REPO_URL to where build steps reach it.
func cmdDebRepo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: debrepo publish NAME VERSION [DEPENDS] | unpublish NAME VERSION | serve")
	}
	repo := ts.MkAbs("debrepo")
	ts.Check(os.MkdirAll(repo, 0o755))
	switch {
	case args[0] == "publish" && (len(args) == 3 || len(args) == 4):
		depends := ""
		if len(args) == 4 {
			depends = args[3]
		}
		buildDeb(ts, repo, args[1], args[2], depends)
		indexRepo(ts, repo)
	case args[0] == "unpublish" && len(args) == 3:
		ts.Check(os.Remove(filepath.Join(repo, debName(args[1], args[2]))))
		indexRepo(ts, repo)
	case args[0] == "serve" && len(args) == 1:
		serveRepo(ts, repo)
	default:
		ts.Fatalf("usage: debrepo publish NAME VERSION | unpublish NAME VERSION | serve")
	}
}

func debName(name, version string) string { return name + "_" + version + "_all.deb" }

// buildDeb makes NAME_VERSION_all.deb holding /usr/share/NAME/version, depending on
// depends (a Depends: field) unless it is empty.
func buildDeb(ts *testscript.TestScript, repo, name, version, depends string) {
	root := ts.MkAbs(filepath.Join("debsrc", name+"-"+version))
	ts.Check(os.MkdirAll(filepath.Join(root, "DEBIAN"), 0o755))
	ts.Check(os.MkdirAll(filepath.Join(root, "usr/share", name), 0o755))
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: devenv tests <tests@devenv.invalid>\nDescription: a package the devenv.lock tests build\n", name, version)
	if depends != "" {
		control += "Depends: " + depends + "\n"
	}
	ts.Check(os.WriteFile(filepath.Join(root, "DEBIAN/control"), []byte(control), 0o644))
	ts.Check(os.WriteFile(filepath.Join(root, "usr/share", name, "version"), []byte(version+"\n"), 0o644))
	if out, err := exec.Command("dpkg-deb", "--root-owner-group", "--build", root, filepath.Join(repo, debName(name, version))).CombinedOutput(); err != nil {
		ts.Fatalf("dpkg-deb (scripts/engine-up.sh installs dpkg-dev): %v: %s", err, out)
	}
}

// indexRepo writes Packages with dpkg-scanpackages and a Release naming its digest,
// as apt wants of a flat repository.
func indexRepo(ts *testscript.TestScript, repo string) {
	cmd := exec.Command("dpkg-scanpackages", "--multiversion", ".", "/dev/null")
	cmd.Dir = repo
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	packages, err := cmd.Output()
	if err != nil {
		ts.Fatalf("dpkg-scanpackages (scripts/engine-up.sh installs dpkg-dev): %v: %s", err, stderr.String())
	}
	ts.Check(os.WriteFile(filepath.Join(repo, "Packages"), packages, 0o644))
	sum := sha256.Sum256(packages)
	release := fmt.Sprintf("Origin: devenv-tests\nLabel: devenv-tests\nDate: %s\nSHA256:\n %s %d Packages\n",
		time.Now().UTC().Format(time.RFC1123), hex.EncodeToString(sum[:]), len(packages))
	ts.Check(os.WriteFile(filepath.Join(repo, "Release"), []byte(release), 0o644))
}

// serveRepo serves repo on the address of the engine's bridge (docker0): local to this
// machine, and what a build step's network reaches. It stops when the script ends.
func serveRepo(ts *testscript.TestScript, repo string) {
	iface, err := net.InterfaceByName("docker0")
	if err != nil {
		ts.Fatalf("the engine's bridge docker0: %v", err)
	}
	addrs, err := iface.Addrs()
	ts.Check(err)
	var ip net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			ip = n.IP
		}
	}
	if ip == nil {
		ts.Fatalf("docker0 has no IPv4 address")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	ts.Check(err)
	srv := &http.Server{Handler: http.FileServer(http.Dir(repo)), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	ts.Defer(func() { srv.Close() })
	ts.Setenv("REPO_URL", "http://"+ln.Addr().String()+"/")
}

// basetag NAME SRC: tag the local image SRC as NAME, a base of the script's own
// (never a shared one moved), removed when the script ends.
func cmdBaseTag(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || !strings.HasPrefix(args[0], "e2e-") {
		ts.Fatalf("usage: basetag e2e-NAME SRC")
	}
	if out, err := exec.Command("docker", "tag", args[1], args[0]).CombinedOutput(); err != nil {
		ts.Fatalf("docker tag: %v: %s", err, out)
	}
	ts.Defer(func() { _ = exec.Command("docker", "rmi", args[0]).Run() })
}

// retag NAME: point NAME at a new image made from its current one (one more layer), as
// a base tag that moved upstream does.
func cmdRetag(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || !strings.HasPrefix(args[0], "e2e-") {
		ts.Fatalf("usage: retag e2e-NAME")
	}
	out, err := exec.Command("docker", "create", "--label", "dev.devenv.test=1", args[0], "true").Output()
	if err != nil {
		ts.Fatalf("docker create %s: %v", args[0], err)
	}
	ctr := strings.TrimSpace(string(out))
	defer exec.Command("docker", "rm", "-f", ctr).Run()
	if out, err := exec.Command("docker", "commit", "--change", "LABEL dev.devenv.test=1", ctr, args[0]).CombinedOutput(); err != nil {
		ts.Fatalf("docker commit: %v: %s", err, out)
	}
}

//go:build linux

package tests

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"

	"github.com/rogpeppe/go-internal/testscript"
)

// Commands of the shared cache and bundle scripts (testdata/registry/cache_*.txtar,
// bundle_*.txtar); TestRegistryScripts runs them.
var cacheCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"secondengine": cmdSecondEngine,
	"cleanimage":   cmdCleanImage,
	"replacein":    cmdReplaceIn,
	"cutfile":      cmdCutFile,
}

// secondengine: a second dockerd that shares nothing with the first: its own data
// root, exec root, pid file, socket (group docker, so the test user reaches it) and
// bridge, in a mount namespace of its own; busybox:devenv is loaded into it, nothing
// else. It sets ENGINE2 (its unix:// socket) and TESTUSER, and ends with the script.
func cmdSecondEngine(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: secondengine")
	}
	e := startTestEngine(ts, testEngine{what: "second engine", dirPrefix: "devenv-engine2-",
		bridgePrefix: "dvcache", octet: 214, first: 200, last: 255})
	// The test user reaches it as it reaches the first engine: through the docker group.
	if out, err := exec.Command("chgrp", "docker", e.sock).CombinedOutput(); err != nil {
		ts.Fatalf("chgrp docker %s: %v: %s", e.sock, err, out)
	}
	ts.Setenv("ENGINE2", e.host)
	ts.Setenv("TESTUSER", testUser)
}

// cleanimage REGISTRY REPO TAG: the image's config as the registry serves it to
// anyone (labels, environment, history) names neither the project's path ($WORK),
// nor this machine's host name, nor the test user, and has no project label.
func cmdCleanImage(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: cleanimage REGISTRY REPO TAG")
	}
	get := func(url, accept string) []byte {
		req, err := http.NewRequest("GET", url, nil)
		ts.Check(err)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		ts.Check(err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		ts.Check(err)
		if resp.StatusCode != http.StatusOK {
			ts.Fatalf("GET %s: %s: %s", url, resp.Status, body)
		}
		return body
	}
	base := "http://" + args[0] + "/v2/" + args[1]
	var manifest struct {
		Config struct{ Digest string } `json:"config"`
	}
	ts.Check(json.Unmarshal(get(base+"/manifests/"+args[2], "application/vnd.docker.distribution.manifest.v2+json"), &manifest))
	if manifest.Config.Digest == "" {
		ts.Fatalf("the registry's manifest of %s:%s names no config", args[1], args[2])
	}
	config := get(base+"/blobs/"+manifest.Config.Digest, "*/*")
	host, _ := os.Hostname()
	for what, s := range map[string]string{"the project's path": ts.Getenv("WORK"), "the host name": host, "the test user": testUser} {
		if s != "" && bytes.Contains(config, []byte(s)) {
			ts.Fatalf("the image config in the registry names %s (%s):\n%s", what, s, config)
		}
	}
	if bytes.Contains(config, []byte("dev.devenv.project")) {
		ts.Fatalf("the image in the registry carries the project label:\n%s", config)
	}
	ts.Logf("config %s: %d bytes, clean", manifest.Config.Digest, len(config))
}

// replacein FILE OLD NEW: replace the first OLD in FILE with NEW, of the same length
// (an edit a checksum must catch, not a broken tar).
func cmdReplaceIn(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 || len(args[1]) != len(args[2]) {
		ts.Fatalf("usage: replacein FILE OLD NEW (OLD and NEW of one length)")
	}
	file := ts.MkAbs(args[0])
	data, err := os.ReadFile(file)
	ts.Check(err)
	if !bytes.Contains(data, []byte(args[1])) {
		ts.Fatalf("%s holds no %q", file, args[1])
	}
	ts.Check(os.WriteFile(file, bytes.Replace(data, []byte(args[1]), []byte(args[2]), 1), 0o644))
}

// cutfile SRC DST: DST is the first half of SRC (a download that stopped).
func cmdCutFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cutfile SRC DST")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), data[:len(data)/2], 0o644))
	ts.Logf("%s: %d of %d bytes", args[1], len(data)/2, len(data))
}

// init adds the commands to TestRegistryScripts' (registry_test.go).
func init() {
	for k, v := range cacheCmds {
		registryCmds[k] = v
	}
}

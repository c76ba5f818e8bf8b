//go:build linux

package tests

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// podman_cache.txtar proves that Podman's builds keep the CA bundle out of the image:
// podmanlayers reads every layer of the images as `podman save` writes them.

func init() {
	scriptCmds["podmanlayers"] = cmdPodmanLayers
}

// podmanlayers MARKER: save every image of the script's projects from the tests'
// (rootful) Podman, as `podman save` writes them, and look for MARKER in every file of
// every layer and in the image's config (its history among it). Writes to
// $WORK/podman.out "images N layers M" and a "found IMAGE PATH" line per hit.
func cmdPodmanLayers(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: podmanlayers MARKER")
	}
	marker := []byte(args[0])
	out, err := podman(ts, "images", "-q", "--filter", "label=dev.devenv.project="+ts.Getenv("WORK")).Output()
	ts.Check(err)
	ids := strings.Fields(string(out))
	var report strings.Builder
	layers := 0
	for _, id := range ids {
		archive := ts.MkAbs("image-" + id + ".tar")
		if out, err := podman(ts, "save", "--format", "docker-archive", "-o", archive, id).CombinedOutput(); err != nil {
			ts.Fatalf("podman save %s: %v: %s", id, err, out)
		}
		f, err := os.Open(archive)
		ts.Check(err)
		tr := tar.NewReader(f)
		for {
			hdr, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			ts.Check(err)
			if hdr.Typeflag != tar.TypeReg {
				continue
			}
			if !strings.HasSuffix(hdr.Name, ".tar") {
				b, err := io.ReadAll(tr)
				ts.Check(err)
				if bytes.Contains(b, marker) {
					fmt.Fprintf(&report, "found %s %s\n", id, hdr.Name)
				}
				continue
			}
			layers++
			lr := tar.NewReader(tr)
			for {
				lh, err := lr.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				ts.Check(err)
				if lh.Typeflag != tar.TypeReg {
					continue
				}
				b, err := io.ReadAll(lr)
				ts.Check(err)
				if bytes.Contains(b, marker) {
					fmt.Fprintf(&report, "found %s %s:%s\n", id, hdr.Name, lh.Name)
				}
			}
		}
		f.Close()
		ts.Check(os.Remove(archive))
	}
	text := fmt.Sprintf("images %d layers %d\n", len(ids), layers) + report.String()
	ts.Logf("%s", text)
	ts.Check(os.WriteFile(ts.MkAbs("podman.out"), []byte(text), 0o644))
}

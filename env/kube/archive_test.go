package kube

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/devenv/devenv/env/filesync"
)

func TestWriteTree(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "src", "deep"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "src", "deep", "a.txt"), []byte("hello"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("deep/a.txt", filepath.Join(root, "src", "link")); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := writeTree(&buf, root, 1000, 1001); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	got := map[string]*tar.Header{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got[h.Name] = h
	}
	for _, name := range []string{"src/", "src/deep/", "src/deep/a.txt", "src/link"} {
		h, ok := got[name]
		if !ok {
			t.Fatalf("%s missing from %v", name, got)
		}
		if h.Uid != 1000 || h.Gid != 1001 {
			t.Errorf("%s owned by %d:%d, want the user's 1000:1001", name, h.Uid, h.Gid)
		}
	}
	if got["src/link"].Linkname != "deep/a.txt" || got["src/deep/a.txt"].Size != 5 || got["src/deep/a.txt"].Mode&0o777 != 0o640 {
		t.Errorf("link or file not as on the host: %+v %+v", got["src/link"], got["src/deep/a.txt"])
	}
}

func TestParseListing(t *testing.T) {
	files := map[string]filesync.FileStat{}
	now, err := parseListing("1700000000\n5 1699999999 81a4 ./a b.txt\n4096 1699999999 41ed ./dir\nnot a line\n", files)
	if err != nil || now != 1700000000 {
		t.Fatalf("clock %d, %v", now, err)
	}
	if len(files) != 1 || files["a b.txt"] != (filesync.FileStat{Size: 5, Mtime: 1699999999}) {
		t.Errorf("only regular files, names with spaces whole: %+v", files)
	}
	if _, err := parseListing("", files); err == nil {
		t.Error("an empty listing is an error")
	}
}

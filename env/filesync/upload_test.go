package filesync

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestUploadIsAFirstFullSync(t *testing.T) {
	root, _, _, _ := setup(t)
	write(t, root, "src/deep/er/b.txt", "b\n")
	rem := &memRemote{files: map[string]memFile{}, now: time.Now().Unix() + 100}
	s, err := New(Options{Root: root, UID: 1234, GID: 1234, StatePath: filepath.Join(t.TempDir(), "state.json")}, rem)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Upload(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{".gitignore", "devenv.toml", "src/a.txt", "src/deep/er/b.txt"} {
		if f, ok := rem.files[p]; !ok || f.uid != 1234 {
			t.Errorf("%s not uploaded as uid 1234: %+v", p, f)
		}
	}
	for _, p := range []string{"build/out", "debug.log"} {
		if _, ok := rem.files[p]; ok {
			t.Errorf("%s is ignored but was uploaded", p)
		}
	}
	// The state is the common ancestor: a full sync right after has nothing to send.
	pushed, _ := s.Counts()
	if err := s.Full(t.Context()); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Counts(); again != pushed {
		t.Errorf("a full sync after the upload sent %d files again", again-pushed)
	}
	if len(s.State().Files) != 4 {
		t.Errorf("state has %d files, want 4", len(s.State().Files))
	}
}

// A volume removed or emptied behind devenv's back is not the container deleting
// every file: the host keeps them all, and they go across again.
func TestLostVolumeDeletesNothingOnTheHost(t *testing.T) {
	for _, how := range []string{"poll", "full"} {
		t.Run(how, func(t *testing.T) {
			root, rem, s, _ := setup(t)
			rem.files = map[string]memFile{}
			var err error
			if how == "poll" {
				err = s.Container(t.Context())
			} else {
				err = s.Full(t.Context())
			}
			if err != nil {
				t.Fatal(err)
			}
			if read(t, root, "src/a.txt") != "a\n" || read(t, root, "devenv.toml") != "name = 'x'\n" {
				t.Fatal("the host lost a file")
			}
			if err := s.Full(t.Context()); err != nil {
				t.Fatal(err)
			}
			if string(rem.files["src/a.txt"].data) != "a\n" {
				t.Error("the host's files did not go to the new volume")
			}
		})
	}
}

// cutRemote takes the first n files of a push, the last of them cut short, and then
// fails, as a full disk does.
type cutRemote struct {
	*memRemote
	n int
}

func (c *cutRemote) Push(ctx context.Context, r io.Reader) error {
	tr := tar.NewReader(r)
	for i := 0; ; i++ {
		hdr, err := tr.Next()
		if err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeDir {
			continue
		}
		b, _ := io.ReadAll(tr)
		if i == c.n {
			c.files[hdr.Name] = memFile{data: b[:len(b)/2], mtime: hdr.ModTime.Unix(), uid: hdr.Uid}
			return errors.New("no space left on device")
		}
		c.files[hdr.Name] = memFile{data: b, mtime: hdr.ModTime.Unix(), uid: hdr.Uid}
	}
}

// A first upload cut short (a full disk) leaves cut copies in the volume: the next
// sync sends the host's files again, with no conflict and nothing lost.
func TestUploadCutShortIsResumed(t *testing.T) {
	root := t.TempDir()
	for i := range 6 {
		write(t, root, fmt.Sprintf("src/f%d.txt", i), strings.Repeat(fmt.Sprint(i), 100))
	}
	mem := &memRemote{files: map[string]memFile{}, now: time.Now().Unix() + 100}
	state := filepath.Join(t.TempDir(), "state.json")
	s, err := New(Options{Root: root, StatePath: state}, &cutRemote{mem, 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Upload(t.Context()); err == nil {
		t.Fatal("the cut upload did not fail")
	}
	// Meanwhile the host deleted one of the files that went.
	os.Remove(filepath.Join(root, "src/f0.txt"))
	s, err = New(Options{Root: root, StatePath: state}, mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Full(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "src/f0.txt")); err == nil {
		t.Error("a file the host deleted came back from the cut upload")
	}
	if _, ok := mem.files["src/f0.txt"]; ok {
		t.Error("a file the host deleted stayed in the volume")
	}
	for i := 1; i < 6; i++ {
		p := fmt.Sprintf("src/f%d.txt", i)
		if want := strings.Repeat(fmt.Sprint(i), 100); string(mem.files[p].data) != want || read(t, root, p) != want {
			t.Errorf("%s: container %q, host %q", p, mem.files[p].data, read(t, root, p))
		}
	}
	if st := s.State(); len(st.Conflicts) != 0 || st.Uploading || len(st.Files) != 5 {
		t.Errorf("state after the resumed upload: %+v", st)
	}
}

// A state lost (a cleared cache) over a volume that matches the host: every file is
// compared by its hash, in bulk, and none is taken for a conflict.
func TestLostStateComparesByContent(t *testing.T) {
	root, rem, s, _ := setup(t)
	os.Remove(s.opt.StatePath)
	rem.files["src/a.txt"] = memFile{data: []byte("a\n"), mtime: rem.now - 50}
	s2, err := New(Options{Root: root, StatePath: s.opt.StatePath}, rem)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Full(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := s2.State(); len(st.Conflicts) != 0 || len(st.Files) != 3 {
		t.Errorf("conflicts %+v, %d files", st.Conflicts, len(st.Files))
	}
}

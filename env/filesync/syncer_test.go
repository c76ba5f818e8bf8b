package filesync

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// memRemote is the container's side in memory, with a clock the test moves.
type memRemote struct {
	files map[string]memFile
	now   int64
	down  bool
}

type memFile struct {
	data  []byte
	mtime int64
	uid   int
}

var errDown = errors.New("engine gone")

func (m *memRemote) List(_ context.Context, paths []string) (map[string]FileStat, int64, error) {
	if m.down {
		return nil, 0, errDown
	}
	out := map[string]FileStat{}
	for p, f := range m.files {
		out[p] = FileStat{Size: int64(len(f.data)), Mtime: f.mtime}
	}
	return out, m.now, nil
}

func (m *memRemote) Push(_ context.Context, r io.Reader) error {
	if m.down {
		return errDown
	}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeDir {
			continue
		}
		b, _ := io.ReadAll(tr)
		m.files[hdr.Name] = memFile{data: b, mtime: hdr.ModTime.Unix(), uid: hdr.Uid}
	}
}

func (m *memRemote) Pull(_ context.Context, rel string) (io.ReadCloser, error) {
	if m.down {
		return nil, errDown
	}
	f := m.files[rel]
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: filepath.Base(rel), Size: int64(len(f.data)), Mode: 0o644, ModTime: time.Unix(f.mtime, 0)})
	tw.Write(f.data)
	tw.Close()
	return io.NopCloser(&buf), nil
}

func (m *memRemote) Remove(_ context.Context, paths []string) error {
	if m.down {
		return errDown
	}
	for _, p := range paths {
		delete(m.files, p)
	}
	return nil
}

func setup(t *testing.T) (string, *memRemote, *Syncer, *bytes.Buffer) {
	t.Helper()
	root := t.TempDir()
	write(t, root, ".gitignore", "build/\n*.log\n")
	write(t, root, "devenv.toml", "name = 'x'\n")
	write(t, root, "src/a.txt", "a\n")
	write(t, root, "build/out", "ignored\n")
	write(t, root, "debug.log", "ignored\n")
	rem := &memRemote{files: map[string]memFile{}, now: time.Now().Unix() + 100}
	var notes bytes.Buffer
	s, err := New(Options{Root: root, UID: 1234, GID: 1234, StatePath: filepath.Join(t.TempDir(), "state.json"), Notice: &notes}, rem)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Full(t.Context()); err != nil {
		t.Fatal(err)
	}
	return root, rem, s, &notes
}

func write(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, rel)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, root, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return string(b)
}

func TestFirstUploadHonoursGitignore(t *testing.T) {
	_, rem, _, _ := setup(t)
	for _, p := range []string{".gitignore", "devenv.toml", "src/a.txt"} {
		if f, ok := rem.files[p]; !ok || f.uid != 1234 {
			t.Errorf("%s not uploaded as uid 1234: %+v", p, f)
		}
	}
	for _, p := range []string{"build/out", "debug.log"} {
		if _, ok := rem.files[p]; ok {
			t.Errorf("%s is ignored but was uploaded", p)
		}
	}
}

func TestBothWays(t *testing.T) {
	root, rem, s, _ := setup(t)
	ctx := t.Context()
	rem.files["src/new.txt"] = memFile{data: []byte("from the container\n"), mtime: rem.now}
	rem.files["build/ctr-only"] = memFile{data: []byte("ignored\n"), mtime: rem.now}
	if err := s.Container(ctx); err != nil {
		t.Fatal(err)
	}
	if got := read(t, root, "src/new.txt"); got != "from the container\n" {
		t.Errorf("pulled %q", got)
	}
	if _, err := os.Stat(filepath.Join(root, "build/ctr-only")); err == nil {
		t.Error("an ignored container file came to the host")
	}
	write(t, root, "src/a.txt", "edited on the host\n")
	if err := s.Host(ctx, []string{"src/a.txt"}); err != nil {
		t.Fatal(err)
	}
	if got := string(rem.files["src/a.txt"].data); got != "edited on the host\n" {
		t.Errorf("pushed %q", got)
	}
	// A deletion goes across only when the other side kept the file as it was.
	os.Remove(filepath.Join(root, "src/new.txt"))
	if err := s.Host(ctx, []string{"src/new.txt"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := rem.files["src/new.txt"]; ok {
		t.Error("a host deletion did not reach the container")
	}
	delete(rem.files, "src/a.txt")
	write(t, root, "src/a.txt", "edited again on the host, longer\n")
	if err := s.Full(ctx); err != nil {
		t.Fatal(err)
	}
	if got := string(rem.files["src/a.txt"].data); got != "edited again on the host, longer\n" {
		t.Errorf("a container deletion beat a host edit: %q", got)
	}
}

func TestConflictKeepsBoth(t *testing.T) {
	root, rem, s, notes := setup(t)
	write(t, root, "src/a.txt", "host side\n")
	rem.files["src/a.txt"] = memFile{data: []byte("container side, longer\n"), mtime: rem.now}
	if err := s.Full(t.Context()); err != nil {
		t.Fatal(err)
	}
	st := s.State()
	if len(st.Conflicts) != 1 {
		t.Fatalf("conflicts: %+v", st.Conflicts)
	}
	c := st.Conflicts[0]
	if read(t, root, c.HostCopy) != "host side\n" || read(t, root, c.ContainerCopy) != "container side, longer\n" {
		t.Error("a conflict copy lost its side")
	}
	if string(rem.files[c.ContainerCopy].data) != "container side, longer\n" || string(rem.files[c.HostCopy].data) != "host side\n" {
		t.Error("the container did not get both copies")
	}
	if !strings.Contains(notes.String(), "changed on both sides: both kept") {
		t.Errorf("no line about the conflict: %q", notes.String())
	}
}

func TestInterruptedLosesNothing(t *testing.T) {
	root, rem, s, _ := setup(t)
	write(t, root, "src/b.txt", "new on the host\n")
	rem.files["src/c.txt"] = memFile{data: []byte("new in the container\n"), mtime: rem.now}
	rem.down = true
	if err := s.Full(t.Context()); !errors.Is(err, errDown) {
		t.Fatalf("Full with the engine gone: %v", err)
	}
	if s.State().Interrupted == "" {
		t.Error("the state does not say the sync was interrupted")
	}
	rem.down = false
	if err := s.Full(t.Context()); err != nil {
		t.Fatal(err)
	}
	if read(t, root, "src/c.txt") != "new in the container\n" || string(rem.files["src/b.txt"].data) != "new on the host\n" {
		t.Error("a file was lost across the interruption")
	}
	if s.State().Interrupted != "" {
		t.Error("still marked interrupted after a full sync")
	}
}

func (m *memRemote) Hash(_ context.Context, paths []string) (map[string]string, error) {
	if m.down {
		return nil, errDown
	}
	out := map[string]string{}
	for _, p := range paths {
		if f, ok := m.files[p]; ok {
			sum := sha256.Sum256(f.data)
			out[p] = hex.EncodeToString(sum[:])
		}
	}
	return out, nil
}

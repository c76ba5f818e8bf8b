package detect

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// maxManifest is the most devenv reads of one manifest: lock files of big monorepos run
// to a few MiB, and nothing a stack needs sits past that.
const maxManifest = 16 << 20

// Probe reads a project's files by their slash path relative to the root, each once.
type Probe struct {
	root  string
	files map[string][]byte
	dirs  map[string][]fs.DirEntry
}

// NewProbe reads the project at root.
func NewProbe(root string) *Probe {
	return &Probe{root: root, files: map[string][]byte{}, dirs: map[string][]fs.DirEntry{}}
}

// Root is the project root on the host.
func (p *Probe) Root() string { return p.root }

// IsFile reports whether rel is a regular file (or a link to one) inside the project.
func (p *Probe) IsFile(rel string) bool {
	st, err := os.Stat(p.abs(rel))
	return err == nil && st.Mode().IsRegular()
}

// IsDir reports whether rel is a folder.
func (p *Probe) IsDir(rel string) bool {
	st, err := os.Stat(p.abs(rel))
	return err == nil && st.IsDir()
}

// Read returns the contents of rel; a missing file is fs.ErrNotExist.
func (p *Probe) Read(rel string) ([]byte, error) {
	if b, ok := p.files[rel]; ok {
		if b == nil {
			return nil, fs.ErrNotExist
		}
		return b, nil
	}
	f, err := os.Open(p.abs(rel))
	if err != nil {
		p.files[rel] = nil
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxManifest))
	if err != nil {
		return nil, err
	}
	// A UTF-8 byte order mark (Windows editors write one) is no part of a version or
	// of JSON: npm and the version managers read past it, and so does every reader here.
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	if b == nil {
		b = []byte{}
	}
	p.files[rel] = b
	return b, nil
}

// Text is Read as a string, "" when the file is missing or unreadable.
func (p *Probe) Text(rel string) string {
	b, _ := p.Read(rel)
	return string(b)
}

// FirstLine is the first line of rel that is neither blank nor a # comment, trimmed,
// with its line number; "" when there is none.
func (p *Probe) FirstLine(rel string) (string, int) {
	b, err := p.Read(rel)
	if err != nil {
		return "", 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			return line, n
		}
	}
	return "", 0
}

// LineOf is the number of the first line of rel that contains needle, 0 when none does.
func (p *Probe) LineOf(rel, needle string) int {
	return LineOf(p.Text(rel), needle)
}

// LineOf is the number of the first line of text that contains needle, 0 when none does.
func LineOf(text, needle string) int {
	i := strings.Index(text, needle)
	if i < 0 {
		return 0
	}
	return strings.Count(text[:i], "\n") + 1
}

// Glob returns the regular files in the folder dir whose names match pattern (one
// folder, never a walk), as paths relative to the root, sorted.
func (p *Probe) Glob(dir, pattern string) []string {
	var out []string
	for _, e := range p.entries(dir) {
		if ok, _ := path.Match(pattern, e.Name()); ok && p.IsFile(rel(dir, e.Name())) {
			out = append(out, rel(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

// GlobDirs expands a folder pattern like "packages/*" or "crates/*/sub" below dir, one
// folder level per path segment (never a walk): the folders that exist, relative to the
// root, sorted. A wildcard never matches node_modules or a hidden folder.
func (p *Probe) GlobDirs(dir, pattern string) []string {
	dirs := []string{dir}
	for _, seg := range strings.Split(path.Clean(pattern), "/") {
		var next []string
		for _, d := range dirs {
			if !strings.ContainsAny(seg, "*?[") {
				if p.IsDir(rel(d, seg)) {
					next = append(next, rel(d, seg))
				}
				continue
			}
			for _, e := range p.entries(d) {
				name := e.Name()
				if name == "node_modules" || strings.HasPrefix(name, ".") {
					continue
				}
				if ok, _ := path.Match(seg, name); ok && p.IsDir(rel(d, name)) {
					next = append(next, rel(d, name))
				}
			}
		}
		dirs = next
	}
	sort.Strings(dirs)
	return dirs
}

// GlobManifests is GlobDirs less the folders without a file called manifest: the
// members a workspace pattern names (npm, Cargo, uv).
func (p *Probe) GlobManifests(dir, pattern, manifest string) []string {
	var out []string
	for _, d := range p.GlobDirs(dir, pattern) {
		if p.IsFile(rel(d, manifest)) {
			out = append(out, d)
		}
	}
	return out
}

// entries lists the folder dir, once.
func (p *Probe) entries(dir string) []fs.DirEntry {
	if es, ok := p.dirs[dir]; ok {
		return es
	}
	es, err := os.ReadDir(p.abs(dir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		es = nil
	}
	p.dirs[dir] = es
	return es
}

func (p *Probe) abs(rel string) string {
	return filepath.Join(p.root, filepath.FromSlash(rel))
}

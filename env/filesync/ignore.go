// Package filesync keeps a project's tree on the host and a copy of it on a container
// engine that cannot see the host's path in step, both ways, while a command runs.
// It knows nothing of the engine's API: what it needs of the other side is the small
// Remote interface, so that the rules (what is sent, what wins, what a conflict keeps)
// are tested without an engine.
package filesync

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// Ignore says which paths stay out of the sync: what the project's .gitignore files
// and .git/info/exclude say, and .git itself (git runs on the host; the container
// sees the working tree).
type Ignore struct {
	patterns []gitignore.Pattern
	matcher  gitignore.Matcher
}

// newIgnore starts with .git and the repository's own exclude file; the walk adds each
// directory's .gitignore as it enters it.
func newIgnore(root string) *Ignore {
	ig := &Ignore{}
	ig.add(readPatterns(filepath.Join(root, ".git", "info", "exclude"), nil))
	ig.add([]gitignore.Pattern{gitignore.ParsePattern("/.git", nil)})
	return ig
}

func (ig *Ignore) add(ps []gitignore.Pattern) {
	if len(ps) == 0 && ig.matcher != nil {
		return
	}
	ig.patterns = append(ig.patterns, ps...)
	ig.matcher = gitignore.NewMatcher(ig.patterns)
}

// addDir reads dir's .gitignore (dir relative to the root, "" for the root).
func (ig *Ignore) addDir(root, dir string) {
	var domain []string
	if dir != "" {
		domain = strings.Split(dir, "/")
	}
	ig.add(readPatterns(filepath.Join(root, filepath.FromSlash(dir), ".gitignore"), domain))
}

// Match reports whether rel (slash-separated, relative to the root) is ignored.
func (ig *Ignore) Match(rel string, isDir bool) bool {
	if rel == "" || rel == "." {
		return false
	}
	parts := strings.Split(rel, "/")
	// A path under an ignored directory is ignored, as git has it.
	for i := 1; i < len(parts); i++ {
		if ig.matcher.Match(parts[:i], true) {
			return true
		}
	}
	return ig.matcher.Match(parts, isDir)
}

func readPatterns(path string, domain []string) []gitignore.Pattern {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var ps []gitignore.Pattern
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, domain))
	}
	return ps
}

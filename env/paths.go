package env

import (
	"path"
	"path/filepath"
	"strings"
)

// projectPath cleans a path written relative to the project root, with / (or \ on
// Windows), and reports whether it stays inside the project: not absolute on any
// OS, not climbing above the root.
func projectPath(p string) (clean string, ok bool) {
	clean = path.Clean(filepath.ToSlash(p))
	if filepath.IsAbs(p) || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || filepath.VolumeName(p) != "" {
		return clean, false
	}
	return clean, true
}

// inside reports whether a relative path stays in the project.
func inside(p string) bool {
	_, ok := projectPath(p)
	return ok
}

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

// ContainerWorkdir is workdir plus where cwd stands under root, so that
// `cd src/api && devenv shell` lands in /workspace/src/api.
func ContainerWorkdir(root, cwd, workdir string) string {
	if cwd == "" {
		return workdir
	}
	rel, err := filepath.Rel(root, cwd)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return workdir
	}
	return path.Join(workdir, filepath.ToSlash(rel))
}

// HostPathForEngine writes a host path the way the engine expects it. On Windows,
// Docker Desktop takes drive paths; Git Bash's /c/Users/x is C:\Users\x there.
func HostPathForEngine(p, goos string) string {
	if goos != "windows" {
		return p
	}
	s := strings.ReplaceAll(p, `\`, "/")
	// Git Bash and MSYS: /c/Users/x
	if len(s) >= 2 && s[0] == '/' && isLetter(s[1]) && (len(s) == 2 || s[2] == '/') {
		s = strings.ToUpper(s[1:2]) + ":" + s[2:]
		if len(s) == 2 {
			s += "/"
		}
	}
	if len(s) >= 2 && isLetter(s[0]) && s[1] == ':' {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return strings.ReplaceAll(s, "/", `\`)
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

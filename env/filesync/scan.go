package filesync

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// FileStat is what the sync compares of one regular file on one side: its size and
// when it changed (nanoseconds on the host; seconds in the container, all a shell's
// stat gives).
type FileStat struct {
	Size  int64
	Mtime int64
	Mode  fs.FileMode // host only: the permission bits sent with the file
}

// scan walks root, reading each directory's .gitignore as it enters it, and returns
// the regular files and the directories that are not ignored. Symbolic links and
// special files stay out: the sync carries regular files.
func scan(root string, ig *Ignore) (map[string]FileStat, []string, error) {
	return scanDir(root, "", ig)
}

// scanDir is scan of one directory of the tree, dir relative to root.
func scanDir(root, dir string, ig *Ignore) (map[string]FileStat, []string, error) {
	files := map[string]FileStat{}
	var dirs []string
	top := filepath.Join(root, filepath.FromSlash(dir))
	err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == top {
				return err
			}
			return nil // gone or unreadable since the walk began: the next scan sees it
		}
		rel := relSlash(root, path)
		if d.IsDir() {
			if rel != "" && ig.Match(rel, true) {
				return filepath.SkipDir
			}
			ig.addDir(root, rel)
			dirs = append(dirs, rel)
			return nil
		}
		if !d.Type().IsRegular() || ig.Match(rel, false) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		files[rel] = hostStat(info)
		return nil
	})
	return files, dirs, err
}

func hostStat(info fs.FileInfo) FileStat {
	return FileStat{Size: info.Size(), Mtime: info.ModTime().UnixNano(), Mode: info.Mode().Perm()}
}

// statHost is one path's stat on the host; ok is false when it is not a regular file.
func statHost(root, rel string) (FileStat, bool) {
	info, err := os.Lstat(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil || !info.Mode().IsRegular() {
		return FileStat{}, false
	}
	return hostStat(info), true
}

func relSlash(root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == "." {
		return ""
	}
	return filepath.ToSlash(rel)
}

// under reports whether rel is dir or inside it.
func under(rel, dir string) bool {
	return dir == "" || rel == dir || strings.HasPrefix(rel, dir+"/")
}

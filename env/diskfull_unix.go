//go:build !windows

package env

import (
	"strings"
	"syscall"
)

// localFree is the size and free space of the filesystem holding dir, when the engine
// runs on this machine (a unix socket) and devenv can see its data root.
func localFree(endpoint, dir string) (total, free int64, ok bool) {
	if !strings.HasPrefix(endpoint, "unix://") {
		return 0, 0, false
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, false
	}
	return int64(st.Blocks) * int64(st.Bsize), int64(st.Bavail) * int64(st.Bsize), true
}

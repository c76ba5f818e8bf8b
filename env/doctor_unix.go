//go:build linux || darwin || freebsd

package env

import (
	"errors"
	"os"
	"syscall"
)

// errNoStatfs: this OS gives no free-space figure devenv knows how to read.
var errNoStatfs = errors.New("free space unknown on this OS")

// diskFree is the space on path's file system available to unprivileged users.
func diskFree(path string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}

// fileOwner is the uid and gid owning path.
func fileOwner(path string) (uid, gid int, ok bool, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, false, err
	}
	st, isUnix := fi.Sys().(*syscall.Stat_t)
	if !isUnix {
		return 0, 0, false, nil
	}
	return int(st.Uid), int(st.Gid), true, nil
}

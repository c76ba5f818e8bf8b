//go:build !(linux || darwin || freebsd)

package env

import (
	"errors"
	"os"
)

// errNoStatfs: this OS gives no free-space figure devenv knows how to read.
var errNoStatfs = errors.New("free space unknown on this OS")

func diskFree(string) (uint64, error) { return 0, errNoStatfs }

// fileOwner says only whether path exists: this OS has no uid to compare.
func fileOwner(path string) (uid, gid int, ok bool, err error) {
	_, err = os.Stat(path)
	return 0, 0, false, err
}

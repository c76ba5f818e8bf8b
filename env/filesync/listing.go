package filesync

import (
	"bufio"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// ParseListing reads the listing a sync helper prints of the environment's tree (its
// clock in Unix seconds on the first line, then one "SIZE MTIME HEXMODE PATH" line per
// file) into files, and returns that clock. Lines that are not regular files are
// skipped. where names the side in errors ("the container", "the pod").
func ParseListing(out, where string, files map[string]FileStat) (int64, error) {
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	if !sc.Scan() {
		return 0, fmt.Errorf("%s's listing is empty", where)
	}
	now, err := strconv.ParseInt(strings.TrimSpace(sc.Text()), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s's listing does not start with its clock: %q", where, sc.Text())
	}
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 4)
		if len(f) != 4 {
			continue
		}
		size, err1 := strconv.ParseInt(f[0], 10, 64)
		mtime, err2 := strconv.ParseInt(f[1], 10, 64)
		mode, err3 := strconv.ParseUint(f[2], 16, 32)
		if err1 != nil || err2 != nil || err3 != nil || mode&0o170000 != 0o100000 {
			continue
		}
		files[strings.TrimPrefix(path.Clean(f[3]), "./")] = FileStat{Size: size, Mtime: mtime}
	}
	return now, sc.Err()
}

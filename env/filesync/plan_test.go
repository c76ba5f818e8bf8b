package filesync

import "testing"

func TestDecide(t *testing.T) {
	a := &Entry{Size: 3, Host: 1_000_000_123, Ctr: 1}
	same := func() (*FileStat, *FileStat) {
		return &FileStat{Size: 3, Mtime: 1_000_000_123}, &FileStat{Size: 3, Mtime: 1}
	}
	hs, cs := same()
	hNew := &FileStat{Size: 3, Mtime: 2_000_000_000}
	cNew := &FileStat{Size: 4, Mtime: 1}
	for _, tc := range []struct {
		name string
		h, c *FileStat
		a    *Entry
		want action
	}{
		{"unchanged", hs, cs, a, keep},
		{"edited on the host", hNew, cs, a, push},
		{"edited in the container (size)", hs, cNew, a, pull},
		{"edited in the container (mtime)", hs, &FileStat{Size: 3, Mtime: 5}, a, pull},
		{"deleted on the host", nil, cs, a, rmCtr},
		{"deleted in the container", hs, nil, a, rmHost},
		{"deleted on both", nil, nil, a, forget},
		{"deleted on the host, edited in the container", nil, cNew, a, pull},
		{"edited on the host, deleted in the container", hNew, nil, a, push},
		{"edited on both", hNew, cNew, a, both},
		{"new on the host", hs, nil, nil, push},
		{"new in the container", nil, cs, nil, pull},
		{"new on both: compared", hs, cs, nil, both},
		{"never seen", nil, nil, nil, keep},
	} {
		if got := decide(tc.h, tc.c, tc.a); got != tc.want {
			t.Errorf("%s: decide = %d, want %d", tc.name, got, tc.want)
		}
	}
}

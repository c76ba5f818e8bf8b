package filesync

// action is what one file's sync does.
type action int

const (
	keep   action = iota // nothing changed, or both sides agree
	push                 // the host's file goes to the container
	pull                 // the container's file comes to the host
	rmCtr                // deleted on the host: delete in the container
	rmHost               // deleted in the container: delete on the host
	forget               // deleted on both sides
	both                 // changed on both sides: compare, and keep both if they differ
)

// decide is the three-way rule, per file, from what each side has now (nil: no such
// file) and what both had at the last sync (nil: not synced yet). A deletion
// propagates only when the other side did not change the file; a file changed on
// both sides is never overwritten: see both.
func decide(h, c *FileStat, a *Entry) action {
	hChanged := changed(h, a, func(e *Entry) int64 { return e.Host })
	cChanged := changed(c, a, func(e *Entry) int64 { return e.Ctr })
	switch {
	case !hChanged && !cChanged:
		return keep
	case hChanged && !cChanged:
		if h == nil {
			return rmCtr
		}
		return push
	case !hChanged && cChanged:
		if c == nil {
			return rmHost
		}
		return pull
	}
	// Changed on both sides.
	switch {
	case h == nil && c == nil:
		return forget
	case h == nil: // deleted here, changed there: the change wins
		return pull
	case c == nil:
		return push
	}
	return both
}

func changed(s *FileStat, a *Entry, mtime func(*Entry) int64) bool {
	if s == nil || a == nil {
		return (s == nil) != (a == nil)
	}
	return s.Size != a.Size || s.Mtime != mtime(a)
}

package iostreams

import (
	"context"
	"time"
)

// Windows consoles send no SIGWINCH: look at the size a few times a second.
func (s *IOStreams) watchSize(ctx context.Context, ch chan<- [2]uint) {
	last, _ := s.Size()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if size, ok := s.Size(); ok && size != last {
				last = size
				select {
				case ch <- size:
				default:
				}
			}
		}
	}
}

//go:build !windows

package iostreams

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func (s *IOStreams) watchSize(ctx context.Context, ch chan<- [2]uint) {
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	defer signal.Stop(winch)
	for {
		select {
		case <-ctx.Done():
			return
		case <-winch:
			if size, ok := s.Size(); ok {
				select {
				case ch <- size:
				default: // a newer size will follow
				}
			}
		}
	}
}

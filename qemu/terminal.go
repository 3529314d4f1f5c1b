package qemu

import (
	"io"
	"os"
)

// IsTerminal reports whether r is a terminal: an *os.File that answers the
// get-terminal-attributes ioctl (TCGETS on Linux, TIOCGETA on macOS and the
// BSDs), which /dev/null, a pipe or a regular file do not.
func IsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok || f == nil {
		return false
	}
	return isTerminalFd(int(f.Fd()))
}

//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package qemu

import "golang.org/x/sys/unix"

func isTerminalFd(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TIOCGETA)
	return err == nil
}

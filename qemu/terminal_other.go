//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package qemu

// isTerminalFd says no on hosts without termios: input is then always fed
// through a pipe, which works for a terminal too (without raw mode).
func isTerminalFd(fd int) bool { return false }

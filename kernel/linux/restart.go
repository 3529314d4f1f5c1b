package linux

import (
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/trap"
)

// Restarting a call a signal interrupted (signal(7), "Interruption of
// system calls and library functions by signal handlers"). A thread
// blocked in a call that a signal wakes returns EINTR, unless the call is
// one Linux restarts and the signal's handler was installed with
// SA_RESTART, as the Go runtime installs all of its own: then the thread
// goes back to its SYSCALL instruction with the call's number in RAX, so
// that it makes the call again when the handler returns (Linux's
// ERESTARTSYS, arch/x86/kernel/signal.c, handle_signal). Without this a
// blocking read of a pipe could end in EINTR whenever the runtime
// preempts, which on several CPUs it does while the thread enters the
// call, and code that calls read directly does not expect it.

// saRestart is sigaction's SA_RESTART (uapi asm/signal.h).
const saRestart = 0x10000000

// The numbers of the calls restartable answers for.
const (
	readNr     = 0
	writeNr    = 1
	readvNr    = 19
	writevNr   = 20
	sendtoNr   = 44
	recvfromNr = 45
	sendmsgNr  = 46
	recvmsgNr  = 47
	fcntlNr    = 72
	flockNr    = 73
	futexNr    = 202
)

// interrupt ends blocked thread t's wait for signal sig: restarted or
// EINTR.
func interrupt(t *sched.Thread, sig int) {
	if sigactions[sig].flags&saRestart != 0 && restartable(&t.Frame) {
		t.Frame.RIP -= 2 // SYSCALL is 0f 05
		sched.Wake(t, uintptr(t.Frame.AX))
		return
	}
	sched.Wake(t, errno(EINTR))
}

// restartable reports whether Linux restarts the call that blocked in f
// under SA_RESTART: a read or write (read, write, readv, writev, and a
// socket's send and receive calls: each blocks only while nothing has
// moved), a wait for a file lock (fcntl F_SETLKW and flock), a futex wait
// without a timeout. A wait with one (epoll_wait, nanosleep, a timed
// futex wait) ends in EINTR (ERESTARTNOHAND, ERESTART_RESTARTBLOCK), and
// so here do accept and connect, which ask the network service.
func restartable(f *trap.Frame) bool {
	switch f.AX {
	case readNr, writeNr, readvNr, writevNr, sendtoNr, recvfromNr, sendmsgNr, recvmsgNr, fcntlNr, flockNr:
		return true
	case futexNr:
		return f.R10 == 0
	}
	return false
}

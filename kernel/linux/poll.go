package linux

import (
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/timer"
)

// eventfd2(initval, flags): a counter that write adds to and read drains;
// the runtime writes it to wake a thread sleeping in epoll_pwait.
func sysEventfd2(c call) uintptr {
	fd, ok := allocFD(fdEventfd)
	if !ok {
		return errno(EMFILE)
	}
	fds[fd].counter = uint64(uint32(c.arg(0)))
	return uintptr(fd)
}

// eventfd(initval): eventfd2 without flags.
func sysEventfd(c call) uintptr { return sysEventfd2(c) }

// epoll_wait(epfd, events, maxevents, timeout): epoll_pwait without a mask.
func sysEpollWait(c call) uintptr { return sysEpollPwait(c) }

// epoll_create1(flags)
func sysEpollCreate1(c call) uintptr {
	fd, ok := allocFD(fdEpoll)
	if !ok {
		return errno(EMFILE)
	}
	return uintptr(fd)
}

// epoll_ctl(epfd, op, fd, event): add, change or remove an interest.
func sysEpollCtl(c call) uintptr {
	ep, op, fd, evAddr := lookupFD(c.arg(0)), c.arg(1), int32(c.arg(2)), c.arg(3)
	target := lookupFD(uintptr(fd))
	if ep == nil || ep.kind != fdEpoll || target == nil {
		return errno(EBADF)
	}
	if target.kind.isFS() || target.kind == fdNull {
		return errno(EPERM) // as Linux: regular files and directories cannot be polled
	}
	var ev interest
	if op != epollCtlDel {
		var b [12]byte // struct epoll_event is packed: u32 events, u64 data
		if !Space.CopyIn(b[:], evAddr) {
			return errno(EFAULT)
		}
		// changed: Linux reports a descriptor that is ready when it is
		// added, edge-triggered or not.
		ev = interest{fd: fd, events: le32(b[0:]), data: uint64(le32(b[4:])) | uint64(le32(b[8:]))<<32, changed: true}
	}
	i := 0
	for i < ep.ninterests && ep.interests[i].fd != fd {
		i++
	}
	switch op {
	case epollCtlAdd:
		if i < ep.ninterests {
			return errno(EEXIST)
		}
		if ep.ninterests == maxInterests {
			return errno(ENOMEM)
		}
		ep.interests[ep.ninterests] = ev
		ep.ninterests++
	case epollCtlMod:
		if i == ep.ninterests {
			return errno(ENOENT)
		}
		ep.interests[i] = ev
	case epollCtlDel:
		if i == ep.ninterests {
			return errno(ENOENT)
		}
		ep.interests[i] = ep.interests[ep.ninterests-1]
		ep.ninterests--
	default:
		return errno(EINVAL)
	}
	return 0
}

// epoll_pwait(epfd, events, maxevents, timeout_ms, sigmask): report ready
// interests, or block until one is ready or the timeout passes. This is
// where idle runtime threads sleep until their next timer.
func sysEpollPwait(c call) uintptr {
	ep, evAddr, max, timeout := lookupFD(c.arg(0)), c.arg(1), int(c.arg(2)), int32(c.arg(3))
	if ep == nil || ep.kind != fdEpoll {
		return errno(EBADF)
	}
	if max <= 0 {
		return errno(EINVAL)
	}
	if n, ok := collectEvents(ep, evAddr, max); !ok {
		return errno(EFAULT)
	} else if n > 0 || timeout == 0 {
		return uintptr(n)
	}
	var deadline int64
	if timeout > 0 {
		deadline = timer.Nanotime() + int64(timeout)*1e6
	}
	c.t.WaitArgs = [3]uintptr{c.arg(0), evAddr, uintptr(max)}
	c.t.WaitFor = sched.WaitForEpoll
	sched.Block(c.f, sched.WaitEvent, deadline, 0, 0)
	return 0
}

// collectEvents writes up to max ready events of ep to program memory:
// level-triggered interests whenever they are ready, edge-triggered ones
// (EPOLLET) only once after each change.
func collectEvents(ep *fdEntry, evAddr uintptr, max int) (int, bool) {
	n := 0
	for i := 0; i < ep.ninterests && n < max; i++ {
		in := &ep.interests[i]
		ready := readiness(in.fd) & (in.events | epollErr | epollHup)
		if ready == 0 || in.events&epollET != 0 && !in.changed {
			continue
		}
		in.changed = false
		var b [12]byte
		putLE32(b[0:], ready)
		putLE32(b[4:], uint32(in.data))
		putLE32(b[8:], uint32(in.data>>32))
		if !Space.CopyOut(evAddr+uintptr(n)*12, b[:]) {
			return n, false
		}
		n++
	}
	return n, true
}

// WakeWaiters ends the waits that can now complete: epoll_pwait callers
// whose instance has a ready interest, and readers of standard input.
// Called after anything that may make a descriptor readable.
func WakeWaiters() {
	// Completing one wait can make another possible (a reader empties the
	// pipe a writer waits on): repeat until nothing changes.
	for sched.WakeEvents(wakeResult) > 0 {
	}
}

// wakeResult computes a blocked thread's result if its wait is over.
func wakeResult(t *sched.Thread) (uintptr, bool) {
	switch t.WaitFor {
	case sched.WaitForEpoll:
		ep := lookupFD(t.WaitArgs[0])
		if ep == nil {
			return errno(EBADF), true
		}
		n, ok := collectEvents(ep, t.WaitArgs[1], int(t.WaitArgs[2]))
		if !ok {
			return errno(EFAULT), true
		}
		return uintptr(n), n > 0
	case sched.WaitForStdin:
		if !stdinReady() {
			return 0, false
		}
		return readStdin(t.WaitArgs[0], t.WaitArgs[1]), true
	case sched.WaitForPipeRead, sched.WaitForPipeWrite:
		e := lookupFD(t.WaitArgs[0])
		if e == nil || e.kind != fdPipeRead && e.kind != fdPipeWrite {
			return errno(EBADF), true
		}
		var r uintptr
		if t.WaitFor == sched.WaitForPipeWrite {
			r = pipeWrite(&pipes[e.pipe], t.WaitArgs[1], t.WaitArgs[2])
		} else {
			r = pipeRead(&pipes[e.pipe], t.WaitArgs[1], t.WaitArgs[2])
		}
		return r, r != errno(EAGAIN)
	}
	return 0, false
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

package linux

import (
	"github.com/gobare/gobare/kernel/ipc"
	"github.com/gobare/gobare/kernel/timer"
	"github.com/gobare/gobare/kernel/vfs"
)

// eventfd2(initval, flags): a counter as a file (kernel/ipc).
func sysEventfd2(c call) uintptr {
	flags := uint32(c.arg(1))
	if flags&^(vfs.Nonblock|oCloexec) != 0 {
		return errno(EINVAL)
	}
	f, err := ipc.NewEventfd(uint64(uint32(c.arg(0))), flags)
	if err != 0 {
		return errno(err)
	}
	return dupResult(FDs.Install(f, 0, flags&oCloexec != 0))
}

// eventfd(initval): eventfd2 without flags.
func sysEventfd(c call) uintptr {
	f, err := ipc.NewEventfd(uint64(uint32(c.arg(0))), 0)
	if err != 0 {
		return errno(err)
	}
	return dupResult(FDs.Install(f, 0, false))
}

// epoll_create1(flags)
func sysEpollCreate1(c call) uintptr {
	if c.arg(0)&^oCloexec != 0 {
		return errno(EINVAL)
	}
	f, err := ipc.NewEpoll()
	if err != 0 {
		return errno(err)
	}
	return dupResult(FDs.Install(f, 0, c.arg(0)&oCloexec != 0))
}

// epoll_ctl(epfd, op, fd, event): add, change or remove an interest.
func sysEpollCtl(c call) uintptr {
	ep, op, fd := file(c.arg(0)), int(c.arg(1)), c.arg(2)
	target := file(fd)
	if ep == nil || target == nil {
		return errno(EBADF)
	}
	e := ipc.AsEpoll(ep)
	if e == nil {
		return errno(EINVAL)
	}
	var ev [ipc.EventSize]byte
	if op != ipc.EpollCtlDel && !Space.CopyIn(ev[:], c.arg(3)) {
		return errno(EFAULT)
	}
	return errno(e.Ctl(op, int32(fd), target, &ev))
}

// epoll_wait(epfd, events, maxevents, timeout): epoll_pwait without a mask.
func sysEpollWait(c call) uintptr { return sysEpollPwait(c) }

// maxEvents bounds the events one epoll_pwait reports.
const maxEvents = 64

// epoll_pwait(epfd, events, maxevents, timeout_ms, sigmask): report ready
// interests, or block until one is ready or the timeout passes. This is
// where idle runtime threads sleep until their next timer.
func sysEpollPwait(c call) uintptr {
	f, evAddr, max, timeout := file(c.arg(0)), c.arg(1), int(int32(c.arg(2))), int32(c.arg(3))
	if f == nil {
		return errno(EBADF)
	}
	e := ipc.AsEpoll(f)
	if e == nil || max <= 0 {
		return errno(EINVAL)
	}
	var out [maxEvents * ipc.EventSize]byte
	n := e.Collect(out[:min(max, maxEvents)*ipc.EventSize])
	if n > 0 {
		if !Space.CopyOut(evAddr, out[:n*ipc.EventSize]) {
			return errno(EFAULT)
		}
		return uintptr(n)
	}
	if timeout == 0 {
		return 0
	}
	var deadline int64
	if timeout > 0 {
		deadline = timer.Nanotime() + int64(timeout)*1e6
	}
	return c.block(e.WaitKey(), deadline, 0)
}

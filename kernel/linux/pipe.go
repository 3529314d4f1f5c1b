package linux

import "github.com/gobare/gobare/kernel/sched"

// Pipes (pipe(7)): a ring buffer between a read end and a write end. A
// read blocks while the pipe is empty and a writer remains; a write blocks
// while it is full and a reader remains — unless the descriptor is
// O_NONBLOCK, when both return EAGAIN and the Go runtime waits in
// epoll_pwait instead. The testing package needs them: examples capture
// their output through os.Pipe.
const (
	maxPipes  = 16
	pipeSize  = 16 << 10
	oNonblock = 0o4000
	EPIPE     = 32
)

type pipe struct {
	buf              [pipeSize]byte
	head, len        int
	readers, writers int // open descriptors of each end; 0 and 0: free
}

var pipes [maxPipes]pipe

func (p *pipe) readEvents() uint32 {
	var ev uint32
	if p.len > 0 {
		ev |= epollIn
	}
	if p.writers == 0 {
		ev |= epollIn | epollHup | epollRdhup
	}
	return ev
}

func (p *pipe) writeEvents() uint32 {
	if p.readers == 0 {
		return epollOut | epollErr
	}
	if p.len < pipeSize {
		return epollOut
	}
	return 0
}

// pipe2(fds, flags)
func sysPipe2(c call) uintptr {
	pi := -1
	for i := range pipes {
		if pipes[i].readers == 0 && pipes[i].writers == 0 {
			pi = i
			break
		}
	}
	if pi < 0 {
		return errno(EMFILE)
	}
	r, ok1 := allocFD(fdPipeRead)
	if !ok1 {
		return errno(EMFILE)
	}
	w, ok2 := allocFD(fdPipeWrite)
	if !ok2 {
		fds[r] = fdEntry{}
		return errno(EMFILE)
	}
	pipes[pi] = pipe{readers: 1, writers: 1}
	for _, fd := range [2]int{r, w} {
		fds[fd].pipe = pi
		fds[fd].flags = uint32(c.arg(1)) & oNonblock
		fds[fd].cloexec = c.arg(1)&oCloexec != 0
	}
	var b [8]byte
	putLE32(b[0:], uint32(r))
	putLE32(b[4:], uint32(w))
	if !Space.CopyOut(c.arg(0), b[:]) {
		fds[r], fds[w] = fdEntry{}, fdEntry{}
		pipes[pi] = pipe{}
		return errno(EFAULT)
	}
	return 0
}

// pipe(fds)
func sysPipe(c call) uintptr {
	c.f.SI = 0
	return sysPipe2(c)
}

// pipeRead copies up to n bytes from the pipe to buf: 0 at end of file,
// EAGAIN when empty (the caller decides whether to block, and wakes the
// waiters: this runs inside WakeWaiters too).
func pipeRead(p *pipe, buf, n uintptr) uintptr {
	if p.len == 0 {
		if p.writers == 0 {
			return 0
		}
		return errno(EAGAIN)
	}
	k := min(int(n), p.len)
	first := min(k, pipeSize-p.head)
	if !Space.CopyOut(buf, p.buf[p.head:p.head+first]) || !Space.CopyOut(buf+uintptr(first), p.buf[:k-first]) {
		return errno(EFAULT)
	}
	p.head = (p.head + k) % pipeSize
	p.len -= k
	markChanged()
	return uintptr(k)
}

// pipeWrite copies as much of buf as fits: EPIPE without readers, EAGAIN
// when full.
func pipeWrite(p *pipe, buf, n uintptr) uintptr {
	if p.readers == 0 {
		return errno(EPIPE)
	}
	if p.len == pipeSize {
		return errno(EAGAIN)
	}
	k := min(int(n), pipeSize-p.len)
	tail := (p.head + p.len) % pipeSize
	first := min(k, pipeSize-tail)
	if !Space.CopyIn(p.buf[tail:tail+first], buf) || !Space.CopyIn(p.buf[:k-first], buf+uintptr(first)) {
		return errno(EFAULT)
	}
	p.len += k
	markChanged()
	return uintptr(k)
}

// pipeIO does a read or write on a pipe end, blocking the thread when the
// descriptor is blocking and nothing could be done yet.
func pipeIO(c call, e *fdEntry, write bool) uintptr {
	fd, buf, n := c.arg(0), c.arg(1), c.arg(2)
	if n == 0 {
		return 0
	}
	p := &pipes[e.pipe]
	var r uintptr
	if write {
		r = pipeWrite(p, buf, n)
	} else {
		r = pipeRead(p, buf, n)
	}
	if r != errno(EAGAIN) {
		WakeWaiters() // the other end may be waiting for this
		return r
	}
	if e.flags&oNonblock != 0 {
		return r
	}
	c.t.WaitArgs = [3]uintptr{fd, buf, n}
	c.t.WaitFor = sched.WaitForPipeRead
	if write {
		c.t.WaitFor = sched.WaitForPipeWrite
	}
	sched.Block(c.f, sched.WaitEvent, 0, 0, 0)
	return 0
}

// closePipeEnd drops one descriptor of a pipe end.
func closePipeEnd(e *fdEntry) {
	p := &pipes[e.pipe]
	if e.kind == fdPipeRead {
		p.readers--
	} else {
		p.writers--
	}
	notifyAll()
}

// dupFD makes newfd (the lowest free one at or above from, when newfd is
// negative) refer to what oldfd refers to.
func dupFD(oldfd uintptr, newfd int, from int) uintptr {
	e := lookupFD(oldfd)
	if e == nil {
		return errno(EBADF)
	}
	if newfd < 0 {
		for newfd = from; newfd < maxFDs && fds[newfd].kind != fdFree; newfd++ {
		}
		if newfd >= maxFDs {
			return errno(EMFILE)
		}
	} else if newfd >= maxFDs {
		return errno(EBADF)
	}
	if uintptr(newfd) == oldfd {
		return uintptr(newfd)
	}
	closeFD(&fds[newfd])
	fds[newfd] = *e
	fds[newfd].cloexec = false // a duplicate starts without it (dup3 and F_DUPFD_CLOEXEC set it)
	switch e.kind {
	case fdPipeRead:
		pipes[e.pipe].readers++
	case fdPipeWrite:
		pipes[e.pipe].writers++
	}
	return uintptr(newfd)
}

// dup(oldfd)
func sysDup(c call) uintptr { return dupFD(c.arg(0), -1, 0) }

// dup2(oldfd, newfd) and dup3(oldfd, newfd, flags)
func sysDup2(c call) uintptr {
	if lookupFD(c.arg(0)) == nil {
		return errno(EBADF)
	}
	r := dupFD(c.arg(0), int(c.arg(1)), 0)
	if int64(r) >= 0 && c.f.AX == 292 && c.arg(2)&oCloexec != 0 { // dup3(O_CLOEXEC)
		fds[r].cloexec = true
	}
	return r
}

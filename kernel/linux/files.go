package linux

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/sched"
)

// write(fd, buf, count): standard output and error go to the console; an
// eventfd adds the 8-byte value to its counter.
func sysWrite(c call) uintptr {
	fd, buf, n := c.arg(0), c.arg(1), c.arg(2)
	e := lookupFD(fd)
	switch {
	case e == nil || e.kind == fdEpoll || e.kind == fdPipeRead || fd == 0 && e.kind == fdConsole || e.kind.isFS():
		return errno(EBADF)
	case e.kind == fdNull:
		return n
	case e.kind == fdPipeWrite:
		return pipeIO(c, e, true)
	case e.kind.isTmp():
		return tmpIO(e, buf, n, -1, true)
	case e.kind == fdEventfd:
		v, ok := Space.ReadUint64(buf)
		if n < 8 || v == ^uint64(0) {
			return errno(EINVAL)
		}
		if !ok {
			return errno(EFAULT)
		}
		e.counter += v
		notifyAll()
		return 8
	}
	var chunk [256]byte
	for done := uintptr(0); done < n; {
		k := min(n-done, uintptr(len(chunk)))
		if !Space.CopyIn(chunk[:k], buf+done) {
			if done > 0 {
				return done
			}
			return errno(EFAULT)
		}
		console.Write(chunk[:k])
		done += k
	}
	return n
}

// read(fd, buf, count): standard input blocks until the console has a
// byte; an eventfd returns and clears its counter, or EAGAIN when zero.
func sysRead(c call) uintptr {
	fd, buf, n := c.arg(0), c.arg(1), c.arg(2)
	e := lookupFD(fd)
	switch {
	case e == nil || e.kind == fdEpoll || e.kind == fdPipeWrite || (fd == 1 || fd == 2) && e.kind == fdConsole:
		return errno(EBADF)
	case e.kind == fdNull:
		return 0
	case e.kind == fdPipeRead:
		return pipeIO(c, e, false)
	case e.kind.isTmp():
		return tmpIO(e, buf, n, -1, false)
	case e.kind.isFS():
		if e.kind != fdFile {
			return errno(EISDIR)
		}
		k := readFile(e, buf, n, e.pos)
		if int64(k) > 0 {
			e.pos += int64(k)
		}
		return k
	case e.kind == fdEventfd:
		if n < 8 {
			return errno(EINVAL)
		}
		if e.counter == 0 {
			return errno(EAGAIN)
		}
		if !Space.WriteUint64(buf, e.counter) {
			return errno(EFAULT)
		}
		e.counter = 0
		return 8
	}
	if n == 0 {
		return 0
	}
	PollStdin()
	if stdinReady() {
		return readStdin(buf, n)
	}
	c.t.WaitArgs = [3]uintptr{buf, n}
	c.t.WaitFor = sched.WaitForStdin
	sched.Block(c.f, sched.WaitEvent, 0, 0, 0)
	return 0
}

// close(fd)
func sysClose(c call) uintptr {
	e := lookupFD(c.arg(0))
	if e == nil {
		return errno(EBADF)
	}
	closeFD(e)
	return 0
}

// closeFD releases a descriptor (a free one is left alone).
func closeFD(e *fdEntry) {
	switch e.kind {
	case fdFree:
		return
	case fdPipeRead, fdPipeWrite:
		closePipeEnd(e)
	}
	*e = fdEntry{}
}

// fcntl commands (Linux uapi fcntl.h).
const (
	fDupfd        = 0
	fGetfd        = 1
	fSetfd        = 2
	oCloexec      = 0o2000000
	fGetfl        = 3
	fSetfl        = 4
	fDupfdCloexec = 1030
	oWronly       = 1
	oRdwr         = 2
	oAppend       = 0o2000
)

// fcntl(fd, cmd, arg): duplicate, and the file status flags (access mode,
// O_NONBLOCK, O_APPEND); descriptor flags (close-on-exec) mean nothing
// without exec.
func sysFcntl(c call) uintptr {
	e := lookupFD(c.arg(0))
	if e == nil {
		return errno(EBADF)
	}
	switch c.arg(1) {
	case fDupfd, fDupfdCloexec:
		r := dupFD(c.arg(0), -1, int(c.arg(2)))
		if int64(r) >= 0 && c.arg(1) == fDupfdCloexec {
			fds[r].cloexec = true
		}
		return r
	case fGetfd:
		if e.cloexec {
			return 1 // FD_CLOEXEC
		}
		return 0
	case fSetfd:
		e.cloexec = c.arg(2)&1 != 0
	case fGetfl:
		mode := uint32(oRdwr)
		switch {
		case e.kind.isTmp():
			mode = e.access
		case e.kind.isFS() || e.kind == fdPipeRead:
			mode = 0 // O_RDONLY
		case e.kind == fdPipeWrite:
			mode = oWronly
		}
		return uintptr(mode | e.flags)
	case fSetfl:
		e.flags = uint32(c.arg(2)) & (oNonblock | oAppend)
	}
	return 0
}

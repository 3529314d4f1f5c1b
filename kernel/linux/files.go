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
	case e == nil || e.kind == fdEpoll || fd == 0 || e.kind >= fdFile:
		return errno(EBADF)
	case e.kind == fdEventfd:
		v, ok := Space.ReadUint64(buf)
		if n < 8 || v == ^uint64(0) {
			return errno(EINVAL)
		}
		if !ok {
			return errno(EFAULT)
		}
		e.counter += v
		WakeWaiters()
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
	case e == nil || e.kind == fdEpoll || fd == 1 || fd == 2:
		return errno(EBADF)
	case e.kind == fdFile || e.kind == fdDir || e.kind == fdAbove:
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
	if e.kind != fdConsole {
		*e = fdEntry{}
	}
	return 0
}

// fcntl commands (Linux uapi fcntl.h).
const (
	fGetfd = 1
	fGetfl = 3
	oRdwr  = 2
)

// fcntl(fd, cmd, arg): the console is open read/write, files read-only;
// all are blocking.
func sysFcntl(c call) uintptr {
	e := lookupFD(c.arg(0))
	if e == nil {
		return errno(EBADF)
	}
	switch c.arg(1) {
	case fGetfl:
		if e.kind >= fdFile {
			return 0 // O_RDONLY
		}
		return oRdwr
	}
	return 0
}

package linux

import "github.com/gobare/gobare/kernel/console"

// write(fd, buf, count): standard output and error go to the console.
func sysWrite(c call) uintptr {
	fd, buf, n := c.arg(0), c.arg(1), c.arg(2)
	if fd != 1 && fd != 2 {
		return errno(EBADF)
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

// read(fd, buf, count): standard input is not connected yet; it reads as
// end of file.
func sysRead(c call) uintptr {
	if c.arg(0) != 0 {
		return errno(EBADF)
	}
	return 0
}

// close(fd)
func sysClose(c call) uintptr {
	if c.arg(0) > 2 {
		return errno(EBADF)
	}
	return 0
}

// openat(dirfd, path, flags, mode): there is no file system; the runtime's
// probes of /proc and /sys files get ENOENT, as on a Linux without them.
func sysOpenat(c call) uintptr { return errno(ENOENT) }

// readlinkat(dirfd, path, buf, size): /proc/self/exe names the program.
func sysReadlinkat(c call) uintptr {
	var path [15]byte
	if !Space.CopyIn(path[:], c.arg(1)) || string(path[:14]) != "/proc/self/exe" || path[14] != 0 {
		return errno(ENOENT)
	}
	n := min(uintptr(len(ProgramName)), c.arg(3))
	if !Space.CopyOut(c.arg(2), ProgramName[:n]) {
		return errno(EFAULT)
	}
	return n
}

// fcntl commands (Linux uapi fcntl.h).
const (
	fGetfd = 1
	fGetfl = 3
	oRdwr  = 2
)

// fcntl(fd, cmd, arg): descriptors 0-2 exist, open read/write.
func sysFcntl(c call) uintptr {
	if c.arg(0) > 2 {
		return errno(EBADF)
	}
	switch c.arg(1) {
	case fGetfl:
		return oRdwr
	}
	return 0
}

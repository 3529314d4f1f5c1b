package linux

// The file descriptor table. 0, 1 and 2 are the console; the rest are the
// kernel objects the Go runtime's network poller needs: eventfds and epoll
// instances (DESIGN.md, "the netpoller"). There are no files.

// fdKind is what a descriptor refers to.
type fdKind uint8

const (
	fdFree fdKind = iota
	fdConsole
	fdEventfd
	fdEpoll
	fdFile  // a regular file or symbolic link of the file system
	fdDir   // a directory of the file system
	fdAbove // a directory above the mount point (empty)
)

// Epoll event bits and control operations (Linux uapi eventpoll.h).
const (
	epollIn     = 0x001
	epollOut    = 0x004
	epollCtlAdd = 1
	epollCtlDel = 2
	epollCtlMod = 3
)

// interest is one descriptor an epoll instance watches.
type interest struct {
	fd     int32
	events uint32
	data   uint64
}

// maxInterests bounds one epoll instance's interest list; the runtime
// registers its eventfd and, with files, a few more.
const maxInterests = 32

type fdEntry struct {
	kind    fdKind
	counter uint64 // eventfd: the 64-bit counter
	// file system objects: the entry's header offset in the archive, the
	// read position (a directory's: the header offset to list from), and
	// for fdAbove its path
	entry   int
	pos     int64
	path    [256]byte
	pathLen int
	// epoll: the interest list
	interests  [maxInterests]interest
	ninterests int
}

// maxFDs bounds the table (RLIMIT_NOFILE reads as this too).
const maxFDs = 64

var fds = [maxFDs]fdEntry{0: {kind: fdConsole}, 1: {kind: fdConsole}, 2: {kind: fdConsole}}

// lookupFD returns the entry for fd if it is open.
func lookupFD(fd uintptr) *fdEntry {
	if fd >= maxFDs || fds[fd].kind == fdFree {
		return nil
	}
	return &fds[fd]
}

// allocFD opens the lowest free descriptor as kind.
func allocFD(kind fdKind) (int, bool) {
	for i := range fds {
		if fds[i].kind == fdFree {
			fds[i] = fdEntry{kind: kind}
			return i, true
		}
	}
	return 0, false
}

// readable reports whether a read of fd would not block.
func readable(fd int32) bool {
	e := lookupFD(uintptr(fd))
	switch {
	case e == nil:
		return false
	case e.kind == fdEventfd:
		return e.counter > 0
	case e.kind == fdConsole:
		return fd == 0 && stdinReady()
	case e.kind == fdFile:
		return true
	}
	return false
}

package linux

// The file descriptor table. 0, 1 and 2 are the console; the rest are
// files and directories of the read-only file system, pipes, /dev/null, and
// the kernel objects the Go runtime's network poller needs: eventfds and
// epoll instances (DESIGN.md, "the netpoller").

// fdKind is what a descriptor refers to.
type fdKind uint8

const (
	fdFree fdKind = iota
	fdConsole
	fdEventfd
	fdEpoll
	fdNull      // /dev/null
	fdPipeRead  // the read end of a pipe
	fdPipeWrite // the write end of a pipe
	fdTmpFile   // a file of the tmpfs at /tmp
	fdTmpDir    // a directory of the tmpfs
	fdFile      // a regular file or symbolic link of the file system
	fdDir       // a directory of the file system
	fdAbove     // a directory above the mount point (empty)
)

// isFS reports whether a kind is a file system object.
func (k fdKind) isFS() bool { return k >= fdFile }

// isTmp reports whether a kind is a tmpfs object.
func (k fdKind) isTmp() bool { return k == fdTmpFile || k == fdTmpDir }

// Epoll event bits and control operations (Linux uapi eventpoll.h).
const (
	epollIn     = 0x001
	epollOut    = 0x004
	epollErr    = 0x008
	epollHup    = 0x010
	epollRdhup  = 0x2000
	epollET     = 1 << 31 // edge-triggered: report a change once
	epollCtlAdd = 1
	epollCtlDel = 2
	epollCtlMod = 3
)

// interest is one descriptor an epoll instance watches.
type interest struct {
	fd      int32
	events  uint32
	data    uint64
	changed bool // for EPOLLET: something happened since the last report
}

// maxInterests bounds one epoll instance's interest list; the runtime
// registers its eventfd and, with files, a few more.
const maxInterests = 32

type fdEntry struct {
	kind    fdKind
	flags   uint32 // O_NONBLOCK and O_APPEND, as F_SETFL set them
	cloexec bool   // FD_CLOEXEC: meaningless without exec, but reported
	counter uint64 // eventfd: the 64-bit counter
	pipe    int    // pipes: the index in the pipe table
	tmp     int    // tmpfs: the node index
	access  uint32 // tmpfs: O_RDONLY, O_WRONLY or O_RDWR
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

// readiness returns the epoll events fd would report now: readable,
// writable, hung up.
func readiness(fd int32) uint32 {
	e := lookupFD(uintptr(fd))
	if e == nil {
		return 0
	}
	switch e.kind {
	case fdEventfd:
		if e.counter > 0 {
			return epollIn | epollOut
		}
		return epollOut
	case fdConsole:
		if fd == 0 {
			if stdinReady() {
				return epollIn
			}
			return 0
		}
		return epollOut
	case fdPipeRead:
		return pipes[e.pipe].readEvents()
	case fdPipeWrite:
		return pipes[e.pipe].writeEvents()
	case fdNull:
		return epollIn | epollOut
	}
	return epollIn | epollOut // files are always ready
}

// markChanged records that something changed for every edge-triggered
// interest (reporting too many edges only costs the runtime a retry).
func markChanged() {
	for i := range fds {
		if fds[i].kind == fdEpoll {
			for j := 0; j < fds[i].ninterests; j++ {
				fds[i].interests[j].changed = true
			}
		}
	}
}

// notifyAll marks the change and completes the waits that now can.
func notifyAll() {
	markChanged()
	WakeWaiters()
}

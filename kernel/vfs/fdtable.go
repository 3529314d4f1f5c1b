package vfs

import "github.com/gobare/gobare/kernel/errno"

// Descriptor limits, RLIMIT_NOFILE's as Linux sets them for init: a
// table starts with the soft limit SoftFDs; setrlimit moves it up to the
// hard limit MaxFDs, which nothing raises (the Go runtime raises its
// soft limit to the hard one at start, so Go programs get MaxFDs).
const (
	MaxFDs  = 4096
	SoftFDs = 1024
)

// fdSlot is one descriptor: the description it refers to and its own
// flag, close-on-exec (meaningless without exec, but kept and reported).
type fdSlot struct {
	file    File
	cloexec bool
}

// FDTable maps descriptor numbers to open file descriptions. dup makes two
// descriptors share one description (its offset and status flags), as on
// Linux; the description is released when the last one closes. Its slots
// live in a Pool, taken a page (170 descriptors) at a time as descriptors
// get higher numbers; the zero table is empty with the soft limit SoftFDs.
type FDTable struct {
	slots Pool[fdSlot]
	limit int // the soft limit less SoftFDs (so the zero table has SoftFDs)
}

// Limit is the soft limit: descriptors are below it (RLIMIT_NOFILE's rlim_cur).
func (t *FDTable) Limit() int { return t.limit + SoftFDs }

// SetLimit sets the soft limit, at most MaxFDs. Descriptors open at or
// above it stay open, as on Linux.
func (t *FDTable) SetLimit(n int) { t.limit = min(n, MaxFDs) - SoftFDs }

// slot returns descriptor fd's slot, or nil when the table has not grown to it.
func (t *FDTable) slot(fd uintptr) *fdSlot {
	if fd >= uintptr(t.slots.Len()) {
		return nil
	}
	return t.slots.At(int(fd))
}

// Get returns the description fd refers to, or nil.
func (t *FDTable) Get(fd uintptr) File {
	if s := t.slot(fd); s != nil {
		return s.file
	}
	return nil
}

// Install puts f, just opened with its one reference, at the lowest free
// descriptor at or above from. When the table is full it drops that
// reference and returns EMFILE (ENOMEM when no page is left for a slot).
func (t *FDTable) Install(f File, from int, cloexec bool) (int, errno.Errno) {
	for fd := max(from, 0); fd < t.Limit(); fd++ {
		s, err := t.slots.Slot(fd)
		if err != 0 {
			Put(f)
			return -1, errno.ENOMEM
		}
		if s.file == nil {
			*s = fdSlot{file: f, cloexec: cloexec}
			return fd, 0
		}
	}
	Put(f)
	return -1, errno.EMFILE
}

// Dup makes a new descriptor for what oldfd refers to: newfd itself
// (closing what it referred to; dup2), or when newfd < 0 the lowest free
// one at or above from (dup, F_DUPFD). The new descriptor starts without
// close-on-exec unless cloexec.
func (t *FDTable) Dup(oldfd uintptr, newfd, from int, cloexec bool) (int, errno.Errno) {
	f := t.Get(oldfd)
	if f == nil {
		return -1, errno.EBADF
	}
	if newfd >= t.Limit() {
		return -1, errno.EBADF
	}
	if uintptr(newfd) == oldfd {
		return newfd, 0
	}
	if newfd < 0 {
		f.Desc().refs++
		return t.Install(f, from, cloexec)
	}
	s, err := t.slots.Slot(newfd)
	if err != 0 {
		return -1, errno.ENOMEM
	}
	f.Desc().refs++
	t.Close(newfd)
	*s = fdSlot{file: f, cloexec: cloexec}
	return newfd, 0
}

// Close drops descriptor fd; EBADF if it was not open.
func (t *FDTable) Close(fd int) errno.Errno {
	s := t.slot(uintptr(fd))
	if fd < 0 || s == nil || s.file == nil {
		return errno.EBADF
	}
	f := s.file
	*s = fdSlot{}
	dropProcessLocks(f)
	Put(f)
	return 0
}

// Put drops one reference to f, releasing it with the last.
func Put(f File) {
	d := f.Desc()
	d.refs--
	if d.refs <= 0 {
		d.refs = 0
		dropOwned(f)
		f.Release()
	}
}

// Hold takes one more reference to f (an epoll interest).
func Hold(f File) { f.Desc().refs++ }

// CloseOnExec reports and SetCloseOnExec sets descriptor fd's flag.
func (t *FDTable) CloseOnExec(fd uintptr) bool {
	s := t.slot(fd)
	return s != nil && s.cloexec
}

func (t *FDTable) SetCloseOnExec(fd uintptr, on bool) {
	if s := t.slot(fd); s != nil && s.file != nil {
		s.cloexec = on
	}
}

// Len is one past the highest descriptor the table has room for now:
// every open descriptor is below it.
func (t *FDTable) Len() int { return t.slots.Len() }

// CloseAll closes every descriptor and gives the table's pages back.
func (t *FDTable) CloseAll() {
	for fd := 0; fd < t.Len(); fd++ {
		t.Close(fd)
	}
	t.slots.Drop()
}

// Each calls fn with every open descriptor's description.
func (t *FDTable) Each(fn func(fd int, f File)) {
	for fd := 0; fd < t.Len(); fd++ {
		if s := t.slots.At(fd); s.file != nil {
			fn(fd, s.file)
		}
	}
}

package vfs

import "github.com/gobare/gobare/kernel/errno"

// MaxFDs bounds the descriptor table (RLIMIT_NOFILE reads as this too).
const MaxFDs = 64

// fdSlot is one descriptor: the description it refers to and its own
// flag, close-on-exec (meaningless without exec, but kept and reported).
type fdSlot struct {
	file    File
	cloexec bool
}

// FDTable maps descriptor numbers to open file descriptions. dup makes two
// descriptors share one description (its offset and status flags), as on
// Linux; the description is released when the last one closes.
type FDTable struct {
	slots [MaxFDs]fdSlot
}

// Get returns the description fd refers to, or nil.
func (t *FDTable) Get(fd uintptr) File {
	if fd >= MaxFDs {
		return nil
	}
	return t.slots[fd].file
}

// Install puts f, just opened with its one reference, at the lowest free
// descriptor at or above from. When the table is full it drops that
// reference and returns EMFILE.
func (t *FDTable) Install(f File, from int, cloexec bool) (int, errno.Errno) {
	for fd := max(from, 0); fd < MaxFDs; fd++ {
		if t.slots[fd].file == nil {
			t.slots[fd] = fdSlot{file: f, cloexec: cloexec}
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
	if newfd >= MaxFDs {
		return -1, errno.EBADF
	}
	if uintptr(newfd) == oldfd {
		return newfd, 0
	}
	f.Desc().refs++
	if newfd < 0 {
		return t.Install(f, from, cloexec)
	}
	t.Close(newfd)
	t.slots[newfd] = fdSlot{file: f, cloexec: cloexec}
	return newfd, 0
}

// Close drops descriptor fd; EBADF if it was not open.
func (t *FDTable) Close(fd int) errno.Errno {
	if fd < 0 || fd >= MaxFDs || t.slots[fd].file == nil {
		return errno.EBADF
	}
	f := t.slots[fd].file
	t.slots[fd] = fdSlot{}
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
func (t *FDTable) CloseOnExec(fd uintptr) bool { return fd < MaxFDs && t.slots[fd].cloexec }

func (t *FDTable) SetCloseOnExec(fd uintptr, on bool) {
	if fd < MaxFDs && t.slots[fd].file != nil {
		t.slots[fd].cloexec = on
	}
}

// Each calls fn with every open descriptor's description.
func (t *FDTable) Each(fn func(fd int, f File)) {
	for fd := range t.slots {
		if t.slots[fd].file != nil {
			fn(fd, t.slots[fd].file)
		}
	}
}

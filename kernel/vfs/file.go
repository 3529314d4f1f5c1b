// Package vfs owns what file descriptors refer to: the File interface every
// kind of open file implements (an open file description, Linux's struct
// file), the descriptor table, the mount table and the path walk over it,
// and readiness notifications. It knows no particular file system or
// device: those are packages of their own under kernel/fs and kernel/ipc,
// each implementing File.
//
// Files move bytes between kernel buffers ([]byte), never program
// addresses: the system call layer copies to and from the program, so
// every file type can be tested on the host. A File's methods never block;
// one that cannot go on returns EAGAIN, and the caller decides whether to
// wait on the file's WaitKey.
package vfs

import "github.com/gobare/gobare/kernel/errno"

// File is an open file description: what one or more descriptors (after
// dup) refer to. Implementations embed Base, which answers every method
// the way Linux answers for a file that cannot do it, and override what
// they support.
type File interface {
	// Desc returns the description's common state: references, flags,
	// offset.
	Desc() *Base
	// Read and Write move bytes at the description's offset (or as a
	// stream); EAGAIN means "nothing yet, try again after a Notify of
	// WaitKey".
	Read(p []byte) (int, errno.Errno)
	Write(p []byte) (int, errno.Errno)
	// ReadAt and WriteAt use an explicit offset (pread64, pwrite64).
	ReadAt(p []byte, off int64) (int, errno.Errno)
	WriteAt(p []byte, off int64) (int, errno.Errno)
	// Size is the length that SEEK_END counts from; ok=false for files
	// that cannot seek (pipes, devices).
	Size() (size int64, ok bool)
	// Stat describes the file.
	Stat(st *Stat) errno.Errno
	// ReadDir returns the directory entry at position pos (0 is the
	// first) with d.Next the position after it; ok=false at the end.
	ReadDir(pos int64, d *Dirent) (ok bool, err errno.Errno)
	// Truncate sets a regular file's length.
	Truncate(size int64) errno.Errno
	// SetAttr changes the permission bits or times (fchmod, futimens).
	SetAttr(a Attr) errno.Errno
	// Events reports readiness as epoll event bits (EventIn, ...).
	Events() uint32
	// Pollable reports whether epoll may watch it (Linux refuses
	// regular files and directories with EPERM).
	Pollable() bool
	// WaitKey is the key its waiters block on and its changes notify.
	WaitKey() uintptr
	// Sync returns once the file's changes are on its device (fsync,
	// fdatasync); files kept in memory have nothing to do.
	Sync() errno.Errno
	// Path writes a directory's absolute path into buf (openat's dirfd,
	// fchdir); ENOTDIR for anything else.
	Path(buf []byte) ([]byte, errno.Errno)
	// Release is called when the last descriptor referring to it closes.
	Release()
	// MapKind says how mmap may map the file, and MapFrame gives a
	// mapping the frame holding the file's page at off (a multiple of the
	// page size, below the file's size) when MapKind is MapFrames. A hole
	// gets its frame then, zeroed. write says the frame will be mapped
	// writable (MAP_SHARED with PROT_WRITE): its bytes may change without
	// a Write (a file system that writes pages back marks it dirty). The
	// frame stays the file's: the mapping takes its own hold
	// (mem.FrameAllocator.Share), so both may let it go in any order,
	// and the file must keep it as the page's frame while it is mapped.
	MapKind() MapKind
	MapFrame(off int64, write bool) (uintptr, errno.Errno)
}

// MapKind is how mmap may map a file (File.MapKind).
type MapKind uint8

const (
	// MapNone: it cannot be mapped (mmap says ENODEV): directories,
	// pipes, devices, generated files.
	MapNone MapKind = iota
	// MapCopy: its bytes live in no frame of their own but never change
	// while it is open (the archive): a mapping gets a copy of each page
	// (ReadAt) when it first touches it, shared or private alike.
	MapCopy
	// MapFrames: its pages live in frames that reads, writes and every
	// mapping share (tmpfs), handed out by MapFrame.
	MapFrames
)

// Open flags that live in a description (Linux uapi fcntl.h).
const (
	ReadOnly  = 0
	WriteOnly = 1
	ReadWrite = 2
	AccMode   = 3
	Append    = 0o2000
	Nonblock  = 0o4000
)

// Epoll event bits (uapi eventpoll.h): what Events reports.
const (
	EventIn    = 0x001
	EventOut   = 0x004
	EventErr   = 0x008
	EventHup   = 0x010
	EventRdhup = 0x2000
)

// Base is the state every description has, and the default behaviour of
// every File method. Embed it. File types keep their descriptions in
// static pools (the kernel has no heap): a description with no references
// is free, and Open claims it.
type Base struct {
	refs   int    // descriptors (and epoll interests) referring to it
	Access uint32 // ReadOnly, WriteOnly or ReadWrite
	Status uint32 // Append and Nonblock, as open and F_SETFL set them
	Offset int64  // the file position of read, write and lseek
	mount  int    // the mount it was opened through, for Path
	opens  uint32 // how many times this slot was opened: tells reuse apart
}

// Free reports whether the description is unused.
func (b *Base) Free() bool { return b.refs == 0 }

// Open claims a free description with its first reference and the open
// flags' access mode and status flags.
func (b *Base) Open(flags uint32) {
	*b = Base{refs: 1, Access: flags & AccMode, Status: flags & (Append | Nonblock), opens: b.opens + 1}
}

// Opens counts the times the description's slot was opened; a holder of a
// weak reference (an epoll interest) compares it to see that the slot
// still holds the file it meant.
func (b *Base) Opens() uint32 { return b.opens }

func (b *Base) Desc() *Base                                  { return b }
func (b *Base) Read(p []byte) (int, errno.Errno)             { return 0, errno.EINVAL }
func (b *Base) Write(p []byte) (int, errno.Errno)            { return 0, errno.EINVAL }
func (b *Base) ReadAt(p []byte, _ int64) (int, errno.Errno)  { return 0, errno.ESPIPE }
func (b *Base) WriteAt(p []byte, _ int64) (int, errno.Errno) { return 0, errno.ESPIPE }
func (b *Base) Size() (int64, bool)                          { return 0, false }
func (b *Base) Stat(st *Stat) errno.Errno {
	*st = Stat{Mode: 0o600, Nlink: 1} // an anonymous file (eventfd, epoll)
	return 0
}
func (b *Base) ReadDir(int64, *Dirent) (bool, errno.Errno)  { return false, errno.ENOTDIR }
func (b *Base) Truncate(int64) errno.Errno                  { return errno.EINVAL }
func (b *Base) SetAttr(Attr) errno.Errno                    { return 0 } // accepted, kept nowhere
func (b *Base) Events() uint32                              { return EventIn | EventOut }
func (b *Base) Pollable() bool                              { return false }
func (b *Base) Sync() errno.Errno                           { return 0 }
func (b *Base) Path([]byte) ([]byte, errno.Errno)           { return nil, errno.ENOTDIR }
func (b *Base) Release()                                    {}
func (b *Base) MapKind() MapKind                            { return MapNone }
func (b *Base) MapFrame(int64, bool) (uintptr, errno.Errno) { return 0, errno.ENODEV }

// ReadAtIn is ReadAt on a file whose bytes are all in data (a read-only
// file system's, in kernel memory): EINVAL for a negative offset, 0 at or
// past the end.
func ReadAtIn[T string | []byte](p []byte, data T, off int64) (int, errno.Errno) {
	switch {
	case off < 0:
		return 0, errno.EINVAL
	case off >= int64(len(data)):
		return 0, 0
	}
	return copy(p, data[off:]), 0
}

// WaitKey is the address of the description itself.
func (b *Base) WaitKey() uintptr { return KeyOf(b) }

// Readable and Writable check the access mode for read and write.
func (b *Base) Readable() bool { return b.Access&AccMode != WriteOnly }
func (b *Base) Writable() bool { return b.Access&AccMode != ReadOnly }

package vfs

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/errno"
)

// Passing a pointer to a method of an interface makes Go's escape analysis
// assume the pointer is kept, so a buffer on the stack would be moved to
// the heap — which the kernel does not have (runtime.newobject). No File or
// FS method keeps what it is given past the call, so the calls below hide
// their arguments from the analysis, as the Go runtime's own noescape
// does: the pointer goes through a uintptr and back. Call Files and FSes
// with stack memory only through these.

// noescape returns p, unseen by escape analysis.
//
//go:nosplit
func noescape(p unsafe.Pointer) unsafe.Pointer {
	x := uintptr(p)
	//lint:ignore SA4016 the XOR is what hides p, as in runtime.noescape
	return unsafe.Pointer(x ^ 0)
}

// hide returns b (the same memory), unseen by escape analysis.
//
//go:nosplit
func hide(b []byte) []byte {
	return *(*[]byte)(noescape(unsafe.Pointer(&b)))
}

// Hide is hide for other packages: for a stack buffer handed to a func
// value that does not keep it (kernel/linux's msgBufs.gather and scatter).
func Hide(b []byte) []byte { return hide(b) }

// Read, Write, ReadAt, WriteAt, StatFile, ReadDir and PathOf call the File
// method of the same name.
func Read(f File, p []byte) (int, errno.Errno)  { return f.Read(hide(p)) }
func Write(f File, p []byte) (int, errno.Errno) { return f.Write(hide(p)) }
func ReadAt(f File, p []byte, off int64) (int, errno.Errno) {
	return f.ReadAt(hide(p), off)
}
func WriteAt(f File, p []byte, off int64) (int, errno.Errno) {
	return f.WriteAt(hide(p), off)
}
func StatFile(f File, st *Stat) errno.Errno {
	return f.Stat((*Stat)(noescape(unsafe.Pointer(st))))
}
func ReadDir(f File, pos int64, d *Dirent) (bool, errno.Errno) {
	return f.ReadDir(pos, (*Dirent)(noescape(unsafe.Pointer(d))))
}
func PathOf(f File, buf []byte) ([]byte, errno.Errno) { return f.Path(hide(buf)) }

// hideNode returns n with its Link hidden (it points into the file
// system's memory, but the analysis cannot know that it is not the path
// buffer the node was found with).
func hideNode(n Node) Node {
	return Node{ID: n.ID, Mode: n.Mode, Link: hide(n.Link)}
}

// LookupIn, StatIn and OpenIn call a file system's Lookup, Stat and Open
// (a file system that serves another's files, the overlay, passes them
// names and buffers of its own stack).
func LookupIn(fs FS, rel []byte) (Node, errno.Errno) {
	n, err := fs.Lookup(hide(rel))
	return hideNode(n), err
}
func StatIn(fs FS, n Node, st *Stat) errno.Errno {
	return fs.Stat(hideNode(n), (*Stat)(noescape(unsafe.Pointer(st))))
}
func OpenIn(fs FS, n Node, flags uint32) (File, errno.Errno) { return fs.Open(hideNode(n), flags) }

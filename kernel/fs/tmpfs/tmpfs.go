// Package tmpfs owns the writable file system in RAM: /tmp, and the upper
// layer where the overlay (kernel/fs/overlayfs) keeps what a program
// writes beside its packed files. It is a real tree: inodes with
// permission bits, three times and a link count; directories holding
// entries (names up to 255 bytes) that point at inodes, so a file may have
// several names (hard links) and keeps its data while it is open after its
// last name is gone, as on Linux. Everything — file data, directory
// entries, the inode table — lives in pages from the kernel's frame
// allocator, found through page indexes (index.go); the kernel gives it
// those pages through a Budget (budget.go), a ceiling as a Linux tmpfs's
// size=.
package tmpfs

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// PageSize is the size of the pages everything is kept in.
const PageSize = 4096

// Pages gives and takes the pages everything lives in (*mem.FrameAllocator;
// a fake in host tests). Alloc returns a zeroed page; page numbers are
// never 0.
type Pages interface {
	Alloc() (uintptr, bool)
	FreeFrame(page uintptr)
	Page(page uintptr) []byte
}

// inode is a file, directory, symbolic link (its target is its data) or
// whiteout (a character device, for the overlay). It holds no Go
// pointers: it lives in the inode table's pages.
type inode struct {
	mode    uint32 // type and permission bits; 0: a free inode
	nlink   uint32 // names (for a directory: 2 + subdirectories)
	opens   uint32 // open descriptions
	opaque  uint32 // the overlay hides the lower directory
	parent  uint64 // a directory's parent
	size    int64  // bytes; for a directory, entry slots used
	entries int64  // a directory's entries
	pages   int64  // data pages held
	atime   int64  // nanoseconds since 1970
	mtime   int64
	ctime   int64
	data    index
}

const (
	inodeSize = unsafe.Sizeof(inode{})
	perPage   = PageSize / uint64(inodeSize)
	rootIno   = 1
)

// FS is one tmpfs.
type FS struct {
	// InoBase is added to the inode numbers stat and directory listings
	// report (the overlay sets it apart from its lower layer's).
	InoBase uint64
	pages   Pages
	now     func() int64 // nanoseconds since 1970
	itable  index        // the inode table: inode i is in page i/perPage
	ninodes uint64       // inode numbers handed out so far (0 is never used)
	hint    uint64       // no inode below it is free
}

// Init makes an empty file system with its root directory; now tells the
// time in nanoseconds since 1970.
func (fs *FS) Init(pages Pages, now func() int64) {
	*fs = FS{InoBase: fs.InoBase, pages: pages, now: now, ninodes: rootIno, hint: rootIno}
	fs.newInode(vfs.ModeDir | 0o1777)
	fs.inode(rootIno).parent = rootIno
}

// inode returns inode ino (which must have been handed out).
func (fs *FS) inode(ino uint64) *inode {
	pg, _ := fs.pageAt(&fs.itable, int64(ino/perPage), false)
	b := fs.pages.Page(pg)
	return (*inode)(unsafe.Pointer(&b[(ino%perPage)*uint64(inodeSize)]))
}

// newInode hands out a free inode with mode, one link and the current
// times; 0 when no page is left for the table.
func (fs *FS) newInode(mode uint32) uint64 {
	ino := fs.hint
	for ; ino < fs.ninodes; ino++ {
		if fs.inode(ino).mode == 0 {
			break
		}
	}
	if ino == fs.ninodes {
		if _, err := fs.pageAt(&fs.itable, int64(ino/perPage), true); err != 0 {
			return 0
		}
		fs.ninodes++
	}
	fs.hint = ino + 1
	t := fs.now()
	*fs.inode(ino) = inode{mode: mode, nlink: 1, atime: t, mtime: t, ctime: t}
	if mode&vfs.ModeType == vfs.ModeDir {
		fs.inode(ino).nlink = 2
	}
	return ino
}

// release frees an inode's data and the inode once it has neither a name
// nor an open description.
func (fs *FS) release(ino uint64) {
	in := fs.inode(ino)
	if in.nlink > 0 || in.opens > 0 {
		return
	}
	fs.trim(&in.data, 0)
	*in = inode{}
	fs.hint = min(fs.hint, ino)
}

// touch sets the modification and change times of an inode to now.
func (fs *FS) touch(in *inode) {
	in.mtime = fs.now()
	in.ctime = in.mtime
}

func (in *inode) isDir() bool     { return in.mode&vfs.ModeType == vfs.ModeDir }
func (in *inode) isSymlink() bool { return in.mode&vfs.ModeType == vfs.ModeSymlink }

func (fs *FS) ReadOnly() bool { return false }

// Stat describes inode n.ID.
func (fs *FS) Stat(n vfs.Node, st *vfs.Stat) errno.Errno {
	fs.stat(uint64(n.ID), st)
	return 0
}

func (fs *FS) stat(ino uint64, st *vfs.Stat) {
	in := fs.inode(ino)
	size := in.size
	if in.isDir() {
		size = (in.entries + 2) * 20 // as Linux's tmpfs counts
	}
	a, m, c := vfs.TimeOf(in.atime), vfs.TimeOf(in.mtime), vfs.TimeOf(in.ctime)
	*st = vfs.Stat{Ino: fs.InoBase + ino, Mode: in.mode, Nlink: in.nlink, Size: size,
		Atime: a.Sec, AtimeNsec: a.Nsec, Mtime: m.Sec, MtimeNsec: m.Nsec, Ctime: c.Sec, CtimeNsec: c.Nsec,
		Blocks: in.pages * (PageSize / 512)}
}

// SetAttr changes the permission bits and times of inode n.ID.
func (fs *FS) SetAttr(n vfs.Node, a vfs.Attr) errno.Errno {
	fs.setAttr(fs.inode(uint64(n.ID)), a)
	return 0
}

func (fs *FS) setAttr(in *inode, a vfs.Attr) {
	now := fs.now()
	if a.Set&vfs.SetMode != 0 {
		in.mode = in.mode&vfs.ModeType | a.Mode&vfs.ModePerm
	}
	switch {
	case a.Set&vfs.SetAtimeNow != 0:
		in.atime = now
	case a.Set&vfs.SetAtime != 0:
		in.atime = a.Atime.Nanos()
	}
	switch {
	case a.Set&vfs.SetMtimeNow != 0:
		in.mtime = now
	case a.Set&vfs.SetMtime != 0:
		in.mtime = a.Mtime.Nanos()
	}
	in.ctime = now
}

// NodePath writes directory n's path relative to the root into buf.
func (fs *FS) NodePath(n vfs.Node, buf []byte) ([]byte, errno.Errno) {
	return fs.path(uint64(n.ID), buf)
}

// Opaque reports and SetOpaque sets the overlay's mark on a directory:
// the lower layer's directory of the same name is hidden.
func (fs *FS) Opaque(n vfs.Node) bool { return fs.inode(uint64(n.ID)).opaque != 0 }
func (fs *FS) SetOpaque(n vfs.Node)   { fs.inode(uint64(n.ID)).opaque = 1 }

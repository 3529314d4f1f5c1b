package tmpfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/vfs"
)

// MaxFileSize is the largest file: what a page index of full height holds
// (512^4 pages).
const MaxFileSize = int64(1) << 48

// file is an open tmpfs file or directory: a description of inode ino,
// which stays while the description is open, even without a name.
type file struct {
	vfs.Base
	fs  *FS
	ino uint64
}

// files are the open tmpfs files, in pages from vfs.UsePages.
var files vfs.Pool[file]

func (fs *FS) Open(n vfs.Node, flags uint32) (vfs.File, errno.Errno) {
	in := fs.inode(uint64(n.ID))
	f, err := vfs.TakeFree(&files)
	if err != 0 {
		return nil, err
	}
	if in.mode&vfs.ModeType == vfs.ModeRegular && flags&vfs.Trunc != 0 && flags&vfs.AccMode != vfs.ReadOnly {
		fs.truncate(in, 0)
	}
	f.Base.Open(flags)
	f.fs, f.ino = fs, uint64(n.ID)
	in.opens++
	return f, 0
}

// Release drops the description's hold on the inode.
func (f *file) Release() {
	f.node().opens--
	f.fs.release(f.ino)
}

func (f *file) node() *inode { return f.fs.inode(f.ino) }

// truncate sets a file's size: pages past it are freed, and the bytes
// past the shorter of the two sizes in its last page cleared, so that the
// file reads zeroes where it grows.
func (fs *FS) truncate(in *inode, size int64) {
	in.pages -= fs.trim(&in.data, (size+PageSize-1)/PageSize)
	fs.clearPast(in, min(size, in.size))
	in.size = size
	fs.touch(in)
}

// clearPast clears the bytes of end's page from end on. Bytes past the
// end of the file are zero unless a shared mapping wrote there; they
// must not show when the file grows over them (on Linux too, what a
// mapping writes past the end never reaches the file).
func (fs *FS) clearPast(in *inode, end int64) {
	if end%PageSize == 0 {
		return
	}
	if pg, _ := fs.pageAt(&in.data, end/PageSize, false); pg != 0 {
		clear(fs.pages.Page(pg)[end%PageSize:])
	}
}

func (f *file) Read(p []byte) (int, errno.Errno) {
	n, err := f.ReadAt(p, f.Offset)
	f.Offset += int64(n)
	return n, err
}

func (f *file) Write(p []byte) (int, errno.Errno) {
	if f.Status&vfs.Append != 0 {
		f.Offset = f.node().size
	}
	n, err := f.WriteAt(p, f.Offset)
	f.Offset += int64(n)
	return n, err
}

// ReadAt copies file data at off; pages never written read as zeroes.
func (f *file) ReadAt(p []byte, off int64) (int, errno.Errno) {
	in := f.node()
	switch {
	case in.isDir():
		return 0, errno.EISDIR
	case !f.Readable():
		return 0, errno.EBADF
	case off < 0:
		return 0, errno.EINVAL
	}
	done := 0
	for done < len(p) && off < in.size {
		pg, at := off/PageSize, off%PageSize
		k := min(int64(len(p)-done), PageSize-at, in.size-off)
		if page, _ := f.fs.pageAt(&in.data, pg, false); page != 0 {
			mem.Copy(p[done:], f.fs.pages.Page(page)[at:at+k]) // not REP MOVSQ: mem/copy.go
		} else {
			clear(p[done : done+int(k)])
		}
		done += int(k)
		off += k
	}
	return done, 0
}

// WriteAt copies data into the file at off, growing it; a write that runs
// out of pages stops short (ENOSPC when nothing was written).
func (f *file) WriteAt(p []byte, off int64) (int, errno.Errno) {
	in := f.node()
	switch {
	case in.isDir():
		return 0, errno.EISDIR
	case !f.Writable():
		return 0, errno.EBADF
	case off < 0:
		return 0, errno.EINVAL
	case off > MaxFileSize-int64(len(p)):
		return 0, errno.EFBIG
	}
	if off > in.size {
		f.fs.clearPast(in, in.size) // the gap reads as zeroes
	}
	done := 0
	for done < len(p) {
		page, err := f.fs.dataPage(in, off/PageSize)
		if err != 0 {
			if done > 0 {
				break
			}
			return 0, err
		}
		k := mem.Copy(f.fs.pages.Page(page)[off%PageSize:], p[done:])
		done += k
		off += int64(k)
		in.size = max(in.size, off)
	}
	f.fs.touch(in)
	return done, 0
}

// dataPage returns data page pg of in, made when missing.
func (fs *FS) dataPage(in *inode, pg int64) (uintptr, errno.Errno) {
	if page, _ := fs.pageAt(&in.data, pg, false); page != 0 {
		return page, 0
	}
	page, err := fs.pageAt(&in.data, pg, true)
	if err == 0 {
		in.pages++
	}
	return page, err
}

func (f *file) Size() (int64, bool) { return f.node().size, true }

// MapKind: a regular file's data pages are frames that mappings share.
func (f *file) MapKind() vfs.MapKind {
	if f.node().mode&vfs.ModeType == vfs.ModeRegular {
		return vfs.MapFrames
	}
	return vfs.MapNone
}

// MapFrame hands a mapping data page off/PageSize, the frame reads and
// writes use, made now for a hole. Every frame is written in place, so
// write changes nothing here.
func (f *file) MapFrame(off int64, _ bool) (uintptr, errno.Errno) {
	return f.fs.dataPage(f.node(), off/PageSize)
}

func (f *file) Stat(st *vfs.Stat) errno.Errno {
	f.fs.stat(f.ino, st)
	return 0
}

func (f *file) SetAttr(a vfs.Attr) errno.Errno {
	f.fs.setAttr(f.node(), a)
	return 0
}

func (f *file) Truncate(size int64) errno.Errno {
	switch {
	case f.node().isDir():
		return errno.EISDIR
	case size < 0:
		return errno.EINVAL
	case size > MaxFileSize:
		return errno.EFBIG
	}
	f.fs.truncate(f.node(), size)
	return 0
}

// ReadDir lists a directory: position pos is the entry slot to look from.
func (f *file) ReadDir(pos int64, d *vfs.Dirent) (bool, errno.Errno) {
	in := f.node()
	if !in.isDir() {
		return false, errno.ENOTDIR
	}
	for ; pos < in.size; pos++ {
		if e := f.fs.entry(in, pos); e.ino != 0 {
			*d = vfs.Dirent{Ino: f.fs.InoBase + e.ino, Mode: f.fs.inode(e.ino).mode, Name: e.Name(), Next: pos + 1}
			return true, 0
		}
	}
	return false, 0
}

func (f *file) Path(buf []byte) ([]byte, errno.Errno) {
	if !f.node().isDir() {
		return nil, errno.ENOTDIR
	}
	return f.fs.path(f.ino, buf)
}

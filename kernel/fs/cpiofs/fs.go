package cpiofs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// FS serves an archive as a read-only file system. A node's ID is its
// entry's header offset; the root, which needs no entry of its own, is -1
// when the archive has none.
type FS struct {
	vfs.Unchangeable
	Archive []byte
}

// file is an open file or directory of the archive.
type file struct {
	vfs.Base
	fs  *FS
	off int // the entry's header offset, -1 for the root
}

// files are the open files, in pages from vfs.UsePages.
var files vfs.Pool[file]

// root is the entry the root directory has when the archive holds none.
var root = Entry{Mode: ModeDir | 0o755, Off: -1}

// entry returns the entry with header offset off (-1: the root).
func (fs *FS) entry(off int64) (Entry, bool) {
	if off < 0 {
		return root, true
	}
	return At(fs.Archive, int(off))
}

func (fs *FS) Lookup(rel []byte) (vfs.Node, errno.Errno) {
	e, found := Lookup(fs.Archive, rel)
	if !found {
		if len(rel) > 0 {
			return vfs.Node{}, errno.ENOENT
		}
		e = root
	}
	n := vfs.Node{ID: int64(e.Off), Mode: e.Mode}
	if n.IsSymlink() {
		n.Link = e.Data
	}
	return n, 0
}

func (fs *FS) Open(n vfs.Node, flags uint32) (vfs.File, errno.Errno) {
	if flags&vfs.AccMode != vfs.ReadOnly || flags&(vfs.Creat|vfs.Trunc) != 0 {
		return nil, errno.EROFS
	}
	f, err := vfs.TakeFree(&files)
	if err != 0 {
		return nil, err
	}
	f.Base.Open(flags)
	f.fs, f.off = fs, int(n.ID)
	return f, 0
}

func (fs *FS) Stat(n vfs.Node, st *vfs.Stat) errno.Errno {
	e, ok := fs.entry(n.ID)
	if !ok {
		return errno.EIO
	}
	*st = vfs.Stat{Ino: e.Ino + 1, Mode: e.Mode, Nlink: max(e.Nlink, 1), Size: int64(len(e.Data)), Mtime: int64(e.Mtime)}
	return 0
}

// ReadOnly: every change is refused (vfs.Unchangeable).
func (fs *FS) ReadOnly() bool { return true }

func (f *file) Read(p []byte) (int, errno.Errno) {
	n, err := f.ReadAt(p, f.Offset)
	f.Offset += int64(n)
	return n, err
}

func (f *file) ReadAt(p []byte, off int64) (int, errno.Errno) {
	e, ok := f.fs.entry(int64(f.off))
	switch {
	case !ok:
		return 0, errno.EIO
	case e.IsDir():
		return 0, errno.EISDIR
	}
	return vfs.ReadAtIn(p, e.Data, off)
}

func (f *file) Write([]byte) (int, errno.Errno)          { return 0, errno.EBADF }
func (f *file) WriteAt([]byte, int64) (int, errno.Errno) { return 0, errno.EBADF }

func (f *file) Size() (int64, bool) {
	e, _ := f.fs.entry(int64(f.off))
	return int64(len(e.Data)), true
}

func (f *file) Stat(st *vfs.Stat) errno.Errno { return f.fs.Stat(vfs.Node{ID: int64(f.off)}, st) }

// ReadDir lists the entries whose parent is this directory; a position is
// the header offset to scan from.
func (f *file) ReadDir(pos int64, d *vfs.Dirent) (bool, errno.Errno) {
	dir, _ := f.fs.entry(int64(f.off))
	if !dir.IsDir() {
		return false, errno.ENOTDIR
	}
	child, next, ok := NextChild(f.fs.Archive, dir.Name, int(pos))
	if !ok {
		return false, 0
	}
	*d = vfs.Dirent{Ino: child.Ino + 1, Mode: child.Mode, Name: vfs.RelBase(child.Name), Next: int64(next)}
	return true, 0
}

func (f *file) Path(buf []byte) ([]byte, errno.Errno) {
	e, _ := f.fs.entry(int64(f.off))
	if !e.IsDir() {
		return nil, errno.ENOTDIR
	}
	return buf[:copy(buf, e.Name)], 0
}

// MapKind: a packed file can be mapped by copying its pages, since the
// archive never changes.
func (f *file) MapKind() vfs.MapKind {
	if e, ok := f.fs.entry(int64(f.off)); ok && e.Mode&vfs.ModeType == vfs.ModeRegular {
		return vfs.MapCopy
	}
	return vfs.MapNone
}

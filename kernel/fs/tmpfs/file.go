package tmpfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// file is an open tmpfs file or directory.
type file struct {
	vfs.Base
	fs *FS
	i  int // the node
}

var files [vfs.MaxFDs]file

func (fs *FS) Open(n vfs.Node, flags uint32) (vfs.File, errno.Errno) {
	nd := &fs.nodes[n.ID]
	if !nd.dir && flags&vfs.Trunc != 0 && flags&vfs.AccMode != vfs.ReadOnly {
		fs.truncate(nd, 0)
	}
	for i := range files {
		f := &files[i]
		if f.Free() {
			f.Base.Open(flags)
			f.fs, f.i = fs, int(n.ID)
			return f, 0
		}
	}
	return nil, errno.ENFILE
}

func (f *file) node() *node { return &f.fs.nodes[f.i] }

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
	n := f.node()
	switch {
	case n.dir:
		return 0, errno.EISDIR
	case !f.Readable():
		return 0, errno.EBADF
	case off < 0:
		return 0, errno.EINVAL
	}
	done := 0
	for done < len(p) && off < n.size {
		pg, in := off/PageSize, off%PageSize
		k := min(int64(len(p)-done), PageSize-in, n.size-off)
		if n.pages[pg] != 0 {
			copy(p[done:], f.fs.pages.Page(n.pages[pg])[in:in+k])
		} else {
			clear(p[done : done+int(k)])
		}
		done += int(k)
		off += k
	}
	return done, 0
}

// WriteAt copies data into the file at off, growing it.
func (f *file) WriteAt(p []byte, off int64) (int, errno.Errno) {
	n := f.node()
	switch {
	case n.dir:
		return 0, errno.EISDIR
	case !f.Writable():
		return 0, errno.EBADF
	case off < 0:
		return 0, errno.EINVAL
	}
	done := 0
	for done < len(p) {
		pg, in := off/PageSize, off%PageSize
		if pg >= MaxPages {
			if done > 0 {
				break
			}
			return 0, errno.EFBIG
		}
		if n.pages[pg] == 0 {
			page, ok := f.fs.pages.Alloc()
			if !ok {
				if done > 0 {
					break
				}
				return 0, errno.ENOSPC
			}
			n.pages[pg] = page
		}
		k := copy(f.fs.pages.Page(n.pages[pg])[in:], p[done:])
		done += k
		off += int64(k)
		n.size = max(n.size, off)
	}
	n.mtime = f.fs.now()
	return done, 0
}

func (f *file) Size() (int64, bool) { return f.node().size, true }

func (f *file) Stat(st *vfs.Stat) errno.Errno { return f.fs.Stat(vfs.Node{ID: int64(f.i)}, st) }

func (f *file) Truncate(size int64) errno.Errno {
	switch {
	case f.node().dir:
		return errno.EISDIR
	case size < 0 || size > MaxPages*PageSize:
		return errno.EINVAL
	}
	f.fs.truncate(f.node(), size)
	return 0
}

// ReadDir lists a directory: the nodes whose parent it is; a position is
// the node index to scan from.
func (f *file) ReadDir(pos int64, d *vfs.Dirent) (bool, errno.Errno) {
	n := f.node()
	if !n.dir {
		return false, errno.ENOTDIR
	}
	for ; pos < MaxNodes; pos++ {
		c := &f.fs.nodes[pos]
		if !c.used || int(pos) == f.i || string(vfs.RelDir(c.name())) != string(n.name()) {
			continue
		}
		*d = vfs.Dirent{Ino: uint64(1<<20 + pos), Mode: f.fs.mode(int(pos)), Name: vfs.RelBase(c.name()), Next: pos + 1}
		return true, 0
	}
	return false, 0
}

func (f *file) Path(buf []byte) ([]byte, errno.Errno) {
	if !f.node().dir {
		return nil, errno.ENOTDIR
	}
	return buf[:copy(buf, f.node().name())], 0
}

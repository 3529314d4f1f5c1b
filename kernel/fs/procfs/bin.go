package procfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// Bin is the directory holding the program's own file, read-only, served
// from the bytes the kernel loaded it from (no copy). Mounted at /bin
// (names it does not have fall through to the archive), it makes
// /proc/self/exe, and so os.Executable, name a file that opens: Src.Exe
// is "/bin/" + Src.Name.
type Bin struct {
	vfs.Unchangeable
	Src *Source
}

// binFile is an open Bin directory (ID -1) or program file (ID 0).
type binFile struct {
	vfs.Base
	fs *Bin
	id int64
}

// binFiles are the open program files, in pages from vfs.UsePages.
var binFiles vfs.Pool[binFile]

func (b *Bin) Lookup(rel []byte) (vfs.Node, errno.Errno) {
	switch {
	case len(rel) == 0:
		return vfs.Node{ID: -1, Mode: vfs.ModeDir | 0o555}, 0
	case string(rel) == string(b.Src.Name):
		return vfs.Node{ID: 0, Mode: vfs.ModeRegular | 0o555}, 0
	}
	return vfs.Node{}, errno.ENOENT
}

func (b *Bin) Open(n vfs.Node, flags uint32) (vfs.File, errno.Errno) {
	if flags&vfs.AccMode != vfs.ReadOnly || flags&(vfs.Creat|vfs.Trunc) != 0 {
		return nil, errno.EROFS
	}
	f, err := vfs.TakeFree(&binFiles)
	if err != 0 {
		return nil, err
	}
	f.Base.Open(flags)
	f.fs, f.id = b, n.ID
	return f, 0
}

func (b *Bin) Stat(n vfs.Node, st *vfs.Stat) errno.Errno {
	if n.ID < 0 {
		*st = vfs.Stat{Ino: 1, Mode: vfs.ModeDir | 0o555, Nlink: 2}
		return 0
	}
	*st = vfs.Stat{Ino: 2, Mode: vfs.ModeRegular | 0o555, Nlink: 1, Size: int64(len(b.Src.ELF))}
	return 0
}

// ReadOnly: the program cannot be changed.
func (b *Bin) ReadOnly() bool { return true }

func (f *binFile) Read(p []byte) (int, errno.Errno) {
	n, err := f.ReadAt(p, f.Offset)
	f.Offset += int64(n)
	return n, err
}

func (f *binFile) ReadAt(p []byte, off int64) (int, errno.Errno) {
	if f.id < 0 {
		return 0, errno.EISDIR
	}
	return vfs.ReadAtIn(p, f.fs.Src.ELF, off)
}

func (f *binFile) Write([]byte) (int, errno.Errno)          { return 0, errno.EBADF }
func (f *binFile) WriteAt([]byte, int64) (int, errno.Errno) { return 0, errno.EBADF }

func (f *binFile) Size() (int64, bool) {
	if f.id < 0 {
		return 0, true
	}
	return int64(len(f.fs.Src.ELF)), true
}

func (f *binFile) Stat(st *vfs.Stat) errno.Errno { return f.fs.Stat(vfs.Node{ID: f.id}, st) }

func (f *binFile) ReadDir(pos int64, d *vfs.Dirent) (bool, errno.Errno) {
	if f.id >= 0 {
		return false, errno.ENOTDIR
	}
	if pos != 0 {
		return false, 0
	}
	*d = vfs.Dirent{Ino: 2, Mode: vfs.ModeRegular, Name: f.fs.Src.Name, Next: 1}
	return true, 0
}

func (f *binFile) Path(buf []byte) ([]byte, errno.Errno) {
	if f.id >= 0 {
		return nil, errno.ENOTDIR
	}
	return buf[:0], 0
}

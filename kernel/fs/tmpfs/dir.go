package tmpfs

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// A directory's data is an array of fixed-size entries in its pages: a
// name and the inode it names (0: a free slot, reused by the next name).
// A directory's size counts the slots ever used; a position in ReadDir is
// a slot number, so entries do not move while a directory is listed.

// NameMax is the longest name of a directory entry (Linux's NAME_MAX).
const NameMax = 255

// dirent is one directory entry.
type dirent struct {
	ino  uint64
	nlen uint16
	name [NameMax]byte
}

const (
	direntSize = unsafe.Sizeof(dirent{})
	perDirPage = int64(PageSize / direntSize)
)

func (e *dirent) Name() []byte { return e.name[:e.nlen] }

// entry returns slot i of directory dir (i < dir.size).
func (fs *FS) entry(dir *inode, i int64) *dirent {
	pg, _ := fs.pageAt(&dir.data, i/perDirPage, false)
	b := fs.pages.Page(pg)
	return (*dirent)(unsafe.Pointer(&b[uintptr(i%perDirPage)*direntSize]))
}

// find returns the slot and inode of name in dir; inode 0 when absent.
func (fs *FS) find(dir *inode, name []byte) (int64, uint64) {
	for i := int64(0); i < dir.size; i++ {
		if e := fs.entry(dir, i); e.ino != 0 && string(e.Name()) == string(name) {
			return i, e.ino
		}
	}
	return -1, 0
}

// addEntry adds name for ino to dir, in the first free slot.
func (fs *FS) addEntry(dir *inode, name []byte, ino uint64) errno.Errno {
	if len(name) > NameMax {
		return errno.ENAMETOOLONG
	}
	i := int64(0)
	for ; i < dir.size && fs.entry(dir, i).ino != 0; i++ {
	}
	if i == dir.size {
		if _, err := fs.pageAt(&dir.data, i/perDirPage, true); err != 0 {
			return err
		}
		if i%perDirPage == 0 {
			dir.pages++
		}
		dir.size++
	}
	e := fs.entry(dir, i)
	e.ino, e.nlen = ino, uint16(copy(e.name[:], name))
	dir.entries++
	fs.touch(dir)
	return 0
}

// removeEntry frees slot i of dir.
func (fs *FS) removeEntry(dir *inode, i int64) {
	*fs.entry(dir, i) = dirent{}
	dir.entries--
	fs.touch(dir)
}

// walk returns the inode rel names (symbolic links are not followed: the
// VFS has replaced them). ENOTDIR when a directory on the way is not one.
func (fs *FS) walk(rel []byte) (uint64, errno.Errno) {
	ino := uint64(rootIno)
	for i := 0; i < len(rel); {
		j := i
		for j < len(rel) && rel[j] != '/' {
			j++
		}
		dir := fs.inode(ino)
		if !dir.isDir() {
			return 0, errno.ENOTDIR
		}
		if j-i > NameMax {
			return 0, errno.ENAMETOOLONG
		}
		if _, ino = fs.find(dir, rel[i:j]); ino == 0 {
			return 0, errno.ENOENT
		}
		i = j + 1
	}
	return ino, 0
}

// parentOf returns the directory holding rel and rel's last element.
func (fs *FS) parentOf(rel []byte) (uint64, []byte, errno.Errno) {
	p, err := fs.walk(vfs.RelDir(rel))
	switch {
	case err != 0:
		return 0, nil, err
	case !fs.inode(p).isDir():
		return 0, nil, errno.ENOTDIR
	}
	return p, vfs.RelBase(rel), 0
}

// isBelow reports whether directory ino is dir or inside it.
func (fs *FS) isBelow(ino, dir uint64) bool {
	for {
		if ino == dir {
			return true
		}
		if ino == rootIno {
			return false
		}
		ino = fs.inode(ino).parent
	}
}

// path writes directory ino's path relative to the root into buf (built
// from the end, then moved to the front).
func (fs *FS) path(ino uint64, buf []byte) ([]byte, errno.Errno) {
	end := len(buf)
	for ino != rootIno {
		in := fs.inode(ino)
		if in.nlink == 0 {
			return nil, errno.ENOENT // removed while open
		}
		parent := fs.inode(in.parent)
		var name []byte
		for i := int64(0); i < parent.size && name == nil; i++ {
			if e := fs.entry(parent, i); e.ino == ino {
				name = e.Name()
			}
		}
		if len(name)+1 > end {
			return nil, errno.ENAMETOOLONG
		}
		end -= len(name)
		copy(buf[end:], name)
		if in.parent != rootIno {
			end--
			buf[end] = '/'
		}
		ino = in.parent
	}
	return buf[:copy(buf, buf[end:])], 0
}

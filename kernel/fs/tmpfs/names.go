package tmpfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// The vfs.FS methods that find, make and remove names.

func (fs *FS) Lookup(rel []byte) (vfs.Node, errno.Errno) {
	ino, err := fs.walk(rel)
	if err != 0 {
		return vfs.Node{}, err
	}
	return fs.node(ino), 0
}

// node describes inode ino for the VFS.
func (fs *FS) node(ino uint64) vfs.Node {
	in := fs.inode(ino)
	n := vfs.Node{ID: int64(ino), Mode: in.mode}
	if in.isSymlink() {
		if pg, _ := fs.pageAt(&in.data, 0, false); pg != 0 {
			n.Link = fs.pages.Page(pg)[:in.size]
		}
	}
	return n
}

// Create makes a regular file (rw-r--r--) or a directory (rwxr-xr-x).
func (fs *FS) Create(rel []byte, dir bool) (vfs.Node, errno.Errno) {
	mode := uint32(vfs.ModeRegular | 0o644)
	if dir {
		mode = vfs.ModeDir | 0o755
	}
	return fs.CreateNode(rel, mode)
}

// CreateNode makes a node of any type at rel (the overlay's whiteouts are
// character devices).
func (fs *FS) CreateNode(rel []byte, mode uint32) (vfs.Node, errno.Errno) {
	p, base, err := fs.parentOf(rel)
	switch {
	case err != 0:
		return vfs.Node{}, err
	case len(base) == 0:
		return vfs.Node{}, errno.EEXIST // the root
	case len(base) > NameMax:
		return vfs.Node{}, errno.ENAMETOOLONG
	}
	if _, ino := fs.find(fs.inode(p), base); ino != 0 {
		return vfs.Node{}, errno.EEXIST
	}
	ino := fs.newInode(mode)
	if ino == 0 {
		return vfs.Node{}, errno.ENOSPC
	}
	if err := fs.addEntry(fs.inode(p), base, ino); err != 0 {
		fs.inode(ino).nlink = 0
		fs.release(ino)
		return vfs.Node{}, err
	}
	if mode&vfs.ModeType == vfs.ModeDir {
		fs.inode(ino).parent = p
		fs.inode(p).nlink++
	}
	return fs.node(ino), 0
}

// Symlink makes a symbolic link whose target is its data.
func (fs *FS) Symlink(rel, target []byte) errno.Errno {
	switch {
	case len(target) == 0:
		return errno.ENOENT
	case len(target) >= PageSize:
		return errno.ENAMETOOLONG
	}
	n, err := fs.CreateNode(rel, vfs.ModeSymlink|0o777)
	if err != 0 {
		return err
	}
	in := fs.inode(uint64(n.ID))
	pg, err := fs.pageAt(&in.data, 0, true)
	if err != 0 {
		fs.Unlink(rel, false)
		return err
	}
	in.pages = 1
	in.size = int64(copy(fs.pages.Page(pg), target))
	return 0
}

// Unlink removes a name, or (dir) an empty directory. The inode goes when
// it has no name left and no open description.
func (fs *FS) Unlink(rel []byte, dir bool) errno.Errno {
	if len(rel) == 0 {
		return errno.EBUSY // the mount point
	}
	p, base, err := fs.parentOf(rel)
	if err != 0 {
		return err
	}
	pin := fs.inode(p)
	slot, ino := fs.find(pin, base)
	if ino == 0 {
		return errno.ENOENT
	}
	in := fs.inode(ino)
	switch {
	case in.isDir() && !dir:
		return errno.EISDIR
	case !in.isDir() && dir:
		return errno.ENOTDIR
	case dir && in.entries > 0:
		return errno.ENOTEMPTY
	}
	fs.removeEntry(pin, slot)
	fs.unref(pin, ino)
	return 0
}

// unref drops one name of inode ino, whose entry in directory pin is gone.
func (fs *FS) unref(pin *inode, ino uint64) {
	in := fs.inode(ino)
	if in.isDir() {
		in.nlink = 0
		pin.nlink--
	} else {
		in.nlink--
	}
	in.ctime = fs.now()
	fs.release(ino)
}

// Link gives the file from names a second name, to.
func (fs *FS) Link(from, to []byte) errno.Errno {
	ino, err := fs.walk(from)
	if err != 0 {
		return err
	}
	in := fs.inode(ino)
	if in.isDir() {
		return errno.EPERM
	}
	p, base, err := fs.parentOf(to)
	switch {
	case err != 0:
		return err
	case len(base) == 0:
		return errno.EEXIST
	}
	if _, other := fs.find(fs.inode(p), base); other != 0 {
		return errno.EEXIST
	}
	if err := fs.addEntry(fs.inode(p), base, ino); err != 0 {
		return err
	}
	in.nlink++
	in.ctime = fs.now()
	return 0
}

// Rename moves the name from to to in one step: an existing to (a file,
// or an empty directory when from is one) is replaced in its own entry,
// so there is no moment without it. A directory cannot move into itself
// (EINVAL).
func (fs *FS) Rename(from, to []byte) errno.Errno {
	if len(from) == 0 || len(to) == 0 {
		return errno.EBUSY
	}
	fp, fbase, err := fs.parentOf(from)
	if err != 0 {
		return err
	}
	fslot, src := fs.find(fs.inode(fp), fbase)
	if src == 0 {
		return errno.ENOENT
	}
	tp, tbase, err := fs.parentOf(to)
	switch {
	case err != 0:
		return err
	case len(tbase) > NameMax:
		return errno.ENAMETOOLONG
	case fs.inode(src).isDir() && fs.isBelow(tp, src):
		return errno.EINVAL
	}
	tslot, dst := fs.find(fs.inode(tp), tbase)
	switch {
	case dst == src:
		return 0
	case dst != 0:
		if err := fs.replace(tp, tslot, src, dst); err != 0 {
			return err
		}
	default:
		if err := fs.addEntry(fs.inode(tp), tbase, src); err != 0 {
			return err
		}
	}
	fs.removeEntry(fs.inode(fp), fslot)
	if in := fs.inode(src); in.isDir() && fp != tp {
		fs.inode(fp).nlink--
		fs.inode(tp).nlink++
		in.parent = tp
	}
	fs.inode(src).ctime = fs.now()
	return 0
}

// replace points directory tp's entry tslot, now naming dst, at src, and
// drops dst's name.
func (fs *FS) replace(tp uint64, tslot int64, src, dst uint64) errno.Errno {
	s, d := fs.inode(src), fs.inode(dst)
	switch {
	case s.isDir() && !d.isDir():
		return errno.ENOTDIR
	case !s.isDir() && d.isDir():
		return errno.EISDIR
	case d.isDir() && d.entries > 0:
		return errno.ENOTEMPTY
	}
	tin := fs.inode(tp)
	fs.entry(tin, tslot).ino = src
	fs.touch(tin)
	fs.unref(tin, dst)
	return 0
}

// WhiteoutMode is the mode of the overlay's whiteouts: a character device
// (0, 0), as Linux's overlayfs marks a name deleted from the lower layer.
const WhiteoutMode = vfs.ModeCharDev

// OnlyWhiteouts reports whether directory n holds nothing but whiteouts.
func (fs *FS) OnlyWhiteouts(n vfs.Node) bool {
	dir := fs.inode(uint64(n.ID))
	for i := int64(0); i < dir.size; i++ {
		if e := fs.entry(dir, i); e.ino != 0 && fs.inode(e.ino).mode != WhiteoutMode {
			return false
		}
	}
	return true
}

// ClearWhiteouts removes the whiteouts in directory n.
func (fs *FS) ClearWhiteouts(n vfs.Node) {
	dir := fs.inode(uint64(n.ID))
	for i := int64(0); i < dir.size; i++ {
		if e := fs.entry(dir, i); e.ino != 0 && fs.inode(e.ino).mode == WhiteoutMode {
			ino := e.ino
			fs.removeEntry(dir, i)
			fs.unref(dir, ino)
		}
	}
}

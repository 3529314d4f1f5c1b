package fatfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// The vfs.FS methods: names. A node's ID is where its short entry is on
// the device (0 for the root directory), which is what identifies a
// file in FAT; a rename moves it, and the open files that refer to it
// follow (inodes.go).

// rootIno is the root's inode number; a file's is its entry's offset
// divided by 32.
const rootIno = 1

func (fs *FS) Lookup(rel []byte) (vfs.Node, errno.Errno) {
	if !fs.ok() {
		return vfs.Node{}, errno.EIO
	}
	var e dentry
	if err := fs.walk(rel, &e); err != 0 {
		return vfs.Node{}, err
	}
	return vfs.Node{ID: e.off, Mode: modeOf(e.raw[:])}, 0
}

// entryOf reads the short entry of node id into e (the root when id is
// 0), checking that it still is one.
func (fs *FS) entryOf(id int64, e *dentry) errno.Errno {
	if !fs.ok() {
		return errno.EIO
	}
	if id == 0 {
		fs.rootEntry(e)
		return 0
	}
	if id < fs.g.DataStart || id%slotSize != 0 {
		return errno.ENOENT
	}
	b, err := fs.c.ref(id, slotSize, false)
	if err != 0 {
		return err
	}
	if b[0] == 0 || b[0] == freeSlot || b[offAttr]&attrLFNMask == attrLFN || b[offAttr]&attrVolumeID != 0 {
		return errno.ENOENT
	}
	*e = dentry{off: id}
	copy(e.raw[:], b)
	return 0
}

func (fs *FS) Stat(n vfs.Node, st *vfs.Stat) errno.Errno {
	var e dentry
	if err := fs.entryOf(n.ID, &e); err != 0 {
		return err
	}
	fs.statEntry(&e, st)
	return 0
}

// statEntry describes an entry: FAT's times and size, the mode FAT's
// attributes stand for (fatfs.go).
func (fs *FS) statEntry(e *dentry, st *vfs.Stat) {
	r := e.raw[:]
	m := vfs.TimeOf(unixTime(uint16(le16(r, offWrtDate)), uint16(le16(r, offWrtTime)), 0))
	a := vfs.TimeOf(unixTime(uint16(le16(r, offAccDate)), 0, 0))
	ino := uint64(e.off / slotSize)
	size := int64(le32(r, offSize))
	nlink := uint32(1)
	if e.off == 0 {
		ino, m, a = rootIno, vfs.Time{}, vfs.Time{}
	}
	if e.isDir() {
		size, nlink = int64(fs.g.ClusterSize), 2
	}
	used, _ := fs.g.clusterIndex(size + int64(fs.g.ClusterSize) - 1)
	*st = vfs.Stat{Ino: ino, Mode: modeOf(r), Nlink: nlink, Size: size,
		Mtime: m.Sec, MtimeNsec: m.Nsec, Ctime: m.Sec, CtimeNsec: m.Nsec, Atime: a.Sec, AtimeNsec: a.Nsec,
		Blocks: int64(used) << fs.g.ClusterBits / 512}
}

// newEntry makes the short entry of a new file or directory: times now,
// the archive bit on a file.
func (fs *FS) newEntry(raw *[slotSize]byte, dir bool, first uint32) {
	*raw = [slotSize]byte{}
	raw[offAttr] = attrArchive
	if dir {
		raw[offAttr] = attrDir
	}
	date, tm, hundredths := dosTime(fs.now())
	raw[offCrtTenth] = hundredths
	put16(raw[:], offCrtTime, uint32(tm))
	put16(raw[:], offCrtDate, uint32(date))
	put16(raw[:], offAccDate, uint32(date))
	put16(raw[:], offWrtTime, uint32(tm))
	put16(raw[:], offWrtDate, uint32(date))
	setCluster(raw[:], first)
}

func (fs *FS) Create(rel []byte, dir bool) (vfs.Node, errno.Errno) {
	if !fs.ok() {
		return vfs.Node{}, errno.EIO
	}
	if err := fs.changing(); err != 0 {
		return vfs.Node{}, err
	}
	var e dentry
	parent, name, err := fs.parentOf(rel, &e)
	if err != 0 {
		return vfs.Node{}, err
	}
	var nn newName
	if err := nn.init(name); err != 0 {
		return vfs.Node{}, err
	}
	if found, err := fs.find(parent, name, &e, &nn); err != 0 || found {
		return vfs.Node{}, orExist(err)
	}
	var raw [slotSize]byte
	first := uint32(0)
	if dir {
		if first, err = fs.makeDir(parent); err != 0 {
			return vfs.Node{}, err
		}
	}
	fs.newEntry(&raw, dir, first)
	if err := fs.place(parent, name, &nn, &raw, &e); err != 0 {
		fs.freeChain(first)
		return vfs.Node{}, err
	}
	return vfs.Node{ID: e.off, Mode: modeOf(e.raw[:])}, 0
}

func orExist(err errno.Errno) errno.Errno {
	if err == 0 {
		return errno.EEXIST
	}
	return err
}

// makeDir allocates and fills a new directory's first cluster: zeroes,
// then "." and ".." (FAT spec §6.7; ".." names the root as cluster 0).
func (fs *FS) makeDir(parent uint32) (uint32, errno.Errno) {
	c, err := fs.alloc()
	if err != 0 {
		return 0, err
	}
	if err := fs.c.write(nil, int(fs.g.ClusterSize), fs.g.ClusterOffset(c)); err != 0 {
		fs.freeChain(c)
		return 0, err
	}
	if parent == fs.g.RootCluster {
		parent = 0
	}
	var raw [slotSize]byte
	for k, name := range [2]string{".          ", "..         "} {
		fs.newEntry(&raw, true, c)
		if k == 1 {
			setCluster(raw[:], parent)
		}
		copy(raw[:11], name)
		if err := fs.c.write(raw[:], 0, fs.g.ClusterOffset(c)+int64(k*slotSize)); err != 0 {
			fs.freeChain(c)
			return 0, err
		}
	}
	return c, 0
}

func (fs *FS) Unlink(rel []byte, dir bool) errno.Errno {
	if !fs.ok() {
		return errno.EIO
	}
	if err := fs.changing(); err != 0 {
		return err
	}
	var e dentry
	parent, name, err := fs.parentOf(rel, &e)
	if err != 0 {
		return err
	}
	found, err := fs.find(parent, name, &e, nil)
	switch {
	case err != 0:
		return err
	case !found:
		return errno.ENOENT
	case e.isDir() != dir && dir:
		return errno.ENOTDIR
	case e.isDir() != dir:
		return errno.EISDIR
	}
	return fs.drop(parent, &e)
}

// drop removes entry e of directory parent and frees its clusters — at
// once, or when the last open file of it closes. A directory must be
// empty.
func (fs *FS) drop(parent uint32, e *dentry) errno.Errno {
	if e.isDir() {
		dir, err := fs.dirCluster(e)
		if err != 0 {
			return err
		}
		if empty, err := fs.empty(dir); err != 0 || !empty {
			return orNotEmpty(err)
		}
	}
	if err := fs.remove(parent, e); err != 0 {
		return err
	}
	if fs.orphan(e.off) {
		return 0 // freed on the last close
	}
	return fs.freeChain(e.cluster())
}

func orNotEmpty(err errno.Errno) errno.Errno {
	if err == 0 {
		return errno.ENOTEMPTY
	}
	return err
}

// Rename moves from to to, replacing what to names. The new entry is
// written before the old one is freed; both are in the cache until the
// next sync.
func (fs *FS) Rename(from, to []byte) errno.Errno {
	if !fs.ok() {
		return errno.EIO
	}
	if err := fs.changing(); err != 0 {
		return err
	}
	var src, dst, tmp dentry
	srcDir, srcName, err := fs.parentOf(from, &tmp)
	if err != 0 {
		return err
	}
	if found, err := fs.find(srcDir, srcName, &src, nil); err != 0 || !found {
		return orNoEnt(err)
	}
	dstDir, dstName, err := fs.parentOf(to, &tmp)
	if err != 0 {
		return err
	}
	var nn newName
	if err := nn.init(dstName); err != 0 {
		return err
	}
	exists, err := fs.find(dstDir, dstName, &dst, &nn)
	switch {
	case err != 0:
		return err
	case exists && dst.off == src.off && string(dst.Name()) == string(dstName):
		return 0 // the same name: nothing to do
	case exists && dst.off != src.off && src.isDir() && !dst.isDir():
		return errno.ENOTDIR
	case exists && dst.off != src.off && !src.isDir() && dst.isDir():
		return errno.EISDIR
	}
	if src.isDir() {
		moved, err := fs.dirCluster(&src)
		if err != 0 {
			return err
		}
		if inside, err := fs.within(dstDir, moved); err != 0 || inside {
			return orInval(err)
		}
	}
	if exists && dst.off != src.off {
		if err := fs.drop(dstDir, &dst); err != 0 {
			return err
		}
	}
	raw := src.raw
	if err := fs.place(dstDir, dstName, &nn, &raw, &tmp); err != 0 {
		return err
	}
	if err := fs.remove(srcDir, &src); err != 0 {
		return err
	}
	fs.moved(src.off, tmp.off)
	if src.isDir() && srcDir != dstDir {
		return fs.setDotDot(src.cluster(), dstDir)
	}
	return 0
}

func orNoEnt(err errno.Errno) errno.Errno {
	if err == 0 {
		return errno.ENOENT
	}
	return err
}

func orInval(err errno.Errno) errno.Errno {
	if err == 0 {
		return errno.EINVAL
	}
	return err
}

// setDotDot points a moved directory's ".." entry at its new parent.
func (fs *FS) setDotDot(dir, parent uint32) errno.Errno {
	if parent == fs.g.RootCluster {
		parent = 0
	}
	cur := cursor{first: dir}
	off, ok, err := fs.slotOff(&cur, 1, false)
	if err != 0 || !ok {
		return errno.EIO
	}
	b, err := fs.c.ref(off, slotSize, true)
	if err != 0 {
		return err
	}
	setCluster(b, parent)
	return 0
}

// Symlink and Link: FAT has neither symbolic nor hard links (EPERM, as
// Linux's vfat answers).
func (fs *FS) Symlink(_, _ []byte) errno.Errno { return errno.EPERM }
func (fs *FS) Link(_, _ []byte) errno.Errno    { return errno.EPERM }

func (fs *FS) SetAttr(n vfs.Node, a vfs.Attr) errno.Errno {
	if !fs.ok() {
		return errno.EIO
	}
	if err := fs.changing(); err != 0 {
		return err
	}
	if n.ID == 0 {
		return 0 // the root has no entry to keep anything in
	}
	var e dentry
	if err := fs.entryOf(n.ID, &e); err != 0 {
		return err
	}
	b, err := fs.c.ref(n.ID, slotSize, true)
	if err != 0 {
		return err
	}
	setAttr(b, a, fs.now())
	return 0
}

// setAttr applies a change of mode or times to a short entry: a mode
// without write bits sets the read-only attribute, one with clears it
// (Linux's vfat); modification and access times as FAT keeps them.
func setAttr(b []byte, a vfs.Attr, now int64) {
	if a.Set&vfs.SetMode != 0 && b[offAttr]&attrDir == 0 {
		b[offAttr] &^= attrReadOnly
		if a.Mode&0o222 == 0 {
			b[offAttr] |= attrReadOnly
		}
	}
	mt, at := a.Mtime.Nanos(), a.Atime.Nanos()
	if a.Set&vfs.SetMtimeNow != 0 {
		mt = now
	}
	if a.Set&vfs.SetAtimeNow != 0 {
		at = now
	}
	if a.Set&(vfs.SetMtime|vfs.SetMtimeNow) != 0 {
		date, tm, _ := dosTime(mt)
		put16(b, offWrtDate, uint32(date))
		put16(b, offWrtTime, uint32(tm))
	}
	if a.Set&(vfs.SetAtime|vfs.SetAtimeNow) != 0 {
		date, _, _ := dosTime(at)
		put16(b, offAccDate, uint32(date))
	}
}

package fatfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// An inode is what the open descriptions of one file share: where its
// entry is, its size and first cluster (written through to the entry in
// the cache at every change), and a cursor into its chain. A file whose
// name is removed while it is open keeps its clusters until the last
// close, as on Linux.
type inode struct {
	refs int32
	ent  int64 // its short entry's offset; 0: the root directory
	dir  bool
	gone bool // its entry was removed while it was open
	size uint32
	cur  cursor // cur.first is the first cluster (0: none yet)
	// npages counts its pages in the page cache (pages.go).
	npages int32
}

// hold returns the inode of node id, shared with the files already open
// on it; ENFILE when the table is full, ENOMEM when it cannot grow.
func (fs *FS) hold(id int64) (*inode, errno.Errno) {
	var e dentry
	if err := fs.entryOf(id, &e); err != 0 {
		return nil, err
	}
	var free *inode
	for i := 0; i < fs.inodes.Len(); i++ {
		in := fs.inodes.At(i)
		switch {
		case in.refs > 0 && in.ent == id && !in.gone:
			in.refs++
			return in, 0
		case in.refs == 0 && free == nil:
			free = in
		}
	}
	if free == nil {
		var err errno.Errno
		if free, err = fs.inodes.Slot(fs.inodes.Len()); err != 0 {
			return nil, err
		}
	}
	first := e.cluster()
	if e.isDir() {
		var err errno.Errno
		if first, err = fs.dirCluster(&e); err != 0 {
			return nil, err
		}
	} else if first != 0 && !fs.g.ValidCluster(first) {
		return nil, errno.EIO
	}
	*free = inode{refs: 1, ent: id, dir: e.isDir(), size: le32(e.raw[:], offSize), cur: cursor{first: first}}
	return free, 0
}

// release drops a hold; the last one writes the file's cached pages back
// and lets them go, and of a removed file or directory frees its
// clusters. (No mapping is left then: a mapping holds a reference to its
// description.)
func (fs *FS) release(in *inode) {
	if in.refs--; in.refs > 0 {
		return
	}
	fs.writePages(in) // an error here has no one to go to, as on Linux's close
	fs.dropPages(in, 0)
	if in.gone {
		fs.freeChain(in.cur.first)
	}
}

// orphan marks the open inode of the entry at off removed; false when
// no file has it open.
func (fs *FS) orphan(off int64) bool {
	for i := 0; i < fs.inodes.Len(); i++ {
		if in := fs.inodes.At(i); in.refs > 0 && in.ent == off && !in.gone {
			in.gone = true
			return true
		}
	}
	return false
}

// moved makes the open inode of the entry at from follow it to to.
func (fs *FS) moved(from, to int64) {
	for i := 0; i < fs.inodes.Len(); i++ {
		if in := fs.inodes.At(i); in.refs > 0 && in.ent == from && !in.gone {
			in.ent = to
		}
	}
}

// save writes a file's size and first cluster into its entry, with the
// modification time now and the archive bit.
func (fs *FS) save(in *inode) errno.Errno {
	if in.gone || in.dir || in.ent == 0 {
		return 0
	}
	b, err := fs.c.ref(in.ent, slotSize, true)
	if err != 0 {
		return err
	}
	setCluster(b, in.cur.first)
	put32(b, offSize, in.size)
	b[offAttr] |= attrArchive
	date, tm, _ := dosTime(fs.now())
	put16(b, offWrtDate, uint32(date))
	put16(b, offWrtTime, uint32(tm))
	return 0
}

// statInode describes an open file: from its entry, or from the inode
// when the entry is gone.
func (fs *FS) statInode(in *inode, st *vfs.Stat) errno.Errno {
	if !in.gone {
		var e dentry
		if err := fs.entryOf(in.ent, &e); err != 0 {
			return err
		}
		fs.statEntry(&e, st)
		return 0
	}
	*st = vfs.Stat{Mode: vfs.ModeRegular | 0o644, Size: int64(in.size)}
	return 0
}

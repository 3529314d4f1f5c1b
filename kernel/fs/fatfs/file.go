package fatfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// MaxFileSize is the largest FAT file: its size is 32 bits (FAT spec
// §6.2).
const MaxFileSize = 1<<32 - 1

// file is an open file or directory on the volume.
type file struct {
	vfs.Base
	fs   *FS
	in   *inode
	name [NameMax + 4]byte // the name ReadDir returned last
}

// files are the open files, in pages from vfs.UsePages.
var files vfs.Pool[file]

func (fs *FS) Open(n vfs.Node, flags uint32) (vfs.File, errno.Errno) {
	if !fs.ok() {
		return nil, errno.EIO
	}
	f, err := vfs.TakeFree(&files)
	if err != 0 {
		return nil, err
	}
	in, err := fs.hold(n.ID)
	if err != 0 {
		return nil, err
	}
	if !in.dir && flags&vfs.Trunc != 0 && flags&vfs.AccMode != vfs.ReadOnly {
		if err := fs.truncate(in, 0); err != 0 {
			fs.release(in)
			return nil, err
		}
	}
	f.Base.Open(flags)
	f.fs, f.in = fs, in
	return f, 0
}

func (f *file) Release() { f.fs.release(f.in) }

func (f *file) Read(p []byte) (int, errno.Errno) {
	n, err := f.ReadAt(p, f.Offset)
	f.Offset += int64(n)
	return n, err
}

func (f *file) Write(p []byte) (int, errno.Errno) {
	if f.Status&vfs.Append != 0 {
		f.Offset = int64(f.in.size)
	}
	n, err := f.WriteAt(p, f.Offset)
	f.Offset += int64(n)
	return n, err
}

func (f *file) ReadAt(p []byte, off int64) (int, errno.Errno) {
	switch {
	case f.in.dir:
		return 0, errno.EISDIR
	case !f.Readable():
		return 0, errno.EBADF
	case off < 0:
		return 0, errno.EINVAL
	}
	return f.fs.readPages(f.in, p, off)
}

// readData copies file data at off, a cluster at a time. A chain shorter
// than the size says is EIO.
func (fs *FS) readData(in *inode, p []byte, off int64) (int, errno.Errno) {
	cs := int64(fs.g.ClusterSize)
	done := 0
	for done < len(p) && off < int64(in.size) {
		idx, at := fs.g.clusterIndex(off)
		ok, err := fs.seek(&in.cur, idx, false)
		if err == 0 && !ok {
			err = errno.EIO
		}
		if err != 0 {
			return done, err
		}
		k := min(int64(len(p)-done), cs-at, int64(in.size)-off)
		if err := fs.c.read(p[done:done+int(k)], fs.g.ClusterOffset(in.cur.clus)+at); err != 0 {
			return done, err
		}
		done += int(k)
		off += k
	}
	return done, 0
}

func (f *file) WriteAt(p []byte, off int64) (int, errno.Errno) {
	switch {
	case f.in.dir:
		return 0, errno.EISDIR
	case !f.Writable():
		return 0, errno.EBADF
	case off < 0:
		return 0, errno.EINVAL
	case off+int64(len(p)) > MaxFileSize:
		return 0, errno.EFBIG
	}
	if err := f.fs.changing(); err != 0 {
		return 0, err
	}
	if size := int64(f.in.size); off > size { // the gap reads as zeroes
		if n, err := f.fs.writeData(f.in, nil, int(off-size), size); n < int(off-size) {
			return 0, orNoSpace(err)
		}
	}
	n, err := f.fs.writeData(f.in, p, len(p), off)
	if n > 0 {
		err = 0 // a short write; the next one gets the error
	}
	return n, err
}

func orNoSpace(err errno.Errno) errno.Errno {
	if err == 0 {
		return errno.ENOSPC
	}
	return err
}

// writeData writes p (or, p nil, n zero bytes) at off, into the
// clusters (store) and the file's cached pages (mirror), and records the
// new size and first cluster in the entry.
func (fs *FS) writeData(in *inode, p []byte, n int, off int64) (int, errno.Errno) {
	done, err := fs.store(in, p, n, off)
	fs.mirror(in, p, done, off)
	if serr := fs.save(in); err == 0 {
		err = serr
	}
	return done, err
}

// store writes p (or, p nil, n zero bytes) into the file's clusters at
// off, growing the chain and the size as it goes. Clusters that follow
// each other on the device are written as one extent (extent), so that
// the cache sees whole blocks and need not read them first.
func (fs *FS) store(in *inode, p []byte, n int, off int64) (int, errno.Errno) {
	done := 0
	var err errno.Errno
	for done < n {
		var start int64
		var k int
		if start, k, err = fs.extent(in, off, n-done); k == 0 {
			break
		}
		var src []byte
		if p != nil {
			src = p[done : done+k]
		}
		if err = fs.c.write(src, k, start); err != 0 {
			break
		}
		done += k
		off += int64(k)
		in.size = uint32(max(int64(in.size), off))
	}
	return done, err
}

// maxExtent bounds how much one extent covers.
const maxExtent = 256 << 10

// extent finds where byte off of the file is on the device and how many
// of the next want bytes follow it there contiguously, growing the chain
// as needed; the cursor is left on the extent's last cluster. k is 0 when
// not even one byte could be placed (err says why).
func (fs *FS) extent(in *inode, off int64, want int) (start int64, k int, err errno.Errno) {
	cs := int64(fs.g.ClusterSize)
	idx, at := fs.g.clusterIndex(off)
	ok, err := fs.seek(&in.cur, idx, true)
	if err != 0 || !ok {
		return 0, 0, err
	}
	start = fs.g.ClusterOffset(in.cur.clus) + at
	k = int(min(int64(want), cs-at))
	for k < want && k < maxExtent {
		prev := in.cur.clus
		if ok, serr := fs.seek(&in.cur, in.cur.idx+1, true); serr != 0 || !ok || in.cur.clus != prev+1 {
			break // the next cluster is elsewhere (or there is none): the next extent starts there
		}
		k += int(min(int64(want-k), cs))
	}
	return start, k, 0
}

func (f *file) Size() (int64, bool) { return int64(f.in.size), true }

// MapKind: a regular file's pages are frames of the page cache
// (pages.go) while it is mapped.
func (f *file) MapKind() vfs.MapKind {
	if f.in.dir {
		return vfs.MapNone
	}
	return vfs.MapFrames
}

// MapFrame hands a mapping the frame of the file's page at off, which
// read and write then use too; write marks the page dirty.
func (f *file) MapFrame(off int64, write bool) (uintptr, errno.Errno) {
	return f.fs.mapFrame(f.in, off, write)
}

func (f *file) Stat(st *vfs.Stat) errno.Errno { return f.fs.statInode(f.in, st) }

func (f *file) SetAttr(a vfs.Attr) errno.Errno {
	if f.in.gone || f.in.ent == 0 {
		return 0
	}
	return f.fs.SetAttr(vfs.Node{ID: f.in.ent}, a)
}

func (f *file) Truncate(size int64) errno.Errno {
	switch {
	case f.in.dir:
		return errno.EISDIR
	case size < 0:
		return errno.EINVAL
	case size > MaxFileSize:
		return errno.EFBIG
	}
	if err := f.fs.changing(); err != 0 {
		return err
	}
	return f.fs.truncate(f.in, size)
}

// truncate sets a file's size: clusters past it are freed, and so are
// cached pages (the bytes after the end in the last one read as zero);
// growing it writes zeroes.
func (fs *FS) truncate(in *inode, size int64) errno.Errno {
	old := int64(in.size)
	if size < old {
		fs.dropPages(in, uint32((size+PageSize-1)/PageSize))
		fs.mirror(in, nil, int((size+PageSize-1)&^(PageSize-1)-size), size)
	}
	if size > old {
		if n, err := fs.writeData(in, nil, int(size-old), old); n < int(size-old) {
			return orNoSpace(err)
		}
		return 0
	}
	keep, _ := fs.g.clusterIndex(size + int64(fs.g.ClusterSize) - 1) // clusters kept
	var err errno.Errno
	if keep == 0 {
		err = fs.freeChain(in.cur.first)
		in.cur = cursor{}
	} else if ok, serr := fs.seek(&in.cur, keep-1, false); serr != 0 {
		err = serr
	} else if ok {
		next, nerr := fs.next(in.cur.clus)
		err = nerr
		if nerr == 0 && next != 0 {
			if err = fs.setEntry(in.cur.clus, endOfChain); err == 0 {
				err = fs.freeChain(next)
			}
		}
	}
	in.size = uint32(size)
	if serr := fs.save(in); err == 0 {
		err = serr
	}
	return err
}

// Sync writes back every change to the volume and flushes the device
// (fsync, fdatasync): all of the volume, not only this file's.
func (f *file) Sync() errno.Errno { return f.fs.Sync() }

// ReadDir lists a directory: position pos is the slot the scan goes on
// from. "." and ".." are left out, as tmpfs leaves them out.
func (f *file) ReadDir(pos int64, d *vfs.Dirent) (bool, errno.Errno) {
	if !f.in.dir {
		return false, errno.ENOTDIR
	}
	if f.in.gone || pos < 0 || pos >= maxDirSlots {
		return false, 0
	}
	var s scanner
	var e dentry
	f.fs.scan(&s, f.in.cur.first, uint32(pos))
	for {
		ok, err := s.next(&e)
		if !ok || err != 0 {
			return false, err
		}
		if isDot(e.raw[:]) {
			continue
		}
		n := copy(f.name[:], e.Name())
		*d = vfs.Dirent{Ino: uint64(e.off / slotSize), Mode: modeOf(e.raw[:]), Name: f.name[:n], Next: int64(s.slot)}
		return true, 0
	}
}

func (f *file) Path(buf []byte) ([]byte, errno.Errno) {
	if !f.in.dir {
		return nil, errno.ENOTDIR
	}
	if f.in.gone {
		return nil, errno.ENOENT
	}
	return f.fs.dirPath(f.in.cur.first, buf)
}

package linux

import (
	"github.com/gobare/gobare/kernel/fs"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/timer"
)

// tmpfs: a small writable file system in RAM at /tmp, where os.TempDir and
// t.TempDir put their files (the archive mkimage packs stays read-only).
// Each file or directory is a node named by its full path; a file's data
// lives in frames from the frame allocator, at most maxTmpPages of them.
const (
	tmpMount    = "/tmp"
	maxTmpNodes = 512
	maxTmpPath  = 192
	maxTmpPages = 64 // 256 KiB per file
	ENOSPC      = 28
	EFBIG       = 27
	ENOTEMPTY   = 39
	EXDEV       = 18
	oExcl       = 0o200 // O_EXCL: with O_CREAT, fail if it exists
)

type tmpNode struct {
	used    bool
	dir     bool
	link    bool // a symbolic link: its target is the file's data
	path    [maxTmpPath]byte
	pathLen int
	size    int64
	mtime   int64
	pages   [maxTmpPages]uintptr // physical frames, 0 where not written yet
}

var tmpNodes [maxTmpNodes]tmpNode

// inTmp reports whether a clean absolute path is /tmp or below it.
func inTmp(abs []byte) bool {
	return len(abs) >= len(tmpMount) && string(abs[:len(tmpMount)]) == tmpMount &&
		(len(abs) == len(tmpMount) || abs[len(tmpMount)] == '/')
}

func (n *tmpNode) name() []byte { return n.path[:n.pathLen] }

// tmpLookup returns the node for a path under /tmp, creating /tmp itself
// on first use; -1 if there is none.
func tmpLookup(abs []byte) int {
	if string(abs) == tmpMount && !tmpNodes[0].used {
		tmpNodes[0] = tmpNode{used: true, dir: true, mtime: nowSeconds()}
		tmpNodes[0].pathLen = copy(tmpNodes[0].path[:], tmpMount)
	}
	for i := range tmpNodes {
		if tmpNodes[i].used && string(tmpNodes[i].name()) == string(abs) {
			return i
		}
	}
	return -1
}

// tmpCreate makes a file or directory at abs, whose parent must be a
// directory of the tmpfs.
func tmpCreate(abs []byte, dir bool) (int, uintptr) {
	if len(abs) > maxTmpPath {
		return -1, errno(ENAMETOOLONG)
	}
	p := tmpLookup(abs[:lastSlash(abs)])
	if p < 0 {
		return -1, errno(ENOENT)
	}
	if !tmpNodes[p].dir {
		return -1, errno(ENOTDIR)
	}
	for i := range tmpNodes {
		if !tmpNodes[i].used {
			tmpNodes[i] = tmpNode{used: true, dir: dir, mtime: nowSeconds()}
			tmpNodes[i].pathLen = copy(tmpNodes[i].path[:], abs)
			return i, 0
		}
	}
	return -1, errno(ENOSPC)
}

// tmpTruncate frees the pages beyond size bytes and sets the size.
func tmpTruncate(n *tmpNode, size int64) {
	for pg := (size + mem.PageSize - 1) / mem.PageSize; pg < maxTmpPages; pg++ {
		if n.pages[pg] != 0 {
			Space.PT.Frames.FreeFrame(n.pages[pg])
			n.pages[pg] = 0
		}
	}
	if size < n.size && size%mem.PageSize != 0 && n.pages[size/mem.PageSize] != 0 {
		clear(Space.PT.Frames.Page(n.pages[size/mem.PageSize])[size%mem.PageSize:])
	}
	n.size = size
}

// tmpRemove deletes a node: a file's pages go back to the allocator.
func tmpRemove(i int) {
	tmpTruncate(&tmpNodes[i], 0)
	tmpNodes[i] = tmpNode{}
}

// tmpHasChildren reports whether the directory node i is not empty.
func tmpHasChildren(i int) bool {
	dir := tmpNodes[i].name()
	for j := range tmpNodes {
		if tmpNodes[j].used && j != i && string(tmpNodes[j].path[:lastSlash(tmpNodes[j].name())]) == string(dir) {
			return true
		}
	}
	return false
}

// tmpRead copies file data at pos to the program.
func tmpRead(n *tmpNode, buf, count uintptr, pos int64) uintptr {
	done := uintptr(0)
	for done < count && pos < n.size {
		pg, off := pos/mem.PageSize, pos%mem.PageSize
		k := min(int64(count-done), mem.PageSize-off, n.size-pos)
		var zero [mem.PageSize]byte
		src := zero[off : off+k]
		if n.pages[pg] != 0 {
			src = Space.PT.Frames.Page(n.pages[pg])[off : off+k]
		}
		if !Space.CopyOut(buf+done, src) {
			return errno(EFAULT)
		}
		done += uintptr(k)
		pos += k
	}
	return done
}

// tmpWrite copies program data into the file at pos, growing it.
func tmpWrite(n *tmpNode, buf, count uintptr, pos int64) uintptr {
	done := uintptr(0)
	for done < count {
		pg, off := pos/mem.PageSize, pos%mem.PageSize
		if pg >= maxTmpPages {
			if done > 0 {
				break
			}
			return errno(EFBIG)
		}
		if n.pages[pg] == 0 {
			frame, ok := Space.PT.Frames.Alloc()
			if !ok {
				return errno(ENOSPC)
			}
			n.pages[pg] = frame
		}
		k := min(int64(count-done), mem.PageSize-off)
		if !Space.CopyIn(Space.PT.Frames.Page(n.pages[pg])[off:off+k], buf+done) {
			return errno(EFAULT)
		}
		done += uintptr(k)
		pos += k
		n.size = max(n.size, pos)
	}
	n.mtime = nowSeconds()
	return done
}

// tmpStat describes a node as an archive entry for writeStat.
func tmpStat(i int) fs.Entry {
	n := &tmpNodes[i]
	e := fs.Entry{Mode: fs.ModeRegular | 0o644, Ino: uint64(1<<20 + i), Nlink: 1, Mtime: uint64(n.mtime), Off: -1}
	switch {
	case n.dir:
		e.Mode = fs.ModeDir | 0o755
	case n.link:
		e.Mode = fs.ModeSymlink | 0o777
		e.Data = tmpLinkTarget(n)
	}
	return e
}

// tmpLinkTarget returns a symbolic link's target, kept in its first page.
func tmpLinkTarget(n *tmpNode) []byte {
	if n.pages[0] == 0 {
		return nil
	}
	return Space.PT.Frames.Page(n.pages[0])[:n.size]
}

// symlinkat(target, newdirfd, linkpath): only inside /tmp.
func sysSymlinkat(c call) uintptr { return symlink(c.arg(0), int64(c.arg(1)), c.arg(2)) }

// symlink(target, linkpath)
func sysSymlink(c call) uintptr { return symlink(c.arg(0), atFdcwd, c.arg(1)) }

func symlink(target uintptr, dirfd int64, path uintptr) uintptr {
	var tbuf [mem.PageSize]byte
	tn, ok := readCString(target, tbuf[:])
	if !ok {
		return errno(EFAULT)
	}
	if tn == 0 || tn == len(tbuf) {
		return errno(ENOENT)
	}
	var buf [fs.MaxPath]byte
	n, err := resolve(dirfd, path, &buf, false)
	switch {
	case err == 0:
		return errno(EEXIST)
	case !n.tmpNew:
		if err == errno(ENOENT) {
			return errno(EROFS)
		}
		return err
	}
	i, err := tmpCreate(n.abs, false)
	if err != 0 {
		return err
	}
	node := &tmpNodes[i]
	frame, ok := Space.PT.Frames.Alloc()
	if !ok {
		tmpRemove(i)
		return errno(ENOSPC)
	}
	node.link = true
	node.pages[0] = frame
	node.size = int64(copy(Space.PT.Frames.Page(frame), tbuf[:tn]))
	return 0
}

func nowSeconds() int64 { return (timer.Nanotime() + timer.BootEpochNanos()) / 1e9 }

// openTmp opens (or, with O_CREAT, creates) a tmpfs path.
func openTmp(n node, flags uintptr) uintptr {
	i := n.tmp - 1
	switch {
	case n.tmpNew && flags&oCreat == 0:
		return errno(ENOENT)
	case n.tmpNew:
		var err uintptr
		if i, err = tmpCreate(n.abs, false); err != 0 {
			return err
		}
	case flags&(oCreat|oExcl) == oCreat|oExcl:
		return errno(EEXIST)
	}
	node := &tmpNodes[i]
	access := uint32(flags & oAccMode)
	switch {
	case node.dir && access != 0:
		return errno(EISDIR)
	case !node.dir && flags&oDirectory != 0:
		return errno(ENOTDIR)
	case !node.dir && flags&oTrunc != 0 && access != 0:
		tmpTruncate(node, 0)
	}
	kind := fdTmpFile
	if node.dir {
		kind = fdTmpDir
	}
	fd, ok := allocFD(kind)
	if !ok {
		return errno(EMFILE)
	}
	fds[fd].tmp = i
	fds[fd].access = access
	fds[fd].flags = uint32(flags) & (oNonblock | oAppend)
	fds[fd].cloexec = flags&oCloexec != 0
	return uintptr(fd)
}

// tmpIO reads or writes an open tmpfs file at pos (the descriptor's own
// position when pos < 0, which it then advances).
func tmpIO(e *fdEntry, buf, n uintptr, pos int64, write bool) uintptr {
	if e.kind != fdTmpFile {
		return errno(EISDIR)
	}
	node := &tmpNodes[e.tmp]
	own := pos < 0
	if own {
		pos = e.pos
	}
	var r uintptr
	if write {
		if e.access == 0 {
			return errno(EBADF)
		}
		if own && e.flags&oAppend != 0 {
			pos = node.size
		}
		r = tmpWrite(node, buf, n, pos)
	} else {
		if e.access == oWronly {
			return errno(EBADF)
		}
		r = tmpRead(node, buf, n, pos)
	}
	if own && int64(r) >= 0 {
		e.pos = pos + int64(r)
	}
	return r
}

// tmpGetdents lists a tmpfs directory: the nodes whose parent it is.
func tmpGetdents(e *fdEntry, buf, count uintptr) uintptr {
	dir := tmpNodes[e.tmp].name()
	written := uintptr(0)
	for ; e.pos < maxTmpNodes; e.pos++ {
		c := &tmpNodes[e.pos]
		if !c.used || int(e.pos) == e.tmp || string(c.path[:lastSlash(c.name())]) != string(dir) {
			continue
		}
		mode := tmpStat(int(e.pos)).Mode
		n, err := putDirent(buf+written, count-written, uint64(1<<20+e.pos), e.pos+1, mode, c.name()[lastSlash(c.name())+1:])
		if err != 0 {
			if written == 0 {
				return err
			}
			break
		}
		written += n
	}
	return written
}

// mkdirat(dirfd, path, mode)
func sysMkdirat(c call) uintptr { return mkdir(int64(c.arg(0)), c.arg(1)) }

// mkdir(path, mode)
func sysMkdir(c call) uintptr { return mkdir(atFdcwd, c.arg(0)) }

func mkdir(dirfd int64, path uintptr) uintptr {
	var buf [fs.MaxPath]byte
	n, err := resolve(dirfd, path, &buf, false)
	switch {
	case n.tmpNew:
		_, err = tmpCreate(n.abs, true)
		return err
	case err == 0:
		return errno(EEXIST)
	case err == errno(ENOENT):
		return errno(EROFS)
	}
	return err
}

// unlinkat(dirfd, path, flags): AT_REMOVEDIR removes an empty directory.
func sysUnlinkat(c call) uintptr { return unlink(int64(c.arg(0)), c.arg(1), c.arg(2)&atRemovedir != 0) }

func sysUnlink(c call) uintptr { return unlink(atFdcwd, c.arg(0), false) }

func sysRmdir(c call) uintptr { return unlink(atFdcwd, c.arg(0), true) }

const atRemovedir = 0x200

func unlink(dirfd int64, path uintptr, dir bool) uintptr {
	var buf [fs.MaxPath]byte
	n, err := resolve(dirfd, path, &buf, false)
	if err != 0 {
		return err
	}
	if n.tmp == 0 {
		return errno(EROFS)
	}
	i := n.tmp - 1
	switch {
	case i == 0:
		return errno(EPERM) // /tmp itself
	case tmpNodes[i].dir && !dir:
		return errno(EISDIR)
	case !tmpNodes[i].dir && dir:
		return errno(ENOTDIR)
	case dir && tmpHasChildren(i):
		return errno(ENOTEMPTY)
	}
	tmpRemove(i)
	return 0
}

// renameat(olddirfd, old, newdirfd, new) and renameat2 (flags ignored).
func sysRenameat(c call) uintptr {
	return rename(int64(c.arg(0)), c.arg(1), int64(c.arg(2)), c.arg(3))
}

func sysRename(c call) uintptr { return rename(atFdcwd, c.arg(0), atFdcwd, c.arg(1)) }

func rename(olddirfd int64, oldpath uintptr, newdirfd int64, newpath uintptr) uintptr {
	var obuf, nbuf [fs.MaxPath]byte
	from, err := resolve(olddirfd, oldpath, &obuf, false)
	if err != 0 {
		return err
	}
	to, err := resolve(newdirfd, newpath, &nbuf, false)
	if from.tmp == 0 || to.tmp == 0 && !to.tmpNew {
		if err == 0 || to.tmpNew {
			return errno(EXDEV)
		}
		return errno(EROFS)
	}
	if len(to.abs) > maxTmpPath {
		return errno(ENAMETOOLONG)
	}
	if to.tmp > 0 {
		if to.tmp == from.tmp {
			return 0
		}
		if tmpNodes[to.tmp-1].dir && tmpHasChildren(to.tmp-1) {
			return errno(ENOTEMPTY)
		}
		tmpRemove(to.tmp - 1)
	} else if p := tmpLookup(to.abs[:lastSlash(to.abs)]); p < 0 || !tmpNodes[p].dir {
		return errno(ENOENT)
	}
	// Rename the node and everything below it (paths are full names).
	old := tmpNodes[from.tmp-1].name()
	var oldName [maxTmpPath]byte
	oldLen := copy(oldName[:], old)
	for j := range tmpNodes {
		n := &tmpNodes[j]
		name := n.name()
		if !n.used || len(name) < oldLen || string(name[:oldLen]) != string(oldName[:oldLen]) ||
			len(name) > oldLen && name[oldLen] != '/' {
			continue
		}
		var tail [maxTmpPath]byte
		tl := copy(tail[:], name[oldLen:])
		if len(to.abs)+tl > maxTmpPath {
			return errno(ENAMETOOLONG)
		}
		n.pathLen = copy(n.path[:], to.abs)
		n.pathLen += copy(n.path[n.pathLen:], tail[:tl])
	}
	return 0
}

// ftruncate(fd, length)
func sysFtruncate(c call) uintptr {
	e := lookupFD(c.arg(0))
	switch {
	case e == nil:
		return errno(EBADF)
	case e.kind != fdTmpFile:
		return errno(EINVAL)
	case int64(c.arg(1)) < 0 || int64(c.arg(1)) > maxTmpPages*mem.PageSize:
		return errno(EINVAL)
	}
	tmpTruncate(&tmpNodes[e.tmp], int64(c.arg(1)))
	return 0
}

// pwrite64(fd, buf, count, offset)
func sysPwrite64(c call) uintptr {
	e := lookupFD(c.arg(0))
	if e == nil || e.kind != fdTmpFile {
		return errno(EBADF)
	}
	if int64(c.arg(3)) < 0 {
		return errno(EINVAL)
	}
	return tmpIO(e, c.arg(1), c.arg(2), int64(c.arg(3)), true)
}

// Changing owners, modes and times is accepted and has no effect.
func sysAcceptNoop(c call) uintptr { return 0 }

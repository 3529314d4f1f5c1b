package linux

import (
	"github.com/gobare/gobare/kernel/fs"
)

// The read-only file system: the cpio archive mkimage packed (kernel/fs),
// mounted at Mount, and the working directory. Every call that would
// change it fails with EROFS.
var (
	// Files is the archive; nil when the image has none.
	Files            []byte
	mount            [fs.MaxPath]byte
	cwd              [fs.MaxPath]byte
	mountLen, cwdLen int
)

// More errno values for files.
const (
	ENOTDIR      = 20
	EISDIR       = 21
	ENOTTY       = 25
	ESPIPE       = 29
	ERANGE       = 34
	ENAMETOOLONG = 36
	EACCES       = 13
)

// Open flags and *at() conventions (Linux uapi fcntl.h).
const (
	oAccMode          = 3
	oCreat            = 0o100
	oTrunc            = 0o1000
	oDirectory        = 0o200000
	atFdcwd           = -100
	atSymlinkNofollow = 0x100
	atEmptyPath       = 0x1000
)

// SetMount sets the mount point and working directory (absolute paths).
func SetMount(mountPath, cwdPath []byte) {
	m, ok := fs.Clean(mount[:], nil, mountPath)
	if !ok {
		m, _ = fs.Clean(mount[:], nil, []byte("/"))
	}
	mountLen = len(m)
	if len(cwdPath) == 0 {
		cwdPath = m
	}
	var tmp [fs.MaxPath]byte
	c, ok := fs.Clean(tmp[:], nil, cwdPath)
	if !ok {
		c = m
	}
	cwdLen = copy(cwd[:], c)
}

// node is a resolved path: an archive entry, or a directory above the
// mount point.
type node struct {
	entry   fs.Entry
	above   bool
	devNull bool   // /dev/null, which exists whatever is mounted
	tmp     int    // tmpfs: node index + 1, or 0
	tmpNew  bool   // tmpfs: the path does not exist yet (with ENOENT)
	abs     []byte // the cleaned absolute path (in the caller's buffer)
}

// maxSymlinks bounds how many symbolic links one lookup follows (ELOOP).
const (
	maxSymlinks = 8
	ELOOP       = 40
	oNofollow   = 0o400000
)

// resolve cleans a program path relative to dirfd and finds what it names,
// following a symbolic link at the end when follow is set.
func resolve(dirfd int64, pathAddr uintptr, buf *[fs.MaxPath]byte, follow bool) (node, uintptr) {
	var raw [fs.MaxPath]byte
	n, ok := readCString(pathAddr, raw[:])
	if !ok {
		return node{}, errno(EFAULT)
	}
	if n == len(raw) {
		return node{}, errno(ENAMETOOLONG)
	}
	if n == 0 {
		return node{}, errno(ENOENT)
	}
	var dirBuf [fs.MaxPath]byte
	dir := cwd[:cwdLen]
	if raw[0] != '/' && dirfd != atFdcwd {
		d, err := fdPath(uintptr(dirfd), &dirBuf)
		if err != 0 {
			return node{}, err
		}
		dir = d
	}
	abs, ok := fs.Clean(buf[:], dir, raw[:n])
	if !ok {
		return node{}, errno(ENAMETOOLONG)
	}
	if raw[n-1] == '/' {
		follow = true // "link/" names what the link points to
	}
	for links := 0; ; links++ {
		// A symbolic link in the middle of the path: replace that prefix
		// by the link's target and start over.
		if i := linkPrefix(abs); i > 0 {
			if links == maxSymlinks {
				return node{}, errno(ELOOP)
			}
			nd, _ := lookupAbs(abs[:i])
			var target, joined [fs.MaxPath]byte
			t, ok := fs.Clean(target[:], abs[:max(lastSlash(abs[:i]), 1)], nd.entry.Data)
			if !ok || len(t)+len(abs)-i > len(joined) {
				return node{}, errno(ENAMETOOLONG)
			}
			k := copy(joined[:], t)
			k += copy(joined[k:], abs[i:])
			abs = buf[:copy(buf[:], joined[:k])]
			continue
		}
		nd, err := lookupAbs(abs)
		if err != 0 || !follow || nd.above || nd.devNull || nd.entry.Mode&fs.ModeType != fs.ModeSymlink {
			return nd, err
		}
		if links == maxSymlinks {
			return node{}, errno(ELOOP)
		}
		// The link's target, relative to the directory holding the link.
		var tmp [fs.MaxPath]byte
		parent := abs[:max(lastSlash(abs), 1)]
		target, ok := fs.Clean(tmp[:], parent, nd.entry.Data)
		if !ok {
			return node{}, errno(ENAMETOOLONG)
		}
		abs = buf[:copy(buf[:], target)]
	}
}

// linkPrefix returns the length of the shortest proper prefix of abs
// (ending before a '/') that names a symbolic link, or 0.
func linkPrefix(abs []byte) int {
	for i := 1; i < len(abs); i++ {
		if abs[i] == '/' {
			if nd, err := lookupAbs(abs[:i]); err == 0 && nd.entry.Mode&fs.ModeType == fs.ModeSymlink {
				return i
			}
		}
	}
	return 0
}

func lastSlash(p []byte) int {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return i
		}
	}
	return 0
}

// lookupAbs finds what a clean absolute path names.
func lookupAbs(abs []byte) (node, uintptr) {
	if string(abs) == "/dev/null" {
		return node{devNull: true, abs: abs}, 0
	}
	if inTmp(abs) {
		if i := tmpLookup(abs); i >= 0 {
			return node{tmp: i + 1, entry: tmpStat(i), abs: abs}, 0
		}
		// The archive may hold files under /tmp too (go test's binary
		// lives in /tmp/go-build...): they show through the tmpfs.
		if nd, err := lookupArchive(abs); err == 0 && !nd.above {
			return nd, 0
		}
		// A new name belongs to the tmpfs only if its directory does;
		// under an archive directory it stays read-only (EROFS).
		if p := tmpLookup(abs[:lastSlash(abs)]); p < 0 || !tmpNodes[p].dir {
			return node{}, errno(ENOENT)
		}
		return node{tmpNew: true, abs: abs}, errno(ENOENT)
	}
	return lookupArchive(abs)
}

// lookupArchive finds a clean absolute path in the packed archive.
func lookupArchive(abs []byte) (node, uintptr) {
	rel, inside, above := fs.Relative(abs, mount[:mountLen])
	switch {
	case above:
		return node{above: true, abs: abs}, 0
	case !inside || Files == nil:
		return node{}, errno(ENOENT)
	case len(rel) == 0:
		e, found := fs.Lookup(Files, rel)
		if !found { // the root needs no entry of its own
			e = fs.Entry{Mode: fs.ModeDir | 0o755, Off: -1}
		}
		return node{entry: e, abs: abs}, 0
	}
	e, found := fs.Lookup(Files, rel)
	if !found {
		return node{}, errno(ENOENT)
	}
	return node{entry: e, abs: abs}, 0
}

// fdPath writes the absolute path of a directory descriptor into buf.
func fdPath(fd uintptr, buf *[fs.MaxPath]byte) ([]byte, uintptr) {
	e := lookupFD(fd)
	switch {
	case e == nil:
		return nil, errno(EBADF)
	case e.kind == fdAbove:
		return e.path[:e.pathLen], 0
	case e.kind == fdTmpDir:
		return tmpNodes[e.tmp].name(), 0
	case e.kind != fdDir:
		return nil, errno(ENOTDIR)
	}
	return entryPath(e.entry, buf), 0
}

// entryPath is the absolute path of the archive entry at header offset off.
func entryPath(off int, buf *[fs.MaxPath]byte) []byte {
	var name []byte
	if ent, ok := fs.At(Files, off); ok {
		name = ent.Name
	}
	p, _ := fs.Clean(buf[:], mount[:mountLen], name)
	return p
}

// readCString copies a NUL-terminated string from the program into buf
// and returns its length (len(buf) if it did not fit).
func readCString(addr uintptr, buf []byte) (int, bool) {
	for i := 0; i < len(buf); i++ {
		var b [1]byte
		if !Space.CopyIn(b[:], addr+uintptr(i)) {
			return 0, false
		}
		if b[0] == 0 {
			return i, true
		}
		buf[i] = b[0]
	}
	return len(buf), true
}

// openat(dirfd, path, flags, mode)
func sysOpenat(c call) uintptr { return openPath(int64(c.arg(0)), c.arg(1), c.arg(2)) }

// open(path, flags, mode)
func sysOpen(c call) uintptr { return openPath(atFdcwd, c.arg(0), c.arg(1)) }

func openPath(dirfd int64, path, flags uintptr) uintptr {
	var buf [fs.MaxPath]byte
	n, err := resolve(dirfd, path, &buf, flags&oNofollow == 0)
	if n.tmp > 0 || n.tmpNew {
		return openTmp(n, flags)
	}
	if err == 0 && n.devNull {
		fd, ok := allocFD(fdNull)
		if !ok {
			return errno(EMFILE)
		}
		return uintptr(fd)
	}
	if flags&oAccMode != 0 || flags&(oCreat|oTrunc) != 0 {
		return errno(EROFS)
	}
	if err != 0 {
		return err
	}
	kind := fdFile
	switch {
	case n.above:
		kind = fdAbove
	case n.entry.IsDir():
		kind = fdDir
	case flags&oDirectory != 0:
		return errno(ENOTDIR)
	}
	fd, ok := allocFD(kind)
	if !ok {
		return errno(EMFILE)
	}
	e := &fds[fd]
	e.cloexec = flags&oCloexec != 0
	e.entry = n.entry.Off
	if n.above {
		e.pathLen = copy(e.path[:], n.abs)
	}
	return uintptr(fd)
}

// fileEntry returns the archive entry of an open file descriptor.
func fileEntry(e *fdEntry) (fs.Entry, bool) {
	if e.entry < 0 {
		return fs.Entry{Mode: fs.ModeDir | 0o755, Off: -1}, true
	}
	return fs.At(Files, e.entry)
}

// readFile copies file data from offset pos into the program's buf.
func readFile(e *fdEntry, buf, n uintptr, pos int64) uintptr {
	if e.kind != fdFile {
		return errno(EISDIR)
	}
	ent, ok := fileEntry(e)
	if !ok {
		return errno(EBADF)
	}
	if pos >= int64(len(ent.Data)) {
		return 0
	}
	k := min(n, uintptr(int64(len(ent.Data))-pos))
	if !Space.CopyOut(buf, ent.Data[pos:pos+int64(k)]) {
		return errno(EFAULT)
	}
	return k
}

// pread64(fd, buf, count, offset)
func sysPread64(c call) uintptr {
	e := lookupFD(c.arg(0))
	if e != nil && e.kind.isTmp() && int64(c.arg(3)) >= 0 {
		return tmpIO(e, c.arg(1), c.arg(2), int64(c.arg(3)), false)
	}
	if e == nil || (e.kind != fdFile && e.kind != fdDir) {
		return errno(EBADF)
	}
	if int64(c.arg(3)) < 0 {
		return errno(EINVAL)
	}
	return readFile(e, c.arg(1), c.arg(2), int64(c.arg(3)))
}

// lseek(fd, offset, whence): SEEK_SET, SEEK_CUR, SEEK_END.
func sysLseek(c call) uintptr {
	e := lookupFD(c.arg(0))
	if e == nil {
		return errno(EBADF)
	}
	if e.kind != fdFile && e.kind != fdDir && !e.kind.isTmp() {
		return errno(ESPIPE)
	}
	off := int64(c.arg(1))
	switch c.arg(2) {
	case 0:
	case 1:
		off += e.pos
	case 2:
		if e.kind.isTmp() {
			off += tmpNodes[e.tmp].size
			break
		}
		ent, _ := fileEntry(e)
		off += int64(len(ent.Data))
	default:
		return errno(EINVAL)
	}
	if off < 0 {
		return errno(EINVAL)
	}
	if (e.kind == fdDir || e.kind == fdTmpDir) && off != 0 {
		return errno(EINVAL)
	}
	e.pos = off
	return uintptr(off)
}

// struct stat for x86-64 (uapi asm/stat.h), 144 bytes.
func writeStat(addr uintptr, ent fs.Entry) uintptr {
	return writeStatSize(addr, ent, int64(len(ent.Data)))
}

// writeStatSize writes a struct stat with an explicit size.
func writeStatSize(addr uintptr, ent fs.Entry, size int64) uintptr {
	var b [144]byte
	put64(b[0:], 0x67)      // st_dev
	put64(b[8:], ent.Ino+1) // st_ino
	put64(b[16:], uint64(max(ent.Nlink, 1)))
	putLE32(b[24:], ent.Mode)   // st_mode
	put64(b[48:], uint64(size)) // st_size
	put64(b[56:], 4096)         // st_blksize
	put64(b[64:], (uint64(size)+511)/512)
	for _, off := range [3]int{72, 88, 104} { // atime, mtime, ctime
		put64(b[off:], ent.Mtime)
	}
	if !Space.CopyOut(addr, b[:]) {
		return errno(EFAULT)
	}
	return 0
}

// fstat(fd, statbuf)
func sysFstat(c call) uintptr { return statFD(c.arg(0), c.arg(1)) }

func statFD(fd, addr uintptr) uintptr {
	e := lookupFD(fd)
	switch {
	case e == nil:
		return errno(EBADF)
	case e.kind == fdFile || e.kind == fdDir:
		ent, ok := fileEntry(e)
		if !ok {
			return errno(EBADF)
		}
		return writeStat(addr, ent)
	case e.kind == fdAbove:
		return writeStat(addr, fs.Entry{Mode: fs.ModeDir | 0o755})
	case e.kind.isTmp():
		return writeStatSize(addr, tmpStat(e.tmp), tmpNodes[e.tmp].size)
	case e.kind == fdConsole || e.kind == fdNull:
		return writeStat(addr, fs.Entry{Mode: charDevice})
	case e.kind == fdPipeRead || e.kind == fdPipeWrite:
		return writeStat(addr, fs.Entry{Mode: 0o010600}) // a FIFO
	}
	return writeStat(addr, fs.Entry{Mode: 0o600}) // eventfd, epoll: anonymous
}

// newfstatat(dirfd, path, statbuf, flags)
func sysNewfstatat(c call) uintptr {
	if c.arg(3)&atEmptyPath != 0 {
		var b [1]byte
		if Space.CopyIn(b[:], c.arg(1)) && b[0] == 0 {
			return statFD(c.arg(0), c.arg(2))
		}
	}
	return statPath(int64(c.arg(0)), c.arg(1), c.arg(2), c.arg(3)&atSymlinkNofollow == 0)
}

// stat(path, statbuf) follows a symbolic link; lstat does not.
func sysStat(c call) uintptr { return statPath(atFdcwd, c.arg(0), c.arg(1), true) }

func sysLstat(c call) uintptr { return statPath(atFdcwd, c.arg(0), c.arg(1), false) }

func statPath(dirfd int64, path, addr uintptr, follow bool) uintptr {
	var buf [fs.MaxPath]byte
	n, err := resolve(dirfd, path, &buf, follow)
	if err != 0 {
		return err
	}
	switch {
	case n.tmp > 0:
		return writeStatSize(addr, tmpStat(n.tmp-1), tmpNodes[n.tmp-1].size)
	case n.devNull:
		return writeStat(addr, fs.Entry{Mode: charDevice})
	case n.above:
		return writeStat(addr, fs.Entry{Mode: fs.ModeDir | 0o755})
	}
	return writeStat(addr, n.entry)
}

// charDevice is the mode of the console and /dev/null: crw-rw-rw-.
const charDevice = 0o020666

// getdents64(fd, dirp, count): struct linux_dirent64 records.
func sysGetdents64(c call) uintptr {
	e := lookupFD(c.arg(0))
	if e == nil {
		return errno(EBADF)
	}
	buf, count := c.arg(1), c.arg(2)
	if e.kind == fdAbove {
		// A directory on the way to the mount point holds one entry: the
		// next element of the mount point's path.
		if e.pos != 0 {
			return 0
		}
		e.pos = 1
		return direntAbove(e, buf, count)
	}
	if e.kind == fdTmpDir {
		return tmpGetdents(e, buf, count)
	}
	if e.kind != fdDir {
		return errno(ENOTDIR)
	}
	dir, _ := fileEntry(e)
	written := uintptr(0)
	for {
		child, next, ok := fs.NextChild(Files, dir.Name, int(e.pos))
		if !ok {
			e.pos = int64(len(Files))
			break
		}
		reclen, err := putDirent(buf+written, count-written, child.Ino+1, int64(next), child.Mode, fs.Base(child.Name))
		if err != 0 {
			if written == 0 {
				return err
			}
			break
		}
		written += reclen
		e.pos = int64(next)
	}
	return written
}

// direntAbove writes the one entry of a directory above the mount point.
func direntAbove(e *fdEntry, buf, count uintptr) uintptr {
	m := mount[:mountLen]
	start := e.pathLen + 1
	if e.pathLen == 1 { // "/"
		start = 1
	}
	end := start
	for end < len(m) && m[end] != '/' {
		end++
	}
	n, err := putDirent(buf, count, 1, 1, fs.ModeDir, m[start:end])
	if err != 0 {
		return err
	}
	return n
}

// putDirent writes one struct linux_dirent64 {ino, off, reclen, type,
// name} and returns its length, or EINVAL when count is too small.
func putDirent(addr, count uintptr, ino uint64, off int64, mode uint32, name []byte) (uintptr, uintptr) {
	if len(name) > 255 {
		name = name[:255]
	}
	reclen := (19 + uintptr(len(name)) + 1 + 7) &^ 7
	if reclen > count {
		return 0, errno(EINVAL)
	}
	var rec [19 + 256 + 8]byte
	put64(rec[0:], ino)
	put64(rec[8:], uint64(off))
	rec[16], rec[17] = byte(reclen), byte(reclen>>8)
	rec[18] = byte(mode & fs.ModeType >> 12) // DT_* = S_IF* >> 12
	copy(rec[19:], name)
	if !Space.CopyOut(addr, rec[:reclen]) {
		return 0, errno(EFAULT)
	}
	return reclen, 0
}

// readlinkat(dirfd, path, buf, size): symbolic links of the archive, and
// /proc/self/exe, which names the program.
func sysReadlinkat(c call) uintptr {
	return readlink(int64(c.arg(0)), c.arg(1), c.arg(2), c.arg(3))
}

func sysReadlink(c call) uintptr { return readlink(atFdcwd, c.arg(0), c.arg(1), c.arg(2)) }

func readlink(dirfd int64, path, buf, size uintptr) uintptr {
	var raw [16]byte
	if n, ok := readCString(path, raw[:]); ok && string(raw[:n]) == "/proc/self/exe" {
		k := min(uintptr(len(ProgramName)), size)
		if !Space.CopyOut(buf, ProgramName[:k]) {
			return errno(EFAULT)
		}
		return k
	}
	var pbuf [fs.MaxPath]byte
	n, err := resolve(dirfd, path, &pbuf, false)
	if err != 0 {
		return err
	}
	if n.above || n.entry.Mode&fs.ModeType != fs.ModeSymlink {
		return errno(EINVAL)
	}
	k := min(uintptr(len(n.entry.Data)), size)
	if !Space.CopyOut(buf, n.entry.Data[:k]) {
		return errno(EFAULT)
	}
	return k
}

// getcwd(buf, size)
func sysGetcwd(c call) uintptr {
	if c.arg(1) < uintptr(cwdLen+1) {
		return errno(ERANGE)
	}
	var b [fs.MaxPath + 1]byte
	copy(b[:], cwd[:cwdLen])
	if !Space.CopyOut(c.arg(0), b[:cwdLen+1]) {
		return errno(EFAULT)
	}
	return uintptr(cwdLen + 1)
}

// chdir(path)
func sysChdir(c call) uintptr {
	var buf [fs.MaxPath]byte
	n, err := resolve(atFdcwd, c.arg(0), &buf, true)
	if err != 0 {
		return err
	}
	if !n.above && !n.entry.IsDir() && !(n.tmp > 0 && tmpNodes[n.tmp-1].dir) {
		return errno(ENOTDIR)
	}
	cwdLen = copy(cwd[:], n.abs)
	return 0
}

// fchdir(fd)
func sysFchdir(c call) uintptr {
	var buf [fs.MaxPath]byte
	p, err := fdPath(c.arg(0), &buf)
	if err != 0 {
		return err
	}
	cwdLen = copy(cwd[:], p)
	return 0
}

// faccessat(dirfd, path, mode) and faccessat2 (flags ignored): everything
// readable, nothing writable.
func sysFaccessat(c call) uintptr { return access(int64(c.arg(0)), c.arg(1), c.arg(2)) }

func sysAccess(c call) uintptr { return access(atFdcwd, c.arg(0), c.arg(1)) }

func access(dirfd int64, path, mode uintptr) uintptr {
	var buf [fs.MaxPath]byte
	n, err := resolve(dirfd, path, &buf, true)
	if err != 0 {
		return err
	}
	if mode&2 != 0 && n.tmp == 0 { // W_OK
		return errno(EROFS)
	}
	return 0
}

// Calls that would change the file system.
func sysReadOnly(c call) uintptr { return errno(EROFS) }

// ioctl(fd, request, arg): no descriptor is a terminal here.
func sysIoctl(c call) uintptr {
	if lookupFD(c.arg(0)) == nil {
		return errno(EBADF)
	}
	return errno(ENOTTY)
}

// The program runs as root in the root group.
func sysGetZero(c call) uintptr { return 0 }

// umask(mask): the previous mask.
func sysUmask(c call) uintptr { return 0o022 }

// fsync and fdatasync: nothing to write back.
func sysFsync(c call) uintptr {
	if lookupFD(c.arg(0)) == nil {
		return errno(EBADF)
	}
	return 0
}

package linux

import (
	kerrno "github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/pipefs"
	"github.com/gobare/gobare/kernel/fs/sockfs"
	"github.com/gobare/gobare/kernel/fs/unixsock"
	"github.com/gobare/gobare/kernel/vfs"
)

// The calls on open descriptors. Files move bytes through a bounce
// buffer, chunk by chunk; a file with nothing to give yet (EAGAIN)
// blocks the thread on its WaitKey unless the descriptor is O_NONBLOCK.

// chunkSize is the bounce buffer for read and write.
const chunkSize = 4096

// bounce is transfer's buffer. It is not an array on the kernel stack,
// which the compiler would clear at every call with an inline REP STOSQ:
// under QEMU's TCG 512 translation block executions per read or write
// (kernel/mem/copy.go), 1.5% of the bench's 16 MiB download in guest
// instructions. One is enough: every kernel entry holds the big kernel
// lock (kernel/spin) with interrupts off, and transfer neither nests nor
// waits.
var bounce [chunkSize]byte

// file returns the description descriptor fd refers to, or nil.
func file(fd uintptr) vfs.File { return FDs.Get(fd) }

// wouldBlock reports whether a file's EAGAIN should block the caller.
func wouldBlock(f vfs.File, err kerrno.Errno) bool {
	return err == kerrno.EAGAIN && f.Desc().Status&vfs.Nonblock == 0
}

// read(fd, buf, count) and write(fd, buf, count)
func sysRead(c call) uintptr  { return readWrite(c, false) }
func sysWrite(c call) uintptr { return readWrite(c, true) }

// pread64(fd, buf, count, offset) and pwrite64(fd, buf, count, offset)
func sysPread64(c call) uintptr  { return readWriteAt(c, false) }
func sysPwrite64(c call) uintptr { return readWriteAt(c, true) }

// readWrite moves bytes at the file's own position, blocking while the
// file has none to give (or no room) unless the descriptor is O_NONBLOCK.
func readWrite(c call, write bool) uintptr {
	f := file(c.arg(0))
	if f == nil || !allowed(f, write) {
		return errno(EBADF)
	}
	if s, ok := f.(*sockfs.Socket); ok && s.IsDatagram() { // one datagram, not chunks
		v := msgBufs{n: 1, base: c.arg(1), size: c.arg(2)}
		if write {
			return send(c, s, &v, 0, 0, 0)
		}
		var flags uint32
		return receive(c, s, &v, 0, 0, 0, &flags)
	}
	if u, ok := f.(*unixsock.Socket); ok && u.Type != unixsock.Stream {
		return unixMessage(c, u, write) // one whole message (sys_unix.go)
	}
	r, err := transfer(f, c.arg(1), c.arg(2), -1, write)
	if wouldBlock(f, err) {
		return c.block(f.WaitKey(), 0, 0)
	}
	return r
}

// readWriteAt moves bytes at an explicit offset.
func readWriteAt(c call, write bool) uintptr {
	f := file(c.arg(0))
	switch {
	case f == nil || !allowed(f, write):
		return errno(EBADF)
	case int64(c.arg(3)) < 0:
		return errno(EINVAL)
	}
	r, _ := transfer(f, c.arg(1), c.arg(2), int64(c.arg(3)), write)
	return r
}

// allowed checks the description's access mode for a read or a write.
func allowed(f vfs.File, write bool) bool {
	if write {
		return f.Desc().Writable()
	}
	return f.Desc().Readable()
}

// transfer moves up to n bytes between f and the program's buf, at off
// (or the file's own position when off < 0), a chunk at a time through
// bounce. It stops at a short transfer; an error after
// some bytes moved ends it with those bytes.
func transfer(f vfs.File, buf, n uintptr, off int64, write bool) (uintptr, kerrno.Errno) {
	done := uintptr(0)
	for done < n {
		want := min(n-done, chunkSize)
		p := bounce[:want]
		if write && !Space.CopyIn(p, buf+done) {
			return partial(done, EFAULT)
		}
		k, err := fileIO(f, p, off, done, write)
		if err != 0 {
			return partial(done, err)
		}
		if !write && !Space.CopyOut(buf+done, p[:k]) {
			return partial(done, EFAULT)
		}
		done += uintptr(k)
		if uintptr(k) < want {
			break
		}
	}
	return done, 0
}

// fileIO does one chunk of a transfer: done bytes in, at off+done or the
// file's own position.
func fileIO(f vfs.File, p []byte, off int64, done uintptr, write bool) (int, kerrno.Errno) {
	switch {
	case off >= 0 && write:
		return vfs.WriteAt(f, p, off+int64(done))
	case off >= 0:
		return vfs.ReadAt(f, p, off+int64(done))
	case write:
		return vfs.Write(f, p)
	}
	return vfs.Read(f, p)
}

// partial is a transfer's result after an error: the bytes already moved,
// or the error when there were none.
func partial(done uintptr, err kerrno.Errno) (uintptr, kerrno.Errno) {
	if done > 0 {
		return done, 0
	}
	return errno(err), err
}

// close(fd)
func sysClose(c call) uintptr {
	if c.arg(0) >= vfs.MaxFDs {
		return errno(EBADF)
	}
	return errno(FDs.Close(int(c.arg(0))))
}

// lseek(fd, offset, whence): SEEK_SET, SEEK_CUR, SEEK_END.
func sysLseek(c call) uintptr {
	f := file(c.arg(0))
	if f == nil {
		return errno(EBADF)
	}
	size, ok := f.Size()
	if !ok {
		return errno(ESPIPE)
	}
	d := f.Desc()
	off := int64(c.arg(1))
	switch c.arg(2) {
	case 0:
	case 1:
		off += d.Offset
	case 2:
		off += size
	default:
		return errno(EINVAL)
	}
	if off < 0 {
		return errno(EINVAL)
	}
	d.Offset = off
	return uintptr(off)
}

// fstat(fd, statbuf)
func sysFstat(c call) uintptr { return statFD(c.arg(0), c.arg(1)) }

func statFD(fd, addr uintptr) uintptr {
	f := file(fd)
	if f == nil {
		return errno(EBADF)
	}
	var st vfs.Stat
	if err := vfs.StatFile(f, &st); err != 0 {
		return errno(err)
	}
	return writeStat(addr, &st)
}

// writeStat writes st as x86-64's struct stat (uapi asm/stat.h, 144
// bytes).
func writeStat(addr uintptr, st *vfs.Stat) uintptr {
	var b [144]byte
	put64(b[0:], 0x67)   // st_dev
	put64(b[8:], st.Ino) // st_ino
	put64(b[16:], uint64(st.Nlink))
	putLE32(b[24:], st.Mode)       // st_mode
	put64(b[48:], uint64(st.Size)) // st_size
	put64(b[56:], 4096)            // st_blksize
	put64(b[64:], uint64(st.Blocks))
	if st.Blocks == 0 {
		put64(b[64:], (uint64(st.Size)+511)/512)
	}
	atime, atimeNsec, ctime, ctimeNsec := st.Atime, st.AtimeNsec, st.Ctime, st.CtimeNsec
	if atime == 0 && atimeNsec == 0 { // a file system that keeps only mtime
		atime, atimeNsec = st.Mtime, st.MtimeNsec
	}
	if ctime == 0 && ctimeNsec == 0 {
		ctime, ctimeNsec = st.Mtime, st.MtimeNsec
	}
	for i, t := range [6]int64{atime, atimeNsec, st.Mtime, st.MtimeNsec, ctime, ctimeNsec} {
		put64(b[72+8*i:], uint64(t))
	}
	if !Space.CopyOut(addr, b[:]) {
		return errno(EFAULT)
	}
	return 0
}

// getdents64(fd, dirp, count): struct linux_dirent64 records.
func sysGetdents64(c call) uintptr {
	f := file(c.arg(0))
	if f == nil {
		return errno(EBADF)
	}
	buf, count := c.arg(1), c.arg(2)
	d := f.Desc()
	written := uintptr(0)
	for {
		var e vfs.Dirent
		ok, err := vfs.ReadDir(f, d.Offset, &e)
		if err != 0 {
			return errno(err)
		}
		if !ok {
			break
		}
		reclen, rerr := putDirent(buf+written, count-written, &e)
		if rerr != 0 {
			if written == 0 {
				return rerr
			}
			break
		}
		written += reclen
		d.Offset = e.Next
	}
	return written
}

// putDirent writes one struct linux_dirent64 {ino, off, reclen, type,
// name} and returns its length, or EINVAL when count is too small.
func putDirent(addr, count uintptr, e *vfs.Dirent) (uintptr, uintptr) {
	name := e.Name
	if len(name) > 255 {
		name = name[:255]
	}
	reclen := (19 + uintptr(len(name)) + 1 + 7) &^ 7
	if reclen > count {
		return 0, errno(EINVAL)
	}
	var rec [19 + 256 + 8]byte
	put64(rec[0:], e.Ino)
	put64(rec[8:], uint64(e.Next))
	rec[16], rec[17] = byte(reclen), byte(reclen>>8)
	rec[18] = byte(e.Mode & vfs.ModeType >> 12) // DT_* = S_IF* >> 12
	copy(rec[19:], name)
	if !Space.CopyOut(addr, rec[:reclen]) {
		return 0, errno(EFAULT)
	}
	return reclen, 0
}

// ftruncate(fd, length)
func sysFtruncate(c call) uintptr {
	f := file(c.arg(0))
	switch {
	case f == nil:
		return errno(EBADF)
	case !f.Desc().Writable():
		return errno(EINVAL)
	}
	err := f.Truncate(int64(c.arg(1)))
	Space.Truncated() // pages mapped past the new end go (kernel/vm/file.go)
	return errno(err)
}

// fsync and fdatasync: the file's changes reach its device (the disk's
// file system writes back its cache and flushes the device; files in
// memory have nothing to write back). fdatasync does the same as fsync.
func sysFsync(c call) uintptr {
	f := file(c.arg(0))
	if f == nil {
		return errno(EBADF)
	}
	return errno(f.Sync())
}

// ioctl(fd, request, arg): no descriptor is a terminal here.
func sysIoctl(c call) uintptr {
	if file(c.arg(0)) == nil {
		return errno(EBADF)
	}
	return errno(ENOTTY)
}

// fcntl commands (uapi fcntl.h).
const (
	fDupfd        = 0
	fGetfd        = 1
	fSetfd        = 2
	fGetfl        = 3
	fSetfl        = 4
	fDupfdCloexec = 1030
	oCloexec      = 0o2000000
)

// fcntl(fd, cmd, arg): duplicate, the descriptor flag close-on-exec, the
// description's status flags (access mode, O_NONBLOCK, O_APPEND), and
// record locks (sys_lock.go).
func sysFcntl(c call) uintptr {
	fd := c.arg(0)
	f := file(fd)
	if f == nil {
		return errno(EBADF)
	}
	switch c.arg(1) {
	case fDupfd, fDupfdCloexec:
		if int64(c.arg(2)) < 0 || c.arg(2) >= uintptr(FDs.Limit()) {
			return errno(EINVAL)
		}
		return dupResult(FDs.Dup(fd, -1, int(c.arg(2)), c.arg(1) == fDupfdCloexec))
	case fGetfd:
		if FDs.CloseOnExec(fd) {
			return 1 // FD_CLOEXEC
		}
		return 0
	case fSetfd:
		FDs.SetCloseOnExec(fd, c.arg(2)&1 != 0)
	case fGetfl:
		return uintptr(f.Desc().Access | f.Desc().Status)
	case fSetfl:
		f.Desc().Status = uint32(c.arg(2)) & (vfs.Nonblock | vfs.Append)
	case fGetlk, fSetlk, fSetlkw, fOfdGetlk, fOfdSetlk, fOfdSetlkw:
		return fcntlLock(c, f, c.arg(1))
	default:
		return errno(EINVAL)
	}
	return 0
}

func dupResult(fd int, err kerrno.Errno) uintptr {
	if err != 0 {
		return errno(err)
	}
	return uintptr(fd)
}

// dup(oldfd)
func sysDup(c call) uintptr { return dupResult(FDs.Dup(c.arg(0), -1, 0, false)) }

// dup2(oldfd, newfd)
func sysDup2(c call) uintptr {
	if int64(c.arg(1)) < 0 {
		return errno(EBADF)
	}
	return dupResult(FDs.Dup(c.arg(0), int(c.arg(1)), 0, false))
}

// dup3(oldfd, newfd, flags): dup2 that refuses oldfd == newfd and may set
// close-on-exec.
func sysDup3(c call) uintptr {
	switch {
	case c.arg(0) == c.arg(1):
		return errno(EINVAL)
	case c.arg(2)&^oCloexec != 0:
		return errno(EINVAL)
	case int64(c.arg(1)) < 0:
		return errno(EBADF)
	}
	return dupResult(FDs.Dup(c.arg(0), int(c.arg(1)), 0, c.arg(2)&oCloexec != 0))
}

// pipe2(fds, flags)
func sysPipe2(c call) uintptr {
	flags := uint32(c.arg(1))
	if flags&^(vfs.Nonblock|oCloexec) != 0 {
		return errno(EINVAL)
	}
	return makePipe(c.arg(0), flags)
}

// splice(in, offin, out, offout, len, flags): EINVAL, Linux's answer for
// files that cannot splice, which makes Go's net copy by read and write.
func sysSplice(c call) uintptr { return errno(EINVAL) }

// pipe(fds): pipe2 without flags. (The caller's RSI is left alone, as
// Linux leaves every register but RAX, RCX and R11.)
func sysPipe(c call) uintptr { return makePipe(c.arg(0), 0) }

// makePipe makes a pipe and writes its two descriptors to fds.
func makePipe(fds uintptr, flags uint32) uintptr {
	r, w, err := pipefs.New(flags)
	if err != 0 {
		return errno(err)
	}
	cloexec := flags&oCloexec != 0
	rfd, err := FDs.Install(r, 0, cloexec)
	if err != 0 {
		vfs.Put(w)
		return errno(err)
	}
	wfd, err := FDs.Install(w, 0, cloexec)
	if err != 0 {
		FDs.Close(rfd)
		return errno(err)
	}
	var b [8]byte
	putLE32(b[0:], uint32(rfd))
	putLE32(b[4:], uint32(wfd))
	if !Space.CopyOut(fds, b[:]) {
		FDs.Close(rfd)
		FDs.Close(wfd)
		return errno(EFAULT)
	}
	return 0
}

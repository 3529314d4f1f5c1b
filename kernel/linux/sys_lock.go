package linux

import (
	kerrno "github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// Advisory locks: flock(2), and fcntl(2)'s record locks, both the
// process's (F_SETLK, F_SETLKW, F_GETLK) and the open file description's
// (F_OFD_*). kernel/vfs keeps the locks and decides conflicts; here the
// arguments are read and written, and a caller that may wait blocks on
// vfs.LockKey until a lock is released.

// flock operations (uapi asm-generic/fcntl.h).
const (
	lockSh = 1
	lockEx = 2
	lockNb = 4
	lockUn = 8
)

// fcntl's lock commands.
const (
	fGetlk     = 5
	fSetlk     = 6
	fSetlkw    = 7
	fOfdGetlk  = 36
	fOfdSetlk  = 37
	fOfdSetlkw = 38
)

// flock(fd, operation): LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB not to
// wait (EWOULDBLOCK, which is EAGAIN).
func sysFlock(c call) uintptr {
	f := file(c.arg(0))
	if f == nil {
		return errno(EBADF)
	}
	var typ int
	switch c.arg(1) &^ lockNb {
	case lockSh:
		typ = vfs.LockRead
	case lockEx:
		typ = vfs.LockWrite
	case lockUn:
		typ = vfs.LockUnlock
	default:
		return errno(EINVAL)
	}
	err := vfs.Flock(f, typ)
	if err == kerrno.EAGAIN && c.arg(1)&lockNb == 0 {
		return c.block(vfs.LockKey(), 0, 0)
	}
	return errno(err)
}

// flockArg is struct flock (x86-64: l_type, l_whence as shorts, l_start,
// l_len, l_pid; 32 bytes).
type flockArg struct {
	typ, whence int
	start, len  int64
	pid         int32
}

func readFlock(addr uintptr) (flockArg, bool) {
	var b [32]byte
	if !Space.CopyIn(b[:], addr) {
		return flockArg{}, false
	}
	return flockArg{
		typ:    int(int16(uint16(b[0]) | uint16(b[1])<<8)),
		whence: int(int16(uint16(b[2]) | uint16(b[3])<<8)),
		start:  int64(get64(b[8:])),
		len:    int64(get64(b[16:])),
		pid:    int32(uint32(b[24]) | uint32(b[25])<<8 | uint32(b[26])<<16 | uint32(b[27])<<24),
	}, true
}

func writeFlock(addr uintptr, a flockArg) bool {
	var b [32]byte
	b[0], b[1] = byte(a.typ), byte(a.typ>>8)
	b[2], b[3] = byte(a.whence), byte(a.whence>>8)
	put64(b[8:], uint64(a.start))
	put64(b[16:], uint64(a.len))
	putLE32(b[24:], uint32(a.pid))
	return Space.CopyOut(addr, b[:])
}

// lockRange turns l_whence, l_start and l_len into the byte range
// [start, end) (end vfs.OffsetMax: to the end of the file, however far).
func lockRange(f vfs.File, a flockArg) (start, end int64, err kerrno.Errno) {
	switch a.whence {
	case 0:
	case 1:
		start = f.Desc().Offset
	case 2:
		size, _ := f.Size()
		start = size
	default:
		return 0, 0, kerrno.EINVAL
	}
	start += a.start
	end = vfs.OffsetMax
	switch {
	case a.len > 0:
		end = start + a.len
	case a.len < 0:
		start, end = start+a.len, start
	}
	if start < 0 || end < start {
		return 0, 0, kerrno.EINVAL
	}
	return start, end, 0
}

// fcntlLock runs fcntl's lock commands on f.
func fcntlLock(c call, f vfs.File, cmd uintptr) uintptr {
	a, ok := readFlock(c.arg(2))
	if !ok {
		return errno(EFAULT)
	}
	ofd := cmd >= fOfdGetlk
	owner := uintptr(vfs.ProcessOwner)
	if ofd {
		if a.pid != 0 {
			return errno(EINVAL)
		}
		owner = vfs.OwnerOf(f)
	}
	if a.typ != vfs.LockRead && a.typ != vfs.LockWrite && a.typ != vfs.LockUnlock {
		return errno(EINVAL)
	}
	start, end, err := lockRange(f, a)
	if err != 0 {
		return errno(err)
	}
	if cmd == fGetlk || cmd == fOfdGetlk {
		return getLock(c.arg(2), f, owner, a, start, end)
	}
	switch {
	case a.typ == vfs.LockRead && !f.Desc().Readable(), a.typ == vfs.LockWrite && !f.Desc().Writable():
		return errno(EBADF)
	}
	err = vfs.SetLock(f, owner, a.typ, start, end)
	if err == kerrno.EAGAIN && (cmd == fSetlkw || cmd == fOfdSetlkw) {
		return c.block(vfs.LockKey(), 0, 0)
	}
	return errno(err)
}

// getLock answers F_GETLK: the first conflicting lock, or F_UNLCK. Its
// holder is this process (pid 1) for a POSIX lock, -1 for an OFD lock.
func getLock(addr uintptr, f vfs.File, owner uintptr, a flockArg, start, end int64) uintptr {
	if a.typ == vfs.LockUnlock {
		return errno(EINVAL)
	}
	l := vfs.GetLock(f, owner, a.typ, start, end)
	a.typ = l.Type
	if l.Type != vfs.LockUnlock {
		a.whence, a.start, a.len, a.pid = 0, l.Start, l.End-l.Start, 1
		if l.End == vfs.OffsetMax {
			a.len = 0
		}
		if l.Owner != vfs.ProcessOwner {
			a.pid = -1
		}
	}
	if !writeFlock(addr, a) {
		return errno(EFAULT)
	}
	return 0
}

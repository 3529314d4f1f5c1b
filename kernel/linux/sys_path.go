package linux

import (
	kerrno "github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// The calls that take path names: each reads its names from the program,
// finds the directory a relative name starts from (dirfd, or the working
// directory for AT_FDCWD), and asks the VFS.

// *at() conventions (uapi fcntl.h).
const (
	atFdcwd           = -100
	atSymlinkNofollow = 0x100
	atRemovedir       = 0x200
	atSymlinkFollow   = 0x400
	atEmptyPath       = 0x1000
)

// pathBufs holds a name read from the program and the path of the
// directory it is relative to.
type pathBufs struct {
	name, dir [vfs.MaxPath]byte
}

// readPath reads the NUL-terminated name at addr into bufs, and for a
// relative name with a dirfd other than AT_FDCWD the directory's path; dir
// is nil for the working directory.
func readPath(dirfd int64, addr uintptr, bufs *pathBufs) (name, dir []byte, err uintptr) {
	n, ok := readCString(addr, bufs.name[:])
	switch {
	case !ok:
		return nil, nil, errno(EFAULT)
	case n == len(bufs.name):
		return nil, nil, errno(ENAMETOOLONG)
	case n == 0:
		return nil, nil, errno(ENOENT)
	}
	name = bufs.name[:n]
	if name[0] == '/' || dirfd == atFdcwd {
		return name, nil, 0
	}
	f := file(uintptr(dirfd))
	if f == nil {
		return nil, nil, errno(EBADF)
	}
	d, e := vfs.FilePath(f, &bufs.dir)
	if e != 0 {
		return nil, nil, errno(e)
	}
	return name, d, 0
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
func sysOpenat(c call) uintptr {
	return open(int64(int32(c.arg(0))), c.arg(1), uint32(c.arg(2)), uint32(c.arg(3)))
}

// open(path, flags, mode)
func sysOpen(c call) uintptr { return open(atFdcwd, c.arg(0), uint32(c.arg(1)), uint32(c.arg(2))) }

// open opens a file; one it creates gets mode less the umask.
func open(dirfd int64, path uintptr, flags, mode uint32) uintptr {
	var pBufs pathBufs
	pName, pDir, err := readPath(dirfd, path, &pBufs)
	if err != 0 {
		return err
	}
	f, oerr := vfs.OpenPerm(pDir, pName, flags, mode&vfs.ModePerm&^umask)
	if oerr != 0 {
		return errno(oerr)
	}
	if flags&vfs.Trunc != 0 {
		Space.Truncated() // pages mapped past the new end go (kernel/vm/file.go)
	}
	return dupResult(FDs.Install(f, 0, flags&oCloexec != 0))
}

// newfstatat(dirfd, path, statbuf, flags)
func sysNewfstatat(c call) uintptr {
	if c.arg(3)&atEmptyPath != 0 {
		var b [1]byte
		if Space.CopyIn(b[:], c.arg(1)) && b[0] == 0 {
			return statFD(c.arg(0), c.arg(2))
		}
	}
	return statPath(int64(int32(c.arg(0))), c.arg(1), c.arg(2), c.arg(3)&atSymlinkNofollow == 0)
}

// stat(path, statbuf) follows a symbolic link; lstat does not.
func sysStat(c call) uintptr { return statPath(atFdcwd, c.arg(0), c.arg(1), true) }

func sysLstat(c call) uintptr { return statPath(atFdcwd, c.arg(0), c.arg(1), false) }

func statPath(dirfd int64, path, addr uintptr, follow bool) uintptr {
	var pBufs pathBufs
	pName, pDir, err := readPath(dirfd, path, &pBufs)
	if err != 0 {
		return err
	}
	var st vfs.Stat
	if err := vfs.StatPath(pDir, pName, follow, &st); err != 0 {
		return errno(err)
	}
	return writeStat(addr, &st)
}

// readlinkat(dirfd, path, buf, size): symbolic links (/proc/self/exe is
// one: kernel/fs/procfs).
func sysReadlinkat(c call) uintptr {
	return readlink(int64(int32(c.arg(0))), c.arg(1), c.arg(2), c.arg(3))
}

func sysReadlink(c call) uintptr { return readlink(atFdcwd, c.arg(0), c.arg(1), c.arg(2)) }

func readlink(dirfd int64, path, buf, size uintptr) uintptr {
	var pBufs pathBufs
	pName, pDir, err := readPath(dirfd, path, &pBufs)
	if err != 0 {
		return err
	}
	target, lerr := vfs.Readlink(pDir, pName)
	if lerr != 0 {
		return errno(lerr)
	}
	if int64(size) <= 0 {
		return errno(EINVAL)
	}
	k := min(uintptr(len(target)), size)
	if !Space.CopyOut(buf, target[:k]) {
		return errno(EFAULT)
	}
	return k
}

// getcwd(buf, size)
func sysGetcwd(c call) uintptr {
	cwd := vfs.Cwd()
	if c.arg(1) < uintptr(len(cwd)+1) {
		return errno(ERANGE)
	}
	var b [vfs.MaxPath + 1]byte
	n := copy(b[:], cwd)
	if !Space.CopyOut(c.arg(0), b[:n+1]) {
		return errno(EFAULT)
	}
	return uintptr(n + 1)
}

// chdir(path)
func sysChdir(c call) uintptr {
	var pBufs pathBufs
	pName, _, err := readPath(atFdcwd, c.arg(0), &pBufs)
	if err != 0 {
		return err
	}
	return errno(vfs.Chdir(pName))
}

// fchdir(fd)
func sysFchdir(c call) uintptr {
	f := file(c.arg(0))
	if f == nil {
		return errno(EBADF)
	}
	var buf [vfs.MaxPath]byte
	p, err := vfs.FilePath(f, &buf)
	if err != 0 {
		return errno(err)
	}
	vfs.SetCwd(p)
	return 0
}

// faccessat(dirfd, path, mode), faccessat2 (flags ignored), access(path,
// mode): everything is readable; W_OK only where the file system can
// change.
func sysFaccessat(c call) uintptr { return access(int64(int32(c.arg(0))), c.arg(1), c.arg(2)) }

func sysAccess(c call) uintptr { return access(atFdcwd, c.arg(0), c.arg(1)) }

func access(dirfd int64, path, mode uintptr) uintptr {
	var pBufs pathBufs
	pName, pDir, err := readPath(dirfd, path, &pBufs)
	if err != 0 {
		return err
	}
	return errno(vfs.Access(pDir, pName, uint32(mode)))
}

// mkdirat(dirfd, path, mode), mkdir(path, mode)
func sysMkdirat(c call) uintptr { return mkdir(int64(int32(c.arg(0))), c.arg(1), uint32(c.arg(2))) }

func sysMkdir(c call) uintptr { return mkdir(atFdcwd, c.arg(0), uint32(c.arg(1))) }

func mkdir(dirfd int64, path uintptr, mode uint32) uintptr {
	var pBufs pathBufs
	pName, pDir, err := readPath(dirfd, path, &pBufs)
	if err != 0 {
		return err
	}
	return errno(vfs.Mkdir(pDir, pName, mode&vfs.ModePerm&^umask))
}

// unlinkat(dirfd, path, flags): AT_REMOVEDIR removes an empty directory.
func sysUnlinkat(c call) uintptr {
	return unlink(int64(int32(c.arg(0))), c.arg(1), c.arg(2)&atRemovedir != 0)
}

func sysUnlink(c call) uintptr { return unlink(atFdcwd, c.arg(0), false) }

func sysRmdir(c call) uintptr { return unlink(atFdcwd, c.arg(0), true) }

func unlink(dirfd int64, path uintptr, dir bool) uintptr {
	var pBufs pathBufs
	pName, pDir, err := readPath(dirfd, path, &pBufs)
	if err != 0 {
		return err
	}
	return errno(vfs.Unlink(pDir, pName, dir))
}

// renameat(olddirfd, old, newdirfd, new), renameat2 (flags ignored),
// rename(old, new).
func sysRenameat(c call) uintptr {
	return rename(int64(int32(c.arg(0))), c.arg(1), int64(int32(c.arg(2))), c.arg(3))
}

func sysRename(c call) uintptr { return rename(atFdcwd, c.arg(0), atFdcwd, c.arg(1)) }

func rename(olddirfd int64, oldpath uintptr, newdirfd int64, newpath uintptr) uintptr {
	var fromBufs, toBufs pathBufs
	fromName, fromDir, err := readPath(olddirfd, oldpath, &fromBufs)
	if err != 0 {
		return err
	}
	toName, toDir, err := readPath(newdirfd, newpath, &toBufs)
	if err != 0 {
		return err
	}
	return errno(vfs.Rename(fromDir, fromName, toDir, toName))
}

// symlinkat(target, newdirfd, linkpath), symlink(target, linkpath)
func sysSymlinkat(c call) uintptr { return symlink(c.arg(0), int64(int32(c.arg(1))), c.arg(2)) }

func sysSymlink(c call) uintptr { return symlink(c.arg(0), atFdcwd, c.arg(1)) }

func symlink(target uintptr, dirfd int64, path uintptr) uintptr {
	var tBufs pathBufs
	tName, _, err := readPath(atFdcwd, target, &tBufs)
	if err != 0 {
		return err
	}
	var pBufs pathBufs
	pName, pDir, err := readPath(dirfd, path, &pBufs)
	if err != 0 {
		return err
	}
	return errno(vfs.Symlink(tName, pDir, pName))
}

// linkat(olddirfd, old, newdirfd, new, flags): AT_SYMLINK_FOLLOW links
// what a final symbolic link names; link(old, new).
func sysLinkat(c call) uintptr {
	if c.arg(4)&^atSymlinkFollow != 0 {
		return errno(EINVAL)
	}
	return link(int64(int32(c.arg(0))), c.arg(1), int64(int32(c.arg(2))), c.arg(3), c.arg(4)&atSymlinkFollow != 0)
}

func sysLink(c call) uintptr { return link(atFdcwd, c.arg(0), atFdcwd, c.arg(1), false) }

func link(olddirfd int64, oldpath uintptr, newdirfd int64, newpath uintptr, follow bool) uintptr {
	var fromBufs, toBufs pathBufs
	fromName, fromDir, err := readPath(olddirfd, oldpath, &fromBufs)
	if err != 0 {
		return err
	}
	toName, toDir, err := readPath(newdirfd, newpath, &toBufs)
	if err != 0 {
		return err
	}
	return errno(vfs.Link(fromDir, fromName, toDir, toName, follow))
}

// umask is the process's file mode creation mask: open, mkdir and mknod
// clear its bits from the mode they are given.
var umask uint32 = 0o022

// umask(mask): sets the mask, returns the previous one.
func sysUmask(c call) uintptr {
	old := umask
	umask = uint32(c.arg(0)) & 0o777
	return uintptr(old)
}

// chmod(path, mode), fchmodat(dirfd, path, mode): the permission bits.
func sysChmod(c call) uintptr { return chmod(atFdcwd, c.arg(0), c.arg(1)) }

func sysFchmodat(c call) uintptr { return chmod(int64(int32(c.arg(0))), c.arg(1), c.arg(2)) }

func chmod(dirfd int64, path, mode uintptr) uintptr {
	var pBufs pathBufs
	pName, pDir, err := readPath(dirfd, path, &pBufs)
	if err != 0 {
		return err
	}
	return errno(vfs.SetAttrPath(pDir, pName, true, vfs.Attr{Set: vfs.SetMode, Mode: uint32(mode) & vfs.ModePerm}))
}

// truncate(path, length)
func sysTruncate(c call) uintptr {
	var pBufs pathBufs
	pName, pDir, err := readPath(atFdcwd, c.arg(0), &pBufs)
	if err != 0 {
		return err
	}
	err = errno(vfs.Truncate(pDir, pName, int64(c.arg(1))))
	Space.Truncated() // pages mapped past the new end go (kernel/vm/file.go)
	return err
}

// fchmodat2(dirfd, path, mode, flags): fchmodat with AT_SYMLINK_NOFOLLOW
// (a symbolic link's own mode cannot change: EOPNOTSUPP, as on Linux)
// and AT_EMPTY_PATH (the descriptor itself).
func sysFchmodat2(c call) uintptr {
	flags := c.arg(3)
	switch {
	case flags&^(atSymlinkNofollow|atEmptyPath) != 0:
		return errno(EINVAL)
	case flags&atEmptyPath != 0:
		var b [1]byte
		if Space.CopyIn(b[:], c.arg(1)) && b[0] == 0 {
			return fchmod(c.arg(0), c.arg(2))
		}
	}
	var pBufs pathBufs
	pName, pDir, err := readPath(int64(int32(c.arg(0))), c.arg(1), &pBufs)
	if err != 0 {
		return err
	}
	follow := flags&atSymlinkNofollow == 0
	var st vfs.Stat
	if !follow && vfs.StatPath(pDir, pName, false, &st) == 0 && st.Mode&vfs.ModeType == vfs.ModeSymlink {
		return errno(kerrno.EOPNOTSUPP)
	}
	return errno(vfs.SetAttrPath(pDir, pName, follow, vfs.Attr{Set: vfs.SetMode, Mode: uint32(c.arg(2)) & vfs.ModePerm}))
}

// fchmod(fd, mode)
func sysFchmod(c call) uintptr { return fchmod(c.arg(0), c.arg(1)) }

func fchmod(fd, mode uintptr) uintptr {
	f := file(fd)
	if f == nil {
		return errno(EBADF)
	}
	return errno(f.SetAttr(vfs.Attr{Set: vfs.SetMode, Mode: uint32(mode) & vfs.ModePerm}))
}

// utimensat's special nanosecond values (uapi stat.h).
const (
	utimeNow  = 1<<30 - 1
	utimeOmit = 1<<30 - 2
)

// utimensat(dirfd, path, times, flags): the access and modification times
// (NULL times: now); a NULL path is futimens on dirfd.
func sysUtimensat(c call) uintptr {
	a, err := readTimes(c.arg(2))
	switch {
	case err != 0:
		return err
	case c.arg(3)&^atSymlinkNofollow != 0:
		return errno(EINVAL)
	case c.arg(1) == 0:
		f := file(c.arg(0))
		if f == nil {
			return errno(EBADF)
		}
		return errno(f.SetAttr(a))
	}
	var pBufs pathBufs
	pName, pDir, err := readPath(int64(int32(c.arg(0))), c.arg(1), &pBufs)
	if err != 0 {
		return err
	}
	return errno(vfs.SetAttrPath(pDir, pName, c.arg(3)&atSymlinkNofollow == 0, a))
}

// readTimes reads utimensat's two struct timespec (or none: now) as an
// Attr.
func readTimes(addr uintptr) (vfs.Attr, uintptr) {
	if addr == 0 {
		return vfs.Attr{Set: vfs.SetAtimeNow | vfs.SetMtimeNow}, 0
	}
	var b [32]byte
	if !Space.CopyIn(b[:], addr) {
		return vfs.Attr{}, errno(EFAULT)
	}
	var a vfs.Attr
	for i, bits := range [2][2]uint32{{vfs.SetAtime, vfs.SetAtimeNow}, {vfs.SetMtime, vfs.SetMtimeNow}} {
		t := vfs.Time{Sec: int64(get64(b[16*i:])), Nsec: int64(get64(b[16*i+8:]))}
		switch {
		case t.Nsec == utimeOmit:
			continue
		case t.Nsec == utimeNow:
			a.Set |= bits[1]
		case t.Nsec < 0 || t.Nsec > 999999999:
			return vfs.Attr{}, errno(EINVAL)
		default:
			a.Set |= bits[0]
		}
		if i == 0 {
			a.Atime = t
		} else {
			a.Mtime = t
		}
	}
	return a, 0
}

// fchownat(dirfd, path, uid, gid, flags): the name must exist; no file
// system keeps owners (the program is root), so nothing changes.
func sysFchownat(c call) uintptr { return mustExist(int64(int32(c.arg(0))), c.arg(1)) }

// mustExist checks that path names something.
func mustExist(dirfd int64, path uintptr) uintptr {
	var bufs pathBufs
	name, dir, err := readPath(dirfd, path, &bufs)
	if err != 0 {
		return err
	}
	var st vfs.Stat
	return errno(vfs.StatPath(dir, name, true, &st))
}

package linux

import (
	kerrno "github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/task"
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
func sysOpenat(c call) uintptr { return open(int64(int32(c.arg(0))), c.arg(1), uint32(c.arg(2))) }

// open(path, flags, mode)
func sysOpen(c call) uintptr { return open(atFdcwd, c.arg(0), uint32(c.arg(1))) }

func open(dirfd int64, path uintptr, flags uint32) uintptr {
	var pBufs pathBufs
	pName, pDir, err := readPath(dirfd, path, &pBufs)
	if err != 0 {
		return err
	}
	f, oerr := vfs.Open(pDir, pName, flags)
	if oerr != 0 {
		return errno(oerr)
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

// readlinkat(dirfd, path, buf, size): symbolic links, and /proc/self/exe,
// which names the program.
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
	if string(pName) == "/proc/self/exe" {
		target, lerr = task.Proc.Name, 0
	}
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
func sysMkdirat(c call) uintptr { return mkdir(int64(int32(c.arg(0))), c.arg(1)) }

func sysMkdir(c call) uintptr { return mkdir(atFdcwd, c.arg(0)) }

func mkdir(dirfd int64, path uintptr) uintptr {
	var pBufs pathBufs
	pName, pDir, err := readPath(dirfd, path, &pBufs)
	if err != 0 {
		return err
	}
	return errno(vfs.Mkdir(pDir, pName))
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

// link, linkat: hard links are not supported by any file system here.
func sysLink(c call) uintptr { return errno(kerrno.EPERM) }

// chmod(path, mode), fchmodat(dirfd, path, mode) and fchownat(dirfd, path,
// uid, gid, flags): the name must exist; no file system keeps owners or
// permission bits yet, so nothing changes.
func sysChmod(c call) uintptr    { return mustExist(atFdcwd, c.arg(0)) }
func sysFchmodat(c call) uintptr { return mustExist(int64(int32(c.arg(0))), c.arg(1)) }

// utimensat(dirfd, path, times, flags): the name (or, with a NULL path,
// the descriptor) must exist and times must be readable; no file system
// keeps the times it would set yet.
func sysUtimensat(c call) uintptr {
	if times := c.arg(2); times != 0 {
		var b [32]byte // two struct timespec
		if !Space.CopyIn(b[:], times) {
			return errno(EFAULT)
		}
	}
	if c.arg(1) == 0 {
		if file(c.arg(0)) == nil {
			return errno(EBADF)
		}
		return 0
	}
	return mustExist(int64(int32(c.arg(0))), c.arg(1))
}

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

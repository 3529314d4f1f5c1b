package vfs

import "github.com/gobare/gobare/kernel/errno"

// aboveDir is an open directory on the way to a mount point that no file
// system covers — "/" when the archive is mounted at "/work" — which lists
// one entry: the next element of the mount point's path.
type aboveDir struct {
	Base
	path [MaxPath]byte
	plen int
}

// aboveDirs is small: a program opens the directories above its files
// rarely (a walk up to "/"), and each holds a whole path.
var aboveDirs [8]aboveDir

// openAbove opens the directory abs above a mount point.
func openAbove(abs []byte, flags uint32) (File, errno.Errno) {
	for i := range aboveDirs {
		d := &aboveDirs[i]
		if d.Free() {
			d.Base.Open(flags)
			d.Base.mount = -1
			d.plen = copy(d.path[:], abs)
			return d, 0
		}
	}
	return nil, errno.ENFILE
}

func (d *aboveDir) Stat(st *Stat) errno.Errno {
	*st = Stat{Mode: ModeDir | 0o755, Nlink: 2}
	return 0
}

func (d *aboveDir) Path(buf []byte) ([]byte, errno.Errno) {
	return buf[:copy(buf, d.path[:d.plen])], 0
}

// ReadDir lists the next element of the first mount path below d.
func (d *aboveDir) ReadDir(pos int64, e *Dirent) (bool, errno.Errno) {
	if pos != 0 {
		return false, 0
	}
	dir := d.path[:d.plen]
	for i := 0; i < nmounts; i++ {
		m := mounts[i].Path()
		if _, _, above := Relative(dir, m); !above {
			continue
		}
		start := d.plen + 1
		if d.plen == 1 { // "/"
			start = 1
		}
		end := start
		for end < len(m) && m[end] != '/' {
			end++
		}
		*e = Dirent{Ino: 1, Mode: ModeDir, Name: m[start:end], Next: 1}
		return true, 0
	}
	return false, 0
}

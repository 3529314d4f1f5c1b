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

// ReadDir lists the next element of every mount path below d, once each
// ("/" lists bin, dev, etc, proc, sys and tmp). The position is the index
// of the mount that gave the entry.
func (d *aboveDir) ReadDir(pos int64, e *Dirent) (bool, errno.Errno) {
	for i := int(max(pos, 0)); i < nmounts; i++ {
		name, ok := d.nextElem(i)
		if !ok || d.listedBefore(i, name) {
			continue
		}
		*e = Dirent{Ino: 1, Mode: ModeDir, Name: name, Next: int64(i) + 1}
		return true, 0
	}
	return false, 0
}

// nextElem returns the element of mount i's path that follows d's path,
// when the mount lies below d.
func (d *aboveDir) nextElem(i int) ([]byte, bool) {
	m := mounts[i].Path()
	if _, _, above := Relative(d.path[:d.plen], m); !above {
		return nil, false
	}
	start := d.plen + 1
	if d.plen == 1 { // "/"
		start = 1
	}
	end := start
	for end < len(m) && m[end] != '/' {
		end++
	}
	return m[start:end], true
}

// listedBefore reports whether a mount before i gives the same name.
func (d *aboveDir) listedBefore(i int, name []byte) bool {
	for j := 0; j < i; j++ {
		if other, ok := d.nextElem(j); ok && string(other) == string(name) {
			return true
		}
	}
	return false
}

package devfs

import (
	virtnet "github.com/gobare/gobare/kernel/dev/virtio/net"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// dirFile is /dev itself, open: it lists the devices (net0 only when the
// machine has a network card), as os.ReadDir("/dev") expects.
type dirFile struct{ vfs.Base }

// dirs are the open /dev directories, in pages from vfs.UsePages.
var dirs vfs.Pool[dirFile]

func openDir(flags uint32) (vfs.File, errno.Errno) {
	if flags&vfs.AccMode != vfs.ReadOnly {
		return nil, errno.EISDIR
	}
	d, err := vfs.TakeFree(&dirs)
	if err != 0 {
		return nil, err
	}
	d.Base.Open(flags)
	return d, 0
}

func (d *dirFile) Stat(st *vfs.Stat) errno.Errno {
	*st = vfs.Stat{Ino: 1, Mode: vfs.ModeDir | 0o755, Nlink: 2}
	return 0
}

// Path is the directory's name inside /dev: the root, "".
func (d *dirFile) Path(buf []byte) ([]byte, errno.Errno) { return buf[:0], 0 }

// ReadDir returns the device at position pos or after it; positions are
// node IDs.
func (d *dirFile) ReadDir(pos int64, e *vfs.Dirent) (bool, errno.Errno) {
	for id := max(pos, 0); id < numDevices; id++ {
		if id >= devNet0 && !virtnet.Up() {
			continue
		}
		name := deviceNames[id]
		*e = vfs.Dirent{Ino: uint64(id) + 2, Mode: vfs.ModeCharFile, Name: vfs.NameBytes(name), Next: id + 1}
		return true, 0
	}
	return false, 0
}

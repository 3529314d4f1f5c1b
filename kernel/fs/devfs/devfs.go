// Package devfs owns the device files: the console (standard input, output
// and error, which descriptors 0, 1 and 2 refer to at start) and the
// files under /dev (null, zero, full, random, urandom: special.go; net0
// and net0batch, the network device: net.go; netctl, where the network service serves
// the sockets: kernel/fs/sockfs), which /dev lists (dir.go). As a
// vfs.FS it is mounted at /dev; names it does not have fall through to the
// archive below.
package devfs

import (
	virtnet "github.com/gobare/gobare/kernel/dev/virtio/net"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/sockfs"
	"github.com/gobare/gobare/kernel/vfs"
)

// FS is /dev. Node IDs index devices.
type FS struct{ vfs.Unchangeable }

// The devices, by node ID.
const (
	devNull = iota
	devZero
	devFull
	devRandom
	devURandom
	devNet0      // the network device, when the machine has one (net.go)
	devNetctl    // the network service's side of the sockets (sockfs)
	devNet0Batch // the network device, several frames a read or write (net.go)
	numDevices
)

var deviceNames = [numDevices]string{
	devNull: "null", devZero: "zero", devFull: "full", devRandom: "random", devURandom: "urandom", devNet0: "net0", devNetctl: "netctl",
	devNet0Batch: "net0batch",
}

// nullFile is an open /dev/null, /dev/zero, /dev/full, /dev/random or
// /dev/urandom (dev says which): reads see end of file, zeros or random
// bytes; writes vanish, or fail with ENOSPC on /dev/full.
type nullFile struct {
	vfs.Base
	dev int64
}

// nullFiles are the open devices, in pages from vfs.UsePages.
var nullFiles vfs.Pool[nullFile]

func (fs *FS) Lookup(rel []byte) (vfs.Node, errno.Errno) {
	if len(rel) == 0 {
		return vfs.Node{ID: -1, Mode: vfs.ModeDir | 0o755}, 0
	}
	for id, name := range deviceNames {
		if string(rel) == name && (id < devNet0 || virtnet.Up()) {
			return vfs.Node{ID: int64(id), Mode: vfs.ModeCharFile}, 0
		}
	}
	return vfs.Node{}, errno.ENOENT
}

func (fs *FS) Open(n vfs.Node, flags uint32) (vfs.File, errno.Errno) {
	if n.ID < 0 {
		return openDir(flags) // dir.go
	}
	switch n.ID {
	case devNet0, devNet0Batch:
		return openNet(flags, n.ID == devNet0Batch)
	case devNetctl:
		return sockfs.OpenControl(flags)
	}
	f, err := vfs.TakeFree(&nullFiles)
	if err != 0 {
		return nil, err
	}
	f.Base.Open(flags)
	f.dev = n.ID
	return f, 0
}

func (fs *FS) Stat(n vfs.Node, st *vfs.Stat) errno.Errno {
	*st = vfs.Stat{Ino: uint64(n.ID + 2), Mode: n.Mode, Nlink: 1}
	return 0
}

// ReadOnly: devices cannot be made or removed (vfs.Unchangeable), but
// they can be written.
func (fs *FS) ReadOnly() bool { return false }

func (f *nullFile) Stat(st *vfs.Stat) errno.Errno {
	*st = vfs.Stat{Ino: uint64(f.dev) + 2, Mode: vfs.ModeCharFile, Nlink: 1}
	return 0
}

package kernel

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/dev/virtio/blk"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/fatfs"
	"github.com/gobare/gobare/kernel/vfs"
)

// mountDisk brings up the virtio block device, when the machine has one
// (mkimage run -disk), and mounts its FAT32 volume where the kernel word
// disk= says (default /disk). A volume that cannot be mounted is still
// mounted there, answering EIO, with the reason on the console.
func mountDisk() {
	found, why := blk.Init(&frames, &kernelSpace)
	if !found {
		return
	}
	if why != "" {
		console.Print("gobare: disk: ")
		console.Print(why)
		console.Print("; no disk\n")
		return
	}
	var buf [vfs.MaxPath]byte
	path, ok := vfs.Clean(buf[:], nil, []byte("/disk"))
	if p := kernelOption("disk"); p != nil {
		path, ok = vfs.Clean(buf[:], nil, p)
	}
	if !ok {
		fail("disk=: ", "path too long")
	}
	if why := diskFS.Mount(&disk, &frames, int64(blk.Sectors())*blk.SectorSize, blk.ReadOnly(), wallNanos); why != "" {
		console.Print("gobare: disk: ")
		console.Print(why)
		console.Print("; every access to it is EIO\n")
	}
	if !vfs.Mount(path, &diskFS, false) {
		fail("disk: ", "the mount table is full")
	}
	diskUp = true
}

// The disk and its file system.
var (
	disk   blockDevice
	diskFS fatfs.FS
	diskUp bool // diskFS is mounted on the device
)

// syncDisk writes the disk's cache back when the program exits, as Linux
// writes dirty pages back before it powers off; a machine that is killed
// keeps only what was synced.
func syncDisk() {
	if diskUp && diskFS.Why() == "" && diskFS.Sync() != 0 {
		console.Print("gobare: disk: writing the cache back at exit failed (EIO)\n")
	}
}

// blockDevice is the virtio block device as the file system sees it.
type blockDevice struct{}

func (*blockDevice) Read(sector uint64, pages []uintptr, n uint32) errno.Errno {
	return blk.Read(sector, pages, n)
}

func (*blockDevice) Write(sector uint64, pages []uintptr, n uint32) errno.Errno {
	return blk.Write(sector, pages, n)
}

func (*blockDevice) Flush() errno.Errno { return blk.Flush() }

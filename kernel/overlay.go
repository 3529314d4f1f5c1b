package kernel

import (
	"github.com/gobare/gobare/kernel/fs/overlayfs"
	"github.com/gobare/gobare/kernel/fs/tmpfs"
	"github.com/gobare/gobare/kernel/vfs"
)

// mountArchive mounts the archive at path: as it is, read-only, or — with
// the kernel word overlay (mkimage's -files DIR:/MOUNT:rw, and mkimage
// exec) — under a writable overlay whose changes stay in RAM
// (kernel/fs/overlayfs), so that programs can write beside their files.
func mountArchive(path []byte) {
	if !hasKernelWord("overlay") {
		vfs.Mount(path, &archiveFS, false)
		return
	}
	upperFS.InoBase = 1 << 40 // apart from the archive's inode numbers
	upperFS.Init(&fileBudget, wallNanos)
	overlayFS = overlayfs.FS{Lower: &archiveFS, Upper: &upperFS}
	overlayFS.Init()
	vfs.Mount(path, &overlayFS, false)
}

// The overlay and its upper layer.
var (
	upperFS   tmpfs.FS
	overlayFS overlayfs.FS
)

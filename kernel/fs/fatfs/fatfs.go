// Package fatfs owns the FAT32 file system on the persistent disk
// (mkimage run -disk): a volume that the host reads and writes too
// (mkimage disk, through go-diskfs). It implements vfs.FS and vfs.File
// over a block device (Disk) through a write-back block cache
// (cache.go): lookup, directory listings, create, read, write,
// truncate, rename, unlink, mkdir, rmdir, stat and fsync, with long file
// names (VFAT, names.go).
//
// The volume is untrusted: every field read from it — the boot sector,
// FAT entries, directory entries, cluster chains — is checked before it
// is used, and one that makes no sense is EIO to the program, never a
// fault. A volume that cannot be mounted at all stays mounted as a file
// system that answers EIO.
//
// FAT keeps no owners or permission bits: stat reports directories as
// 0755 and files as 0644 (0444 with the read-only attribute, which a
// chmod without write bits sets), owner root. Times are kept as FAT keeps
// them, in local time taken as UTC: modification to 2 s, access to the
// day. Symbolic and hard links are EPERM, as on Linux's vfat.
//
// Nothing here uses the Go heap: the cache's pages come from Pages (the
// kernel's frame allocator), and open files live in static pools.
package fatfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// Disk is the block device: n bytes from sector on (512-byte sectors)
// read into or written from pages that Pages gave, one after the other
// (a page's number is what the device needs, a physical address in the
// kernel; all but the last page are filled), and a flush of its write
// cache.
type Disk interface {
	Read(sector uint64, pages []uintptr, n uint32) errno.Errno
	Write(sector uint64, pages []uintptr, n uint32) errno.Errno
	Flush() errno.Errno
}

// Pages gives the caches their pages (*mem.FrameAllocator in the
// kernel): Alloc a zeroed one, FreeFrame drops a hold on one, Shared
// reports whether another holder (a mapping) holds it too.
type Pages interface {
	Alloc() (uintptr, bool)
	FreeFrame(page uintptr)
	Shared(page uintptr) bool
	Page(page uintptr) []byte
}

// maxInodes bounds the files open at once on a volume (descriptions of
// one file share its inode): the page cache names an inode by its slot
// in a byte (cpage.in).
const maxInodes = 255

// FS is one mounted FAT32 volume.
type FS struct {
	g        Geometry
	c        cache
	now      func() int64 // nanoseconds since 1970
	why      string       // why the volume could not be mounted ("": it is)
	readOnly bool
	hint     uint32          // where the search for a free cluster starts
	full     bool            // a search found none, and none was freed since
	touched  bool            // FSInfo's counts were marked unknown
	inodes   vfs.Pool[inode] // the open inodes, in pages from vfs.UsePages
	pc       pageCache       // the pages of mapped files (pages.go)
}

// Mount reads the volume on d, a device of deviceBytes bytes; now tells
// the time in nanoseconds since 1970. It returns "" or why the volume
// cannot be used, in which case every operation answers EIO.
func (fs *FS) Mount(d Disk, p Pages, deviceBytes int64, readOnly bool, now func() int64) string {
	*fs = FS{now: now, readOnly: readOnly, inodes: vfs.Pool[inode]{Max: maxInodes}}
	fs.why = fs.mount(d, p, deviceBytes)
	return fs.why
}

func (fs *FS) mount(d Disk, p Pages, deviceBytes int64) string {
	deviceBytes &^= 511
	if deviceBytes < 512 {
		return "the disk is empty"
	}
	if !fs.c.init(d, p, deviceBytes) {
		return "out of memory for the block cache"
	}
	boot, err := fs.c.ref(0, 512, false)
	if err != 0 {
		return "cannot read the boot sector"
	}
	g, why := ParseBPB(boot, deviceBytes)
	if why != "" {
		return why
	}
	fs.g = g
	fs.c.size = g.Size
	fs.hint = 2
	if b, err := fs.c.ref(fs.g.FSInfo, 512, false); g.FSInfo != 0 && err == 0 && isFSInfo(b) {
		if next := le32(b, 492); g.ValidCluster(next) { // FSI_Nxt_Free
			fs.hint = next
		}
	}
	return ""
}

// isFSInfo checks the FSInfo sector's three signatures (FAT spec §5).
func isFSInfo(b []byte) bool {
	return le32(b, 0) == 0x41615252 && le32(b, 484) == 0x61417272 && le32(b, 508) == 0xAA550000
}

// changing is called before the first change of the volume: it marks
// FSInfo's free count and next free cluster unknown (0xFFFFFFFF, which
// the FAT spec allows), since they are not kept up to date here.
func (fs *FS) changing() errno.Errno {
	if fs.readOnly {
		return errno.EROFS
	}
	if fs.touched || fs.g.FSInfo == 0 {
		return 0
	}
	fs.touched = true
	b, err := fs.c.ref(fs.g.FSInfo, 512, true)
	if err != 0 {
		return err
	}
	if isFSInfo(b) {
		put32(b, 488, 0xFFFFFFFF)
		put32(b, 492, 0xFFFFFFFF)
	}
	return 0
}

// Why says why the volume could not be mounted ("" when it was).
func (fs *FS) Why() string { return fs.why }

// ok reports whether the volume is usable.
func (fs *FS) ok() bool { return fs.why == "" }

func (fs *FS) ReadOnly() bool { return fs.readOnly }

// Sync writes every change back — mapped files' dirty pages into the
// block cache, then the block cache — and flushes the device.
func (fs *FS) Sync() errno.Errno {
	if !fs.ok() {
		return errno.EIO
	}
	if err := fs.writePages(nil); err != 0 {
		return err
	}
	return fs.c.sync()
}

// Package blk drives a virtio block device (virtio 1.2 §5.2) on the
// modern PCI transport: the disk that mkimage run -disk attaches. It
// reads and writes runs of 512-byte sectors to and from frames of kernel
// memory, and flushes the device's write cache (VIRTIO_BLK_F_FLUSH), so
// that what was written is on the host's disk when Flush returns.
//
// One request is in flight at a time and the driver waits for it by
// polling the used ring (no interrupts, as for the console): a request
// is a chain of descriptors — the header the device reads, a page of
// data each (up to the queue's size less two: 248 KiB), and the status
// byte the device writes (§5.2.6). A device that answers
// with an error, or not at all within deviceTimeout, gives EIO.
package blk

import (
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/pci"
	"github.com/gobare/gobare/kernel/dev/virtio"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/timer"
)

// SectorSize is the unit of the device's addresses (§5.2.6: sector is in
// 512-byte units whatever the device's block size).
const SectorSize = 512

// Features (virtio 1.2 §5.2.3).
const (
	featureRO    = 1 << 5 // VIRTIO_BLK_F_RO: the device refuses writes
	featureFlush = 1 << 9 // VIRTIO_BLK_F_FLUSH: it has a write cache and takes FLUSH
)

// Request types and status values (virtio 1.2 §5.2.6).
const (
	typeIn    = 0 // VIRTIO_BLK_T_IN: read sectors
	typeOut   = 1 // VIRTIO_BLK_T_OUT: write sectors
	typeFlush = 4 // VIRTIO_BLK_T_FLUSH: write the cache back
	statusOK  = 0 // VIRTIO_BLK_S_OK
)

// The request page: the 16-byte header (le32 type, le32 reserved, le64
// sector) at offset 0 and the status byte at statusOff.
const statusOff = 16

// deviceTimeout bounds the wait for one request, in nanoseconds.
const deviceTimeout = 30e9

// Descriptor numbers of a request's parts: the header, then the data
// pages, then the status.
const (
	descHeader = 0
	descData   = 1
)

var (
	dev      virtio.Device
	queue    virtio.Queue
	req      []byte // the request page
	reqPhys  uint64
	sectors  uint64 // capacity, in sectors
	readOnly bool
	flushes  bool // the device has a write cache to flush
	up       bool
)

// ids are the block device's PCI device IDs: modern and transitional.
var ids = [2]uint16{virtio.ModernBase + virtio.TypeBlock, virtio.TransBlock}

// Init looks for a virtio block device and brings it up (virtio 1.2
// §3.1.1). found says there is one; why, when not "", why it cannot be
// used.
func Init(frames *mem.FrameAllocator, space *mem.PageTable) (found bool, why string) {
	a, ok := pci.Find(virtio.VendorID, ids[:])
	if !ok {
		return false, ""
	}
	var e virtio.Err
	if dev, e = virtio.Open(a, frames, space); e != virtio.OK {
		return true, e.String()
	}
	features, e := dev.Start(featureRO | featureFlush)
	if e != virtio.OK {
		return true, e.String()
	}
	if dev.SetUpQueue(&queue, 0) != virtio.OK { // the one request queue (§5.2.2)
		dev.Fail()
		return true, "cannot set up the request queue"
	}
	p, ok := frames.Alloc()
	if !ok {
		dev.Fail()
		return true, "out of frames"
	}
	req, reqPhys = frames.Page(p), uint64(p)
	// capacity, le64 at offset 0 of the device configuration (§5.2.4).
	sectors = uint64(dev.Config32(0)) | uint64(dev.Config32(4))<<32
	readOnly, flushes = features&featureRO != 0, features&featureFlush != 0
	dev.Ready()
	up = true
	return true, ""
}

// Sectors is the device's size in 512-byte sectors (0 when there is none).
func Sectors() uint64 { return sectors }

// ReadOnly reports whether the device refuses writes.
func ReadOnly() bool { return readOnly }

// Read reads n bytes (a multiple of SectorSize) from sector on into the
// pages at the physical addresses pages, one after the other, each but
// the last filled.
func Read(sector uint64, pages []uintptr, n uint32) errno.Errno {
	return transfer(typeIn, sector, pages, n)
}

// Write writes n bytes (a multiple of SectorSize) from the pages at
// physical addresses pages to sector on.
func Write(sector uint64, pages []uintptr, n uint32) errno.Errno {
	if readOnly {
		return errno.EROFS
	}
	return transfer(typeOut, sector, pages, n)
}

// Flush returns once every write the device completed is on its
// permanent storage (§5.2.6.1: FLUSH); without a write cache it has
// nothing to do.
func Flush() errno.Errno {
	if !flushes {
		return 0
	}
	return request(typeFlush, 0, nil, 0)
}

// transfer moves n bytes in requests of as many pages as the queue has
// descriptors for (two go to the header and the status).
func transfer(typ uint32, sector uint64, pages []uintptr, n uint32) errno.Errno {
	if n%SectorSize != 0 || uint64(len(pages))*mem.PageSize < uint64(n) {
		return errno.EIO
	}
	per := int(queue.Size()) - 2
	for n > 0 {
		k := min(len(pages), per)
		bytes := min(n, uint32(k)*mem.PageSize)
		if err := request(typ, sector, pages[:k], bytes); err != 0 {
			return err
		}
		pages, sector, n = pages[k:], sector+uint64(bytes/SectorSize), n-bytes
	}
	return 0
}

// request sends one request and waits for it: the header, a descriptor
// per page of data (none for a flush), and the status, chained (§5.2.6).
// The device writes the data of a read, reads that of a write.
func request(typ uint32, sector uint64, pages []uintptr, n uint32) errno.Errno {
	if !up || sector > sectors || uint64(n/SectorSize) > sectors-sector {
		return errno.EIO
	}
	putLe32(req[0:], typ)
	putLe32(req[4:], 0)
	putLe32(req[8:], uint32(sector))
	putLe32(req[12:], uint32(sector>>32))
	req[statusOff] = 0xFF // a status the device never writes
	queue.SetBuffer(descHeader, reqPhys, 16, false)
	last := uint16(descHeader)
	for i, p := range pages {
		d := uint16(descData + i)
		queue.SetBuffer(d, uint64(p), min(n, mem.PageSize), typ == typeIn)
		queue.Chain(last, d)
		last, n = d, n-min(n, mem.PageSize)
	}
	status := last + 1
	queue.SetBuffer(status, reqPhys+statusOff, 1, true)
	queue.Chain(last, status)
	queue.Offer(descHeader)
	dev.Notify(&queue)
	start := timer.Nanotime()
	for !queue.HasUsed() {
		if timer.Nanotime()-start > deviceTimeout {
			return errno.EIO // the request stays offered: the device is given up
		}
		cpu.Pause()
	}
	queue.Used()
	if req[statusOff] != statusOK {
		return errno.EIO // IOERR, UNSUPP, or no status at all
	}
	return 0
}

func putLe32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

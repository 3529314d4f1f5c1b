// Package blk drives a virtio block device (virtio 1.2 §5.2) on the
// modern PCI transport: the disk that mkimage run -disk attaches. It
// reads and writes runs of 512-byte sectors to and from frames of kernel
// memory, and flushes the device's write cache (VIRTIO_BLK_F_FLUSH), so
// that what was written is on the host's disk when Flush returns.
//
// One request is in flight at a time and the driver waits for it by
// polling the used ring (no interrupts, as for the console): a request
// is three descriptors chained — the header the device reads, the data,
// and the status byte the device writes (§5.2.6). A device that answers
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

// Descriptor numbers of a request's three parts.
const (
	descHeader = 0
	descData   = 1
	descStatus = 2
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
// memory at physical address phys.
func Read(sector, phys uint64, n uint32) errno.Errno {
	return transfer(typeIn, sector, phys, n)
}

// Write writes n bytes (a multiple of SectorSize) at physical address
// phys to sector on.
func Write(sector, phys uint64, n uint32) errno.Errno {
	if readOnly {
		return errno.EROFS
	}
	return transfer(typeOut, sector, phys, n)
}

// Flush returns once every write the device completed is on its
// permanent storage (§5.2.6.1: FLUSH); without a write cache it has
// nothing to do.
func Flush() errno.Errno {
	if !flushes {
		return 0
	}
	return transfer(typeFlush, 0, 0, 0)
}

// transfer sends one request and waits for it: header, data (none for a
// flush) and status chained (§5.2.6). The device writes the data of a
// read, reads that of a write.
func transfer(typ uint32, sector, phys uint64, n uint32) errno.Errno {
	if !up || n%SectorSize != 0 || sector > sectors || uint64(n/SectorSize) > sectors-sector {
		return errno.EIO
	}
	putLe32(req[0:], typ)
	putLe32(req[4:], 0)
	putLe32(req[8:], uint32(sector))
	putLe32(req[12:], uint32(sector>>32))
	req[statusOff] = 0xFF // a status the device never writes
	queue.SetBuffer(descHeader, reqPhys, 16, false)
	queue.SetBuffer(descStatus, reqPhys+statusOff, 1, true)
	if n > 0 {
		queue.SetBuffer(descData, phys, n, typ == typeIn)
		queue.Chain(descHeader, descData)
		queue.Chain(descData, descStatus)
	} else {
		queue.Chain(descHeader, descStatus)
	}
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

package virtio

import (
	"sync/atomic"
	"unsafe"
)

// MaxQueueSize is the most descriptors a queue gets here. A split
// virtqueue of 64 entries — descriptor table, available ring and used
// ring — fits in one 4 KiB frame (QueueLayout).
const MaxQueueSize = 64

// Descriptor flags (virtio 1.2 §2.7.5).
const (
	DescNext  = 1 // the buffer continues in the descriptor named by Next
	DescWrite = 2 // the device writes the buffer (else it reads it)
)

// availNoInterrupt asks the device not to interrupt when it uses a
// buffer (virtio 1.2 §2.7.7, VIRTQ_AVAIL_F_NO_INTERRUPT): gobare polls,
// except on queues given an MSI-X vector (Device.UseMSIX).
const availNoInterrupt = 1

// usedNoNotify, in the used ring's flags, says the device does not need
// to be notified of new buffers (virtio 1.2 §2.7.7,
// VIRTQ_USED_F_NO_NOTIFY): it is still working through the queue, or has
// buffers enough. QEMU's virtio-net sets it while its receive queue has
// buffers and while it flushes the transmit queue.
const usedNoNotify = 1

// Desc is one entry of the descriptor table (virtio 1.2 §2.7.5): a
// buffer's physical address and length.
type Desc struct {
	Addr  uint64
	Len   uint32
	Flags uint16
	Next  uint16
}

// availRing is the driver area (virtio 1.2 §2.7.6): the descriptors
// offered to the device, in order. The driver writes it.
type availRing struct {
	Flags uint16
	Idx   uint16 // where the driver will put the next entry (free-running)
	Ring  [MaxQueueSize]uint16
}

// usedElem is one entry of the used ring: a buffer's head descriptor and
// how many bytes the device wrote into it.
type usedElem struct {
	ID  uint32
	Len uint32
}

// usedRing is the device area (virtio 1.2 §2.7.8): the buffers the
// device is done with, in the order it finished them. The device writes
// it.
type usedRing struct {
	Flags uint16
	Idx   uint16 // where the device will put the next entry (free-running)
	Ring  [MaxQueueSize]usedElem
}

// Where the three parts of a queue lie in its frame: each aligned as
// virtio 1.2 §2.7 asks (16, 2 and 4 bytes), the whole within 4 KiB.
const (
	descOffset  = 0
	availOffset = descOffset + 16*MaxQueueSize // 1024
	usedOffset  = 2048
	// QueueBytes is the memory a queue needs.
	QueueBytes = usedOffset + 4 + 8*MaxQueueSize + 2
)

// Queue is a split virtqueue (virtio 1.2 §2.7) whose descriptors are
// bound one-to-one to the driver's buffers: descriptor i always
// describes buffer i, so offering a buffer is putting i in the available
// ring and the used ring names the buffer back. Indices are free-running
// 16-bit counters; the slot is the index modulo the size, a power of two.
//
// Queue is pure memory manipulation, so the host tests drive it against
// a simulated device (queue_test.go).
type Queue struct {
	Index uint16 // the queue's number on its device
	size  uint16 // a power of two, at most MaxQueueSize

	desc  *[MaxQueueSize]Desc
	avail *availRing
	used  *usedRing

	// Physical addresses of the three parts, for the device.
	DescPhys, AvailPhys, UsedPhys uint64

	nextAvail  uint16 // the driver's copy of avail.Idx
	nextUsed   uint16 // the next used entry to read
	notify     uintptr
	interrupts bool // the device may interrupt for this queue (UseMSIX)
}

// Init lays out a queue of size entries (a power of two, 1 to
// MaxQueueSize) in zeroed memory at base, QueueBytes long, whose physical
// address is phys.
func (q *Queue) Init(index uint16, base unsafe.Pointer, phys uint64, size uint16) bool {
	if size == 0 || size > MaxQueueSize || size&(size-1) != 0 {
		return false
	}
	*q = Queue{Index: index, size: size}
	q.desc = (*[MaxQueueSize]Desc)(unsafe.Add(base, descOffset))
	q.avail = (*availRing)(unsafe.Add(base, availOffset))
	q.used = (*usedRing)(unsafe.Add(base, usedOffset))
	q.DescPhys, q.AvailPhys, q.UsedPhys = phys+descOffset, phys+availOffset, phys+usedOffset
	q.storeAvail()
	return true
}

// Size returns the number of entries.
func (q *Queue) Size() uint16 { return q.size }

// SetBuffer makes descriptor i describe n bytes at phys, which the device
// writes when deviceWrites is set and reads otherwise.
func (q *Queue) SetBuffer(i uint16, phys uint64, n uint32, deviceWrites bool) {
	var flags uint16
	if deviceWrites {
		flags = DescWrite
	}
	q.desc[i&(q.size-1)] = Desc{Addr: phys, Len: n, Flags: flags}
}

// Chain links descriptor i to descriptor next, so that the device takes
// them as one request in two or more parts (virtio 1.2 §2.7.5: NEXT in
// flags, the following descriptor's number in next). Offer the first.
// SetBuffer unlinks a descriptor again.
func (q *Queue) Chain(i, next uint16) {
	d := &q.desc[i&(q.size-1)]
	d.Flags |= DescNext
	d.Next = next & (q.size - 1)
}

// Offer puts buffer i in the available ring and then publishes the new
// index (virtio 1.2 §2.7.13: the ring entry, then a memory barrier, then
// idx). The device sees it once notified (Device.Notify).
func (q *Queue) Offer(i uint16) {
	q.avail.Ring[q.nextAvail&(q.size-1)] = i & (q.size - 1)
	q.nextAvail++
	q.storeAvail()
}

// storeAvail writes the available ring's flags and index as one 32-bit
// atomic store: it orders the ring entries before it (the barrier of
// §2.7.13.3) and cannot be torn.
func (q *Queue) storeAvail() {
	flags := uint32(availNoInterrupt)
	if q.interrupts {
		flags = 0
	}
	atomic.StoreUint32((*uint32)(unsafe.Pointer(&q.avail.Flags)), flags|uint32(q.nextAvail)<<16)
}

// usedIdx reads the device's index in the used ring, atomically and
// before the entries it covers (virtio 1.2 §2.7.14).
func (q *Queue) usedIdx() uint16 {
	return uint16(atomic.LoadUint32((*uint32)(unsafe.Pointer(&q.used.Flags))) >> 16)
}

// Used returns the next buffer the device has finished with: its number
// and the bytes it wrote (0 for a buffer it only read). ok is false when
// there is none yet.
func (q *Queue) Used() (i uint16, n uint32, ok bool) {
	if q.nextUsed == q.usedIdx() {
		return 0, 0, false
	}
	e := q.used.Ring[q.nextUsed&(q.size-1)]
	q.nextUsed++
	return uint16(e.ID) & (q.size - 1), e.Len, true
}

// UsedIndex is the device's used index: it changes when the device
// finishes a buffer.
func (q *Queue) UsedIndex() uint16 { return q.usedIdx() }

// NotifyWanted reports whether the device asks to be notified of the
// buffers just offered (virtio 1.2 §2.7.7.2: the driver reads the used
// ring's flags after publishing the available index; Offer's atomic
// store is the barrier between the two). Under emulation a notification
// is a trap to the hypervisor, so one saved is worth the check.
func (q *Queue) NotifyWanted() bool {
	return atomic.LoadUint32((*uint32)(unsafe.Pointer(&q.used.Flags)))&usedNoNotify == 0
}

// HasUsed reports whether Used has a buffer to return.
func (q *Queue) HasUsed() bool { return q.nextUsed != q.usedIdx() }

// Outstanding is the number of buffers offered and not yet read back
// with Used.
func (q *Queue) Outstanding() uint16 { return q.nextAvail - q.nextUsed }

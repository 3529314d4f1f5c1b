package sockfs

import (
	"sync/atomic"
	"unsafe"
)

// A socket's slot is SlotPages frames, which the network service maps
// too (docs/design.md, Networking): the header page, then the receive
// ring's data pages, then the send ring's. Each ring has one producer and
// one consumer, each writing only its own counter in the header page:
// the receive ring is filled by the service and emptied by the kernel
// (the program's reads), the send ring the other way. The counters run
// free (they wrap at 2^32) and are taken modulo RingSize, so a full ring
// and an empty one differ (tail-head is RingSize or 0), as in the virtio
// rings' indices (virtio 1.2 §2.7.6).
const (
	PageSize  = 4096
	RingSize  = 32 << 10 // bytes a ring holds
	ringPages = RingSize / PageSize
	SlotPages = 1 + 2*ringPages
)

// Offsets of the words in the header page (little-endian uint32s).
const (
	rxHead   = 0  // receive ring: bytes the kernel consumed
	rxTail   = 4  // receive ring: bytes the service produced
	txHead   = 8  // send ring: bytes the service consumed
	txTail   = 12 // send ring: bytes the kernel produced
	stateOff = 16 // the service's State bits
	errorOff = 20 // the service's pending error (an errno), for SO_ERROR
	shutOff  = 24 // the kernel's Shut bits: what the program closed
)

// ring is one direction of a slot: where its counters are in the header
// page and which of the slot's frames hold its data.
type ring struct {
	s     *slot
	head  int // offset of the consumer's counter
	first int // index in s.frames of its first data page
}

// receive and send are the slot's two rings.
func (s *slot) receive() ring { return ring{s, rxHead, 1} }
func (s *slot) send() ring    { return ring{s, txHead, 1 + ringPages} }

// word points at the header word at off; the service writes some of
// them, so they are read and written atomically.
func (s *slot) word(off int) *uint32 {
	return (*uint32)(unsafe.Pointer(&pages.Page(s.frames[0])[off]))
}

// used returns the bytes in the ring and whether the counters make sense:
// a service that wrote a tail more than RingSize past the head is broken,
// and the kernel must not trust its numbers (never read past the ring).
func (r ring) used() (uint32, bool) {
	n := atomic.LoadUint32(r.s.word(r.head+4)) - atomic.LoadUint32(r.s.word(r.head))
	return n, n <= RingSize
}

// at returns the ring's data from counter value c to the end of its page.
func (r ring) at(c uint32) []byte {
	off := int(c % RingSize)
	return pages.Page(r.s.frames[r.first+off/PageSize])[off%PageSize:]
}

// get moves up to len(b) bytes out of the ring (the consumer's side);
// ok=false when the counters are broken.
func (r ring) get(b []byte) (n int, ok bool) {
	used, ok := r.used()
	if !ok {
		return 0, false
	}
	k := min(len(b), int(used))
	head := atomic.LoadUint32(r.s.word(r.head))
	for n < k {
		n += copy(b[n:k], r.at(head+uint32(n)))
	}
	atomic.StoreUint32(r.s.word(r.head), head+uint32(k)) // after the bytes: the producer may reuse them
	return k, true
}

// put moves up to len(b) bytes into the ring (the producer's side);
// ok=false when the counters are broken.
func (r ring) put(b []byte) (n int, ok bool) {
	used, ok := r.used()
	if !ok {
		return 0, false
	}
	k := min(len(b), RingSize-int(used))
	tail := atomic.LoadUint32(r.s.word(r.head + 4))
	for n < k {
		n += copy(r.at(tail+uint32(n)), b[n:k])
	}
	atomic.StoreUint32(r.s.word(r.head+4), tail+uint32(k)) // after the bytes: the consumer may read them
	return k, true
}

package sockfs

import (
	"sync/atomic"
	"unsafe"

	"github.com/gobare/gobare/kernel/mem"
)

// A socket's slot is SlotPages frames, which the network service maps
// too (docs/design.md, Networking): the header page, then the receive
// ring's data pages, then the send ring's. Each ring has one producer and
// one consumer, each writing only its own counter in the header page:
// the receive ring is filled by the service and emptied by the kernel
// (the program's reads), the send ring the other way. The counters run
// free (they wrap at 2^32) and are taken modulo the ring's size, a power
// of two, so a full ring and an empty one differ (tail-head is the size
// or 0), as in the virtio rings' indices (virtio 1.2 §2.7.6).
//
// The receive ring is the larger: a download moves a ring's worth from
// the service to the program each time the program has emptied it (the
// program's reads, a wake-up of the service, its refill and a window
// update on the wire), so its size sets how often that round comes; 128
// KiB, as Linux's default receive buffer (tcp_rmem). The send ring
// stays at 32 KiB: an upload gains little from more, and every slot
// holds both (1,000 connections hold 164 MiB of rings).
const (
	PageSize  = 4096
	RxSize    = 128 << 10 // bytes the receive ring holds
	TxSize    = 32 << 10  // bytes the send ring holds
	rxPages   = RxSize / PageSize
	txPages   = TxSize / PageSize
	SlotPages = 1 + rxPages + txPages
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
	// Who waits for the other to move a ring (Linux's SOCK_NOSPACE, and
	// its twin for the receive ring): each side tells the other about
	// the bytes it took only when asked, so that a kept-alive request's
	// reads and writes do not each wake the other side for nothing.
	// The asker sets its word, then looks at the ring again; the taker
	// moves its counter, then swaps the word to 0 and tells when it was
	// set (atomic exchanges both: one of the two sees the other's store).
	rxWant = 28 // the service: the receive ring is full and the endpoint may hold more (told once half is free)
	txWant = 32 // the kernel: a write or a poll found the send ring full
	// The service's two names of a connection (Named, Socket.Name): the
	// local address at nameOff, the peer's at nameOff+nameSize, each a
	// length word and a sockaddr of up to AddrMax bytes.
	nameOff  = 40
	nameSize = 4 + AddrMax
)

// ring is one direction of a slot: where its counters are in the header
// page and which of the slot's frames hold its data.
type ring struct {
	s     *slot
	head  int    // offset of the consumer's counter
	first int    // index in s.frames of its first data page
	size  uint32 // bytes it holds: RxSize or TxSize
}

// receive and send are the slot's two rings.
func (s *slot) receive() ring { return ring{s, rxHead, 1, RxSize} }
func (s *slot) send() ring    { return ring{s, txHead, 1 + rxPages, TxSize} }

// word points at the header word at off; the service writes some of
// them, so they are read and written atomically.
func (s *slot) word(off int) *uint32 {
	return (*uint32)(unsafe.Pointer(&pages.Page(s.frames[0])[off]))
}

// used returns the bytes in the ring and whether the counters make sense:
// a service that wrote a tail more than the ring's size past the head is broken,
// and the kernel must not trust its numbers (never read past the ring).
func (r ring) used() (uint32, bool) {
	n := atomic.LoadUint32(r.s.word(r.head+4)) - atomic.LoadUint32(r.s.word(r.head))
	return n, n <= r.size
}

// at returns the ring's data from counter value c to the end of its page.
func (r ring) at(c uint32) []byte {
	off := int(c & (r.size - 1)) // the size is a power of two: no division, which could panic
	return pages.Page(r.s.frames[r.first+off/PageSize])[off%PageSize:]
}

// copyOut copies the ring's bytes from counter value c into b, wrapping.
// Pieces of up to a page go through mem.Copy, not the built-in copy,
// whose REP MOVSQ for more than 2 KiB costs QEMU's TCG a translation
// block execution per 8 bytes (kernel/mem/copy.go).
func (r ring) copyOut(c uint32, b []byte) {
	for n := 0; n < len(b); {
		n += mem.Copy(b[n:], r.at(c+uint32(n)))
	}
}

// copyIn copies b into the ring from counter value c, wrapping (through
// mem.Copy, as copyOut).
func (r ring) copyIn(c uint32, b []byte) {
	for n := 0; n < len(b); {
		n += mem.Copy(r.at(c+uint32(n)), b[n:])
	}
}

// headAt and tailAt read the consumer's and the producer's counters.
func (r ring) headAt() uint32 { return atomic.LoadUint32(r.s.word(r.head)) }
func (r ring) tailAt() uint32 { return atomic.LoadUint32(r.s.word(r.head + 4)) }

// consume and produce move the counters on by n, after the bytes: the
// other side may then reuse or read them.
func (r ring) consume(n uint32) { atomic.StoreUint32(r.s.word(r.head), r.headAt()+n) }
func (r ring) produce(n uint32) { atomic.StoreUint32(r.s.word(r.head+4), r.tailAt()+n) }

// peek copies up to len(b) bytes from offset off past the ring's head
// without taking them; ok=false when the counters are broken.
func (r ring) peek(off int, b []byte) (n int, ok bool) {
	used, ok := r.used()
	if !ok {
		return 0, false
	}
	k := max(0, min(len(b), int(used)-off))
	r.copyOut(r.headAt()+uint32(off), b[:k])
	return k, true
}

// get moves up to len(b) bytes out of the ring (the consumer's side);
// ok=false when the counters are broken.
func (r ring) get(b []byte) (n int, ok bool) {
	n, ok = r.peek(0, b)
	r.consume(uint32(n))
	return n, ok
}

// put moves up to len(b) bytes into the ring (the producer's side);
// ok=false when the counters are broken.
func (r ring) put(b []byte) (n int, ok bool) {
	used, ok := r.used()
	if !ok {
		return 0, false
	}
	k := min(len(b), int(r.size-used))
	r.copyIn(r.tailAt(), b[:k])
	r.produce(uint32(k))
	return k, true
}

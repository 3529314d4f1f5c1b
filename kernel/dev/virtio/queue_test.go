package virtio

import (
	"testing"
	"unsafe"
)

// fakeDevice plays the device side of a split virtqueue the way virtio
// 1.2 §2.7 describes it: it reads the available ring from where it left
// off, and puts each buffer it is done with in the used ring.
type fakeDevice struct {
	q         *Queue
	lastAvail uint16
}

// take returns the next offered descriptor, if any.
func (d *fakeDevice) take() (id uint16, desc Desc, ok bool) {
	if d.lastAvail == d.q.avail.Idx {
		return 0, Desc{}, false
	}
	id = d.q.avail.Ring[d.lastAvail%d.q.size]
	d.lastAvail++
	return id, d.q.desc[id], true
}

// use hands buffer id back with n bytes written.
func (d *fakeDevice) use(id uint16, n uint32) {
	d.q.used.Ring[d.q.used.Idx%d.q.size] = usedElem{ID: uint32(id), Len: n}
	d.q.used.Idx++
}

func newQueue(t *testing.T, size uint16) (*Queue, *fakeDevice) {
	t.Helper()
	mem := new([4096 / 8]uint64) // one frame, 8-byte aligned
	q := new(Queue)
	if !q.Init(7, unsafe.Pointer(mem), 0x10_0000, size) {
		t.Fatalf("Init(size %d) failed", size)
	}
	return q, &fakeDevice{q: q}
}

func TestQueueLayout(t *testing.T) {
	if QueueBytes > 4096 {
		t.Fatalf("a queue takes %d bytes, more than a frame", QueueBytes)
	}
	if unsafe.Sizeof(Desc{}) != 16 || unsafe.Sizeof(usedElem{}) != 8 {
		t.Fatalf("descriptor %d bytes, used element %d: virtio says 16 and 8", unsafe.Sizeof(Desc{}), unsafe.Sizeof(usedElem{}))
	}
	if availOffset+unsafe.Sizeof(availRing{})+2 > usedOffset || usedOffset%4 != 0 {
		t.Fatalf("the available ring (%d bytes at %d) overlaps the used ring at %d", unsafe.Sizeof(availRing{}), availOffset, usedOffset)
	}
	q, _ := newQueue(t, 64)
	if q.DescPhys != 0x10_0000 || q.AvailPhys != 0x10_0000+availOffset || q.UsedPhys != 0x10_0000+usedOffset {
		t.Errorf("physical addresses %#x %#x %#x", q.DescPhys, q.AvailPhys, q.UsedPhys)
	}
	if q.avail.Flags != availNoInterrupt {
		t.Errorf("available ring flags %#x, want NO_INTERRUPT", q.avail.Flags)
	}
	for _, size := range []uint16{0, 3, 48, 128} {
		if new(Queue).Init(0, unsafe.Pointer(new([512]uint64)), 0, size) {
			t.Errorf("Init accepted size %d", size)
		}
	}
}

// TestQueueRoundTrip offers receive buffers, lets the device fill them in
// an order of its own, and reads them back, across the 16-bit wrap of the
// free-running indices.
func TestQueueRoundTrip(t *testing.T) {
	for _, size := range []uint16{1, 2, 8, 64} {
		q, dev := newQueue(t, size)
		for i := uint16(0); i < size; i++ {
			q.SetBuffer(i, 0x20_0000+uint64(i)*4096, 4096, true)
			q.Offer(i)
		}
		if q.Outstanding() != size {
			t.Fatalf("size %d: %d outstanding, want all", size, q.Outstanding())
		}
		written := uint32(0)
		for round := 0; round < 70000/int(size)+3; round++ {
			// The device takes what is offered and uses it.
			var took []uint16
			for {
				id, d, ok := dev.take()
				if !ok {
					break
				}
				if d.Flags&DescWrite == 0 || d.Len != 4096 || d.Addr != 0x20_0000+uint64(id)*4096 {
					t.Fatalf("size %d round %d: descriptor %d is %+v", size, round, id, d)
				}
				took = append(took, id)
			}
			if len(took) != int(size) {
				t.Fatalf("size %d round %d: the device found %d buffers, want %d", size, round, len(took), size)
			}
			for k := len(took) - 1; k >= 0; k-- { // in reverse: the device chooses the order
				written++
				dev.use(took[k], written%4097)
			}
			// The driver reads them back in used-ring order and offers
			// each again.
			for k := len(took) - 1; k >= 0; k-- {
				if !q.HasUsed() {
					t.Fatalf("size %d round %d: nothing used", size, round)
				}
				id, n, ok := q.Used()
				want := written - uint32(k)
				if !ok || id != took[k] || n != want%4097 {
					t.Fatalf("size %d round %d: Used() = %d, %d, %v; want %d, %d", size, round, id, n, ok, took[k], want%4097)
				}
				q.SetBuffer(id, 0x20_0000+uint64(id)*4096, 4096, true)
				q.Offer(id)
			}
			if q.HasUsed() {
				t.Fatalf("size %d round %d: a used buffer left over", size, round)
			}
		}
		if q.nextAvail < size || q.avail.Idx != q.nextAvail || q.avail.Flags != availNoInterrupt {
			t.Errorf("size %d: index %d (ring says %d), flags %#x", size, q.nextAvail, q.avail.Idx, q.avail.Flags)
		}
		if written < 65536 {
			t.Errorf("size %d: only %d buffers, the indices did not wrap", size, written)
		}
	}
}

// TestQueueTransmit is the output path: one buffer the device reads,
// offered, used, offered again.
func TestQueueTransmit(t *testing.T) {
	q, dev := newQueue(t, 4)
	for i := 0; i < 10; i++ {
		q.SetBuffer(0, 0x30_0000, uint32(100+i), false)
		q.Offer(0)
		if q.HasUsed() {
			t.Fatalf("used before the device did anything")
		}
		id, d, ok := dev.take()
		if !ok || id != 0 || d.Len != uint32(100+i) || d.Flags != 0 {
			t.Fatalf("device took %d %+v %v", id, d, ok)
		}
		dev.use(id, 0)
		if id, n, ok := q.Used(); !ok || id != 0 || n != 0 {
			t.Fatalf("Used() = %d, %d, %v", id, n, ok)
		}
	}
}

// TestQueueChain: a request in three parts, as virtio-blk sends one
// (header, data, status), is one chain the device walks from its head;
// SetBuffer unlinks a descriptor again.
func TestQueueChain(t *testing.T) {
	q, dev := newQueue(t, 8)
	q.SetBuffer(0, 0x1000, 16, false)
	q.SetBuffer(1, 0x2000, 4096, true)
	q.SetBuffer(2, 0x3000, 1, true)
	q.Chain(0, 1)
	q.Chain(1, 2)
	q.Offer(0)
	id, d, ok := dev.take()
	if !ok || id != 0 {
		t.Fatalf("take = %d, %v", id, ok)
	}
	var walked []Desc
	for {
		walked = append(walked, d)
		if d.Flags&DescNext == 0 {
			break
		}
		d = q.desc[d.Next]
	}
	if len(walked) != 3 || walked[1].Addr != 0x2000 || walked[1].Flags&DescWrite == 0 || walked[2].Addr != 0x3000 {
		t.Fatalf("the chain is %+v", walked)
	}
	q.SetBuffer(1, 0x2000, 4096, false)
	if q.desc[1].Flags != 0 {
		t.Errorf("SetBuffer left flags %#x", q.desc[1].Flags)
	}
}

// FuzzQueueUsed: a device that writes anything into the used ring — IDs
// past the queue, any lengths, an index that jumps ahead — never makes
// Used name a descriptor outside the queue, and Used stops once it has
// caught up with the index.
func FuzzQueueUsed(f *testing.F) {
	f.Add(uint16(3), []byte{1, 0, 0, 0, 200, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0})
	f.Add(uint16(0xffff), []byte{})
	f.Fuzz(func(t *testing.T, idx uint16, entries []byte) {
		const size = 64
		q, _ := newQueue(t, size)
		for k := 0; k+8 <= len(entries) && k/8 < size; k += 8 {
			e := entries[k:]
			q.used.Ring[k/8] = usedElem{ID: uint32(e[0]) | uint32(e[1])<<8 | uint32(e[2])<<16 | uint32(e[3])<<24, Len: uint32(e[4]) | uint32(e[7])<<24}
		}
		q.used.Idx = idx
		n := 0
		for ; q.HasUsed(); n++ {
			i, _, ok := q.Used()
			if !ok || i >= size {
				t.Fatalf("Used() = %d, %v with the device's index at %d", i, ok, idx)
			}
		}
		if n != int(idx) {
			t.Fatalf("Used gave %d buffers for an index of %d", n, idx)
		}
	})
}

// TestQueueNotifyWanted: the driver notifies unless the device set
// VIRTQ_USED_F_NO_NOTIFY in the used ring's flags (virtio 1.2 §2.7.7.2).
func TestQueueNotifyWanted(t *testing.T) {
	q, _ := newQueue(t, 8)
	if !q.NotifyWanted() {
		t.Fatal("a fresh queue (used flags 0) does not want notifications")
	}
	q.used.Flags = usedNoNotify
	if q.NotifyWanted() {
		t.Fatal("NotifyWanted with VIRTQ_USED_F_NO_NOTIFY set")
	}
	q.used.Flags = 0
	if !q.NotifyWanted() {
		t.Fatal("NotifyWanted false after the device cleared the flag")
	}
}

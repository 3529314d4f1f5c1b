// Package net drives a virtio network device (virtio 1.2 §5.1): it sends
// and receives whole Ethernet frames, one receive queue and one transmit
// queue, and knows nothing of the protocols inside them. The kernel gives
// the device to a program as /dev/net0 (kernel/fs/devfs/net.go), a
// tap-like file: a read is one received frame, a write one frame to send.
//
// No offloads are negotiated (no checksum, no segmentation, no mergeable
// receive buffers), so every frame the device hands over is complete and
// checked, and every frame sent carries its own checksums. Each buffer is
// half a frame of kernel memory: the 12-byte virtio_net_hdr, then at most
// 1514 bytes of frame (§5.1.6.3.1: without mergeable buffers and offloads a
// receive buffer must hold 1526 bytes).
//
// Poll looks at the used rings when the kernel is entered. Where the
// kernel routes interrupts through the APICs, the receive queue also
// interrupts through MSI-X (virtio.Device.UseMSIX), so that a frame's
// arrival enters the kernel at once; elsewhere the kernel polls while
// someone waits (devfs.PollDeadline).
package net

import (
	"github.com/gobare/gobare/kernel/dev/pci"
	"github.com/gobare/gobare/kernel/dev/virtio"
	"github.com/gobare/gobare/kernel/mem"
)

// PCI device IDs (virtio 1.2 §4.1.2.1, §5.1.1): network is device type 1.
const (
	typeNet  = 1
	transNet = 0x1000
)

// featureMAC: the device has a MAC address in its configuration
// (VIRTIO_NET_F_MAC, virtio 1.2 §5.1.3).
const featureMAC = 1 << 5

// The queues (virtio 1.2 §5.1.2): receiveq1 and transmitq1; no control
// queue (VIRTIO_NET_F_CTRL_VQ is not negotiated).
const (
	queueRx = 0
	queueTx = 1
)

// Frame and buffer sizes.
const (
	// HeaderLen is struct virtio_net_hdr with VERSION_1: flags, gso_type,
	// hdr_len, gso_size, csum_start, csum_offset, num_buffers (§5.1.6).
	HeaderLen = 12
	// MaxFrame is the largest Ethernet frame without its FCS: 14 bytes of
	// header and a 1500-byte payload (the device's default MTU).
	MaxFrame = 1514
	// MinFrame is the Ethernet header: destination, source, type.
	MinFrame  = 14
	bufSize   = 2048 // a buffer: the header and a frame, two per page
	perPage   = mem.PageSize / bufSize
	rxBuffers = virtio.MaxQueueSize
	txBuffers = virtio.MaxQueueSize
)

// ring is one queue with its buffers: buffer i is descriptor i, bufSize
// bytes of kernel memory at phys[i], seen through data[i].
type ring struct {
	q    virtio.Queue
	data [virtio.MaxQueueSize][]byte
	phys [virtio.MaxQueueSize]uint64
	n    int // buffers in use: the queue's size
	// offered: buffers were offered since the device was last notified
	// (Flush).
	offered bool
}

var (
	dev virtio.Device
	up  bool
	mac [6]byte

	rx ring
	tx ring
	// txBusy marks transmit buffers the device has not given back yet.
	txBusy  [txBuffers]bool
	txFree  int
	rxSeen  uint16 // the receive ring's used index at the last Poll
	txSeen  uint16 // the transmit ring's used index at the last Poll
	dropped uint64 // frames received that were too short to carry a header
	// interrupts: the receive queue interrupts (MSI-X).
	interrupts bool
)

// Interrupt says where the receive queue's interrupt goes: a vector on a
// local APIC. Without it the driver is polled only.
type Interrupt struct {
	Use    bool
	Vector uint8
	APICID uint8
}

// Init looks for a virtio network device on the PCI bus and brings it up
// (virtio 1.2 §3.1.1 and §5.1.5): features, the two queues with their
// buffers, every receive buffer offered, the receive interrupt when irq
// asks for one and the device can. It reports whether the device is up;
// why says what failed ("" when there is no device).
func Init(frames *mem.FrameAllocator, space *mem.PageTable, irq Interrupt) (ok bool, why string) {
	a, found := pci.Find(virtio.VendorID, netIDs[:])
	if !found {
		return false, ""
	}
	var e virtio.Err
	if dev, e = virtio.Open(a, frames, space); e != virtio.OK {
		return false, e.String()
	}
	features, e := dev.Start(featureMAC)
	if e != virtio.OK {
		return false, e.String()
	}
	if dev.SetUpQueue(&rx.q, queueRx) != virtio.OK || dev.SetUpQueue(&tx.q, queueTx) != virtio.OK {
		dev.Fail()
		return false, "cannot set up the queues"
	}
	if !rx.buffers(frames) || !tx.buffers(frames) {
		dev.Fail()
		return false, "out of frames for the buffers"
	}
	if features&featureMAC != 0 {
		// The configuration's first six bytes (§5.1.4, struct
		// virtio_net_config: mac[6]), read as two little-endian words.
		lo, hi := dev.Config32(0), dev.Config32(4)
		mac = [6]byte{byte(lo), byte(lo >> 8), byte(lo >> 16), byte(lo >> 24), byte(hi), byte(hi >> 8)}
	} else {
		// No address from the device: a fixed locally administered one
		// (bit 1 of the first byte, IEEE 802 §8.2).
		mac = [6]byte{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}
	}
	for i := 0; i < rx.n; i++ {
		rx.q.SetBuffer(uint16(i), rx.phys[i], bufSize, true)
		rx.q.Offer(uint16(i))
	}
	txFree = tx.n
	interrupts = irq.Use && dev.UseMSIX(&rx.q, irq.Vector, irq.APICID, space)
	dev.Ready() // DRIVER_OK (§3.1.1 step 8)
	dev.Notify(&rx.q)
	rxSeen, txSeen = rx.q.UsedIndex(), tx.q.UsedIndex()
	up = true
	return true, ""
}

// netIDs are the network device's PCI IDs: modern and transitional.
var netIDs = [2]uint16{virtio.ModernBase + typeNet, transNet}

// buffers gives each of the ring's descriptors a buffer, two to a frame.
func (r *ring) buffers(frames *mem.FrameAllocator) bool {
	r.n = int(r.q.Size())
	for i := 0; i < r.n; i += perPage {
		p, ok := frames.Alloc()
		if !ok {
			return false
		}
		page := frames.Page(p)
		for j := 0; j < perPage && i+j < r.n; j++ {
			r.data[i+j] = page[j*bufSize : (j+1)*bufSize]
			r.phys[i+j] = uint64(p) + uint64(j*bufSize)
		}
	}
	return true
}

// Up reports whether the device is running.
func Up() bool { return up }

// Interrupts reports whether a received frame raises an interrupt.
func Interrupts() bool { return interrupts }

// MAC returns the device's Ethernet address.
func MAC() [6]byte { return mac }

// Dropped counts received frames too short to carry a header.
func Dropped() uint64 { return dropped }

// Poll reclaims the transmit buffers the device has sent and reports
// whether anything changed for a reader or writer: frames received, or
// room to send.
func Poll() bool {
	if !up {
		return false
	}
	changed := false
	if u := rx.q.UsedIndex(); u != rxSeen {
		rxSeen = u
		changed = true
	}
	if u := tx.q.UsedIndex(); u != txSeen {
		txSeen = u
		reclaim()
		changed = true
	}
	return changed
}

// reclaim takes back the transmit buffers the device is done with.
func reclaim() {
	for {
		i, _, ok := tx.q.Used()
		if !ok {
			return
		}
		if txBusy[i] {
			txBusy[i] = false
			txFree++
		}
	}
}

// Readable reports whether a received frame is waiting.
func Readable() bool { return up && rx.q.HasUsed() }

// Writable reports whether a frame could be sent now.
func Writable() bool {
	if up && txFree == 0 {
		reclaim()
	}
	return up && txFree > 0
}

// Recv copies the next received frame into p, cut to len(p) as a tap
// device does, and gives its buffer back to the device, notified if it
// asks. ok is false when no frame is waiting.
func Recv(p []byte) (n int, ok bool) {
	n, ok = Take(p)
	Flush()
	return n, ok
}

// Take is Recv without the notification: a caller that takes several
// frames at once notifies the device once, with Flush, when done.
func Take(p []byte) (n int, ok bool) {
	for up {
		i, l, got := rx.q.Used()
		if !got {
			return 0, false
		}
		f, ok := frameIn(rx.data[i], l)
		n = copy(p, f)
		rx.q.SetBuffer(i, rx.phys[i], bufSize, true)
		rx.q.Offer(i)
		rx.offered = true
		if ok {
			return n, true
		}
		dropped++
	}
	return 0, false
}

// Flush notifies the device of the receive buffers given back and the
// frames queued since the last notification, on each queue where it
// asks for one (virtio.Device.Kick). One notification may cover many
// buffers (virtio 1.2 §2.7.13: the driver notifies after it updated the
// available index; the device reads every buffer up to it), and under
// TCG each is an exit into QEMU's device model.
func Flush() {
	for _, r := range [...]*ring{&rx, &tx} {
		if r.offered {
			r.offered = false
			dev.Kick(&r.q)
		}
	}
}

// frameIn returns the frame in receive buffer buf, of which the device
// says it wrote n bytes: what follows the header, up to n or the
// buffer's end, whatever the device claims; ok=false (and no bytes) when
// there is less than a header and an Ethernet header.
func frameIn(buf []byte, n uint32) (frame []byte, ok bool) {
	l := int(min(n, uint32(len(buf))))
	if l < HeaderLen+MinFrame {
		return nil, false
	}
	return buf[HeaderLen:l], true
}

// Send queues frame p (MinFrame to MaxFrame bytes, checked by the caller)
// and notifies the device if it asks. It returns false when every
// transmit buffer is in flight.
func Send(p []byte) bool {
	if !Put(p) {
		return false
	}
	Flush()
	return true
}

// Put is Send without the notification (Take, Flush): it queues p for
// transmission behind a zeroed header (§5.1.6.2: no checksum or
// segmentation offload asked).
func Put(p []byte) bool {
	if !Writable() {
		return false
	}
	i := 0
	for txBusy[i] {
		i++
	}
	b := tx.data[i]
	clear(b[:HeaderLen])
	n := copy(b[HeaderLen:], p)
	txBusy[i] = true
	txFree--
	tx.q.SetBuffer(uint16(i), tx.phys[i], uint32(HeaderLen+n), false)
	tx.q.Offer(uint16(i))
	tx.offered = true
	return true
}

package devfs

import (
	virtnet "github.com/gobare/gobare/kernel/dev/virtio/net"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// /dev/net0 is the network device as a tap-like file (Linux
// drivers/net/tun.c with IFF_TAP|IFF_NO_PI): a read takes one received
// Ethernet frame (cut to the buffer, as tap does), a write sends one, and
// epoll reports EPOLLIN while a frame waits and EPOLLOUT while one could be
// sent. A read with no frame, or a write with every transmit buffer in
// flight, is EAGAIN (the caller waits, unless O_NONBLOCK). The frame is
// the whole of what crosses: the network service (docs/design.md,
// Networking) runs its TCP/IP stack over it as over any NIC.
//
// /dev/net0batch is the same device, several frames to a system call
// (Linux's tap has no such mode; its users batch with vhost-net or
// AF_PACKET rings): a read fills the buffer with SlotSize slots, one
// received frame each, as many as wait and fit, and a write sends the
// frame of each slot it is given. A slot is the frame's length (a
// little-endian uint16), the frame, and padding to SlotSize, so a slot
// never straddles the system call layer's 4 KiB chunks. A read or write
// shorter than a slot is EINVAL; a write stops at the first slot whose
// length is out of bounds (EINVAL when it is the first) or when every
// transmit buffer is in flight (EAGAIN when nothing was sent). The
// network service reads and writes the device this way once DHCP is
// done: under TCG every kernel entry is thousands of instructions, and a
// download's frames come twenty to a burst.

// netFile is the open /dev/net0. The device has one owner at a time (the
// network service, when there is one): a second open is EBUSY, as
// attaching a second process to a tap interface is on Linux.
type netFile struct {
	vfs.Base
	batch bool // opened as /dev/net0batch
}

// SlotSize is the size of a frame's slot in /dev/net0batch.
const SlotSize = 2048

var netDev netFile

// rxWanted: a read found no frame (or epoll asked and none was there);
// txWanted: a write found no room (or epoll asked). Someone may be
// waiting for what only a Poll will notice.
var rxWanted, txWanted bool

// netKey is the key readers and writers of /dev/net0 wait on.
func netKey() uintptr { return vfs.KeyOf(&netDev) }

// openNet claims the description of /dev/net0 (or /dev/net0batch:
// batch), unless it is open.
func openNet(flags uint32, batch bool) (vfs.File, errno.Errno) {
	if !netDev.Free() {
		return nil, errno.EBUSY
	}
	netDev.Base.Open(flags)
	netDev.batch = batch
	return &netDev, 0
}

// pollNet wakes the waiters of /dev/net0 when the device received a
// frame or sent one (making room).
func pollNet() {
	if virtnet.Poll() {
		vfs.Changed(netKey())
	}
}

// netWaiting reports whether the timer must keep coming to look at the
// device for a waiter: one waiting to send (the transmit queue does not
// interrupt), or to receive when the receive queue does not either.
func netWaiting() bool {
	return virtnet.Up() && (txWanted || rxWanted && !virtnet.Interrupts())
}

// Read takes one received frame, or in batch mode as many as fit.
func (f *netFile) Read(p []byte) (int, errno.Errno) {
	if f.batch {
		return readSlots(p)
	}
	n, ok := virtnet.Recv(p)
	rxWanted = !ok
	if !ok {
		return 0, errno.EAGAIN
	}
	return n, 0
}

// Write sends p as one frame: an Ethernet header and at most 1500 bytes
// of payload, else EINVAL. In batch mode, p is slots.
func (f *netFile) Write(p []byte) (int, errno.Errno) {
	if f.batch {
		return writeSlots(p)
	}
	if len(p) < virtnet.MinFrame || len(p) > virtnet.MaxFrame {
		return 0, errno.EINVAL
	}
	ok := virtnet.Send(p)
	txWanted = !ok
	if !ok {
		return 0, errno.EAGAIN
	}
	return len(p), 0
}

// readSlots fills p's whole slots with received frames, and notifies
// the device once for the buffers given back.
func readSlots(p []byte) (int, errno.Errno) {
	if len(p) < SlotSize {
		return 0, errno.EINVAL
	}
	n := 0
	for ; n+SlotSize <= len(p); n += SlotSize {
		l, ok := virtnet.Take(p[n+2 : n+SlotSize])
		if !ok {
			break
		}
		p[n], p[n+1] = byte(l), byte(l>>8)
	}
	virtnet.Flush()
	rxWanted = n == 0
	if n == 0 {
		return 0, errno.EAGAIN
	}
	return n, 0
}

// writeSlots sends the frame of each of p's slots, while there is room,
// and notifies the device once for them all.
func writeSlots(p []byte) (int, errno.Errno) {
	if len(p) < SlotSize {
		return 0, errno.EINVAL
	}
	n, err := 0, errno.Errno(0)
	txWanted = false
	for ; n+SlotSize <= len(p); n += SlotSize {
		l := int(p[n]) | int(p[n+1])<<8
		if l < virtnet.MinFrame || l > virtnet.MaxFrame {
			if n == 0 {
				err = errno.EINVAL
			}
			break
		}
		if !virtnet.Put(p[n+2 : n+2+l]) {
			txWanted = true
			if n == 0 {
				err = errno.EAGAIN
			}
			break
		}
	}
	virtnet.Flush()
	return n, err
}

func (f *netFile) Events() uint32 {
	var ev uint32
	// An epoll waiter may be waiting for what is not ready.
	if virtnet.Readable() {
		ev |= vfs.EventIn
	} else {
		rxWanted = true
	}
	if virtnet.Writable() {
		ev |= vfs.EventOut
	} else {
		txWanted = true
	}
	return ev
}

func (f *netFile) Stat(st *vfs.Stat) errno.Errno {
	*st = vfs.Stat{Ino: devNet0 + 2, Mode: vfs.ModeCharFile, Nlink: 1}
	return 0
}

// Pollable: epoll may watch it.
func (f *netFile) Pollable() bool { return true }

// WaitKey: the device's waiters wait on it.
func (f *netFile) WaitKey() uintptr { return netKey() }

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

// netFile is the open /dev/net0. The device has one owner at a time (the
// network service, when there is one): a second open is EBUSY, as
// attaching a second process to a tap interface is on Linux.
type netFile struct{ vfs.Base }

var netDev netFile

// rxWanted: a read found no frame (or epoll asked and none was there);
// txWanted: a write found no room (or epoll asked). Someone may be
// waiting for what only a Poll will notice.
var rxWanted, txWanted bool

// netKey is the key readers and writers of /dev/net0 wait on.
func netKey() uintptr { return vfs.KeyOf(&netDev) }

// openNet claims the description of /dev/net0, unless it is open.
func openNet(flags uint32) (vfs.File, errno.Errno) {
	if !netDev.Free() {
		return nil, errno.EBUSY
	}
	netDev.Base.Open(flags)
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

// Read takes one received frame.
func (f *netFile) Read(p []byte) (int, errno.Errno) {
	n, ok := virtnet.Recv(p)
	rxWanted = !ok
	if !ok {
		return 0, errno.EAGAIN
	}
	return n, 0
}

// Write sends p as one frame: an Ethernet header and at most 1500 bytes
// of payload, else EINVAL.
func (f *netFile) Write(p []byte) (int, errno.Errno) {
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

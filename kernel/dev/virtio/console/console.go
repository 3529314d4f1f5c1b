// Package console drives a virtio console device (virtio 1.2 §5.3) in its
// multiport form, which carries the program's standard streams: one port
// each for standard input, output and error, so that what the program
// writes on descriptor 1 and 2 reaches the host apart and byte for byte,
// and standard input has an end (the host closing the port). The kernel's
// own messages stay on the serial line (kernel/console).
//
// The ports are fixed by number, which the launcher sets (qemu/args.go):
// 1 standard input, 2 standard output, 3 standard error. Port 0 is
// QEMU's reserved console port and is not used.
//
// Writes are synchronous: each page is offered and the driver waits until
// the device has used it, so a write system call is complete (the bytes
// are with the host) when it returns, and nothing is in flight when the
// program exits. (Up to 16 pages in flight made standard output about
// twice as fast on a loaded host; one page at a time is simpler.)
//
// Reads come from a ring of receive buffers the device fills; no byte is
// ever dropped: when the buffers are full the device (QEMU) stops reading
// from the host. There are no interrupts: Poll looks at the used rings on
// every kernel entry, and while a read of standard input waits the kernel
// keeps its (otherwise tickless) timer firing to come and look
// (devfs.PollDeadline).
package console

import (
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/pci"
	"github.com/gobare/gobare/kernel/dev/virtio"
	"github.com/gobare/gobare/kernel/mem"
)

// The ports.
const (
	PortStdin  = 1
	PortStdout = 2
	PortStderr = 3
	numPorts   = 4
)

// Features (virtio 1.2 §5.3.3).
const featureMultiport = 1 << 1 // VIRTIO_CONSOLE_F_MULTIPORT: ports and the control queues

// Control message events (virtio 1.2 §5.3.6.2).
const (
	eventDeviceReady = 0 // driver → device: ready for ports (value 1)
	eventDeviceAdd   = 1 // device → driver: port id exists
	eventPortReady   = 3 // driver → device: port id set up (value 1) or not (0)
	eventPortOpen    = 6 // both ways: the port is open (value 1) or closed (0)
)

// The queues of a multiport device (virtio 1.2 §5.3.2): port 0's receive
// and transmit queues, the control receive and transmit queues, then a
// pair per further port: port p receives on 2+2p and transmits on 3+2p.
const (
	queueCtrlRx = 2
	queueCtrlTx = 3
)

func rxQueue(port int) uint16 { return uint16(2 + 2*port) }
func txQueue(port int) uint16 { return uint16(3 + 2*port) }

// Buffers: stdinBuffers pages that the device fills with standard input,
// one page per output port, and control messages in ctrlMsgSize slots of
// one page (a control message is 8 bytes; PORT_NAME adds the name, which
// is cut at the slot's end).
const (
	stdinBuffers = 32
	ctrlMsgSize  = 64
	ctrlRxSlots  = 16
)

var (
	dev virtio.Device
	up  bool

	ctrlRx, ctrlTx virtio.Queue
	ctrlPage       []byte // slots 0..ctrlRxSlots-1 receive, the last slot sends
	ctrlPhys       uint64

	inRx         virtio.Queue
	inPages      [stdinBuffers][]byte
	inPhys       [stdinBuffers]uint64
	inCur        = -1 // the buffer being read, -1: none
	inOff, inLen int
	inSeen       uint16 // used entries seen by Poll
	outTx        [numPorts]virtio.Queue
	outPage      [numPorts][]byte
	outPhys      [numPorts]uint64
	ready        [numPorts]bool
	// closed: the host closed the port (PORT_OPEN 0). For standard
	// input that is its end; output to a closed port fails (EPIPE).
	closed [numPorts]bool
	// opened: the host side was connected (PORT_OPEN 1) at some point.
	opened [numPorts]bool
)

// Init looks for a virtio console on the PCI bus and brings it up with
// the three ports. It reports whether the ports are ready; when not
// (no device, or a device without them), the kernel keeps the serial
// console and why is in the returned string ("" when there is no device).
func Init(frames *mem.FrameAllocator, space *mem.PageTable) (bool, string) {
	a, ok := pci.Find(virtio.VendorID, consoleIDs[:])
	if !ok {
		return false, ""
	}
	var e virtio.Err
	if dev, e = virtio.Open(a, frames, space); e != virtio.OK {
		return false, e.String()
	}
	if _, e = dev.Start(featureMultiport); e != virtio.OK {
		return false, e.String()
	}
	if why := setUp(); why != "" {
		dev.Fail()
		return false, why
	}
	dev.Ready() // DRIVER_OK (§3.1.1 step 8)
	dev.Notify(&ctrlRx)
	dev.Notify(&inRx)
	// The multiport handshake (virtio 1.2 §5.3.6.2): DEVICE_READY makes
	// the device announce each port (DEVICE_ADD); pollControl answers
	// each with PORT_READY and PORT_OPEN, and the device tells whether
	// the host side is connected (PORT_OPEN).
	if !sendControl(0, eventDeviceReady, 1) {
		dev.Fail()
		return false, "the device does not take control messages"
	}
	for i := 0; i < 1_000_000 && !(ready[PortStdin] && ready[PortStdout] && ready[PortStderr]); i++ {
		pollControl()
		cpu.Pause()
	}
	if !(ready[PortStdin] && ready[PortStdout] && ready[PortStderr]) {
		dev.Fail()
		return false, "the device has no ports 1, 2 and 3"
	}
	pollControl() // the answers to the last PORT_READY
	// The device answers PORT_READY with PORT_OPEN 1 when the host side
	// is connected, before it takes the next message. A port that got
	// none has no host: standard input is at its end at once (a host
	// that went away before the driver was up would otherwise leave a
	// reader waiting forever), output to it fails.
	for _, port := range [3]int{PortStdin, PortStdout, PortStderr} {
		if !opened[port] {
			closed[port] = true
		}
	}
	inSeen = inRx.UsedIndex()
	up = true
	return true, ""
}

// consoleIDs are the console's PCI device IDs: modern and transitional.
var consoleIDs = [2]uint16{virtio.ModernBase + virtio.TypeConsole, virtio.TransConsole}

// setUp sets up the queues and buffers (virtio 1.2 §3.1.1 step 7).
func setUp() string {
	if dev.Config32(4) < numPorts { // max_nr_ports (§5.3.4)
		return "the device has fewer than 4 ports"
	}
	frames := dev.Frames()
	if dev.SetUpQueue(&ctrlRx, queueCtrlRx) != virtio.OK || dev.SetUpQueue(&ctrlTx, queueCtrlTx) != virtio.OK ||
		dev.SetUpQueue(&inRx, rxQueue(PortStdin)) != virtio.OK ||
		dev.SetUpQueue(&outTx[PortStdout], txQueue(PortStdout)) != virtio.OK ||
		dev.SetUpQueue(&outTx[PortStderr], txQueue(PortStderr)) != virtio.OK {
		return "cannot set up the queues"
	}
	p, ok := frames.Alloc()
	if !ok {
		return "out of frames"
	}
	ctrlPage, ctrlPhys = frames.Page(p), uint64(p)
	for i := uint16(0); i < ctrlRxSlots && i < ctrlRx.Size(); i++ {
		ctrlRx.SetBuffer(i, ctrlPhys+uint64(i)*ctrlMsgSize, ctrlMsgSize, true)
		ctrlRx.Offer(i)
	}
	for i := 0; i < stdinBuffers && i < int(inRx.Size()); i++ {
		p, ok := frames.Alloc()
		if !ok {
			return "out of frames"
		}
		inPages[i], inPhys[i] = frames.Page(p), uint64(p)
		inRx.SetBuffer(uint16(i), inPhys[i], mem.PageSize, true)
		inRx.Offer(uint16(i))
	}
	for _, port := range [2]int{PortStdout, PortStderr} {
		p, ok := frames.Alloc()
		if !ok {
			return "out of frames"
		}
		outPage[port], outPhys[port] = frames.Page(p), uint64(p)
	}
	return ""
}

// Up reports whether the ports carry the standard streams.
func Up() bool { return up }

// sendControl sends a control message (struct virtio_console_control:
// le32 id, le16 event, le16 value; §5.3.6.2) and waits until the device
// has taken it; false when it does not within a bounded wait (a broken
// device must not hang the boot).
func sendControl(id uint32, event, value uint16) bool {
	slot := ctrlRxSlots * ctrlMsgSize
	m := ctrlPage[slot : slot+8]
	m[0], m[1], m[2], m[3] = byte(id), byte(id>>8), byte(id>>16), byte(id>>24)
	m[4], m[5], m[6], m[7] = byte(event), byte(event>>8), byte(value), byte(value>>8)
	ctrlTx.SetBuffer(0, ctrlPhys+uint64(slot), 8, false)
	ctrlTx.Offer(0)
	dev.Notify(&ctrlTx)
	for i := 0; !ctrlTx.HasUsed(); i++ {
		if i > 10_000_000 {
			return false
		}
		cpu.Pause()
	}
	ctrlTx.Used()
	return true
}

// pollControl handles the control messages the device sent. A change of
// standard input's state (its host side closed) is kept in stdinChanged
// for Poll, whoever called pollControl (Read, Write, Init).
func pollControl() {
	any := false
	for {
		i, n, ok := ctrlRx.Used()
		if !ok {
			break
		}
		any = true
		if n >= 8 {
			m := ctrlPage[int(i)*ctrlMsgSize:]
			id := uint32(m[0]) | uint32(m[1])<<8 | uint32(m[2])<<16 | uint32(m[3])<<24
			event := uint16(m[4]) | uint16(m[5])<<8
			value := uint16(m[6]) | uint16(m[7])<<8
			if handleControl(id, event, value) {
				stdinChanged = true
			}
		}
		ctrlRx.SetBuffer(i, ctrlPhys+uint64(i)*ctrlMsgSize, ctrlMsgSize, true)
		ctrlRx.Offer(i) // give the slot back
	}
	if any {
		dev.Notify(&ctrlRx)
	}
}

// stdinChanged: a control message changed standard input's state since
// the last Poll.
var stdinChanged bool

// handleControl acts on one control message from the device.
func handleControl(id uint32, event, value uint16) bool {
	switch event {
	case eventDeviceAdd:
		if id != PortStdin && id != PortStdout && id != PortStderr {
			sendControl(id, eventPortReady, 0) // not a port we use
			return false
		}
		sendControl(id, eventPortReady, 1)
		sendControl(id, eventPortOpen, 1) // the guest side is open: the device may send
		ready[id] = true
	case eventPortOpen:
		if id < numPorts {
			closed[id] = value == 0
			opened[id] = opened[id] || value != 0
			return id == PortStdin
		}
	}
	return false
}

// Poll handles what the device did since the last Poll and reports
// whether standard input changed: new bytes, or its end.
func Poll() bool {
	if !up {
		return false
	}
	pollControl()
	changed := stdinChanged
	stdinChanged = false
	if u := inRx.UsedIndex(); u != inSeen {
		inSeen = u
		changed = true
	}
	return changed
}

// Readable reports whether Read would return bytes or the end of input.
func Readable() bool {
	return up && (inCur >= 0 || inRx.HasUsed() || closed[PortStdin])
}

// Read takes standard input's bytes, as many as are there and fit in p.
// With none, eof says whether the input has ended (else a read would
// wait). The control queue is looked at first: the device used every
// buffer of the input before it reported the port closed, so a close
// seen before the receive ring is looked at covers all the bytes.
func Read(p []byte) (n int, eof bool) {
	pollControl()
	ended := closed[PortStdin]
	refill := false
	for n < len(p) {
		if inCur < 0 {
			i, l, ok := inRx.Used()
			if !ok {
				break
			}
			inCur, inOff, inLen = int(i), 0, int(min(l, mem.PageSize))
		}
		k := copy(p[n:], inPages[inCur][inOff:inLen])
		n += k
		inOff += k
		if inOff == inLen { // all read: give the buffer back to the device
			inRx.SetBuffer(uint16(inCur), inPhys[inCur], mem.PageSize, true)
			inRx.Offer(uint16(inCur))
			inCur = -1
			refill = true
		}
	}
	if refill {
		dev.Notify(&inRx)
	}
	return n, n == 0 && ended
}

// Write sends p on an output port (PortStdout or PortStderr), a page at
// a time, each page offered to the device and waited for. ok is false
// when the host closed the port: the bytes go nowhere (EPIPE).
func Write(port int, p []byte) (n int, ok bool) {
	if port != PortStdout && port != PortStderr {
		return 0, false
	}
	q := &outTx[port]
	for n < len(p) {
		if pollControl(); closed[port] {
			return n, n > 0
		}
		k := copy(outPage[port], p[n:])
		q.SetBuffer(0, outPhys[port], uint32(k), false)
		q.Offer(0)
		dev.Notify(q)
		for !q.HasUsed() { // the device has written it to the host
			if pollControl(); closed[port] {
				// The host side went away with the page in
				// flight: QEMU keeps it and never gives it
				// back, so waiting would spin for ever. The
				// port stays closed, so the page is not
				// offered again.
				return n, n > 0
			}
			cpu.Pause()
		}
		q.Used()
		n += k
	}
	return n, true
}

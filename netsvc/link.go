package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"syscall"
	"time"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/checksum"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/seqnum"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/stack/gro"
)

// The link: gVisor's channel endpoint, wrapped by its Ethernet endpoint
// (which adds and strips the 14-byte header and asks for ARP), carries
// whole frames between the stack and /dev/net0batch, the kernel's
// device file (kernel/fs/devfs/net.go) in the mode where one read takes
// every frame waiting (up to 32, each in a 2 KiB slot) and one write
// sends several: under TCG each system call is thousands of guest
// instructions, and a download's frames come about twenty to a burst.
// (DHCP runs first over /dev/net0, a frame a call.) Two goroutines move
// them. The file is
// non-blocking and goes through Go's netpoller (epoll), so a goroutine
// with nothing to do parks instead of sleeping in read(2): a thread in a
// blocking system call keeps its P (the only one on one CPU: GOMAXPROCS
// is the CPU count), and every goroutine it readied — gVisor's TCP processors,
// the socket loop — would wait for sysmon to take the P back, up to
// 10 ms when the service has been idle.
//
// Received frames pass through gVisor's generic receive offload (GRO)
// between the Ethernet endpoint and the stack: the TCP segments of one
// flow that arrive together — the frames read before the device has
// none left — are joined into one larger segment (up to 64 KiB) before
// IP and TCP see them, so a bulk download pays for IP, TCP, the wake-up
// of gVisor's TCP processor and the socket loop's pump once per burst
// instead of once per 1,448 bytes. QEMU's user network hands frames over
// in bursts (a download's come about twenty to a burst: libslirp's
// socket buffer). Segments that cannot join (another flow, flags,
// options, a gap in the sequence) go up as they came.
//
// GRO joins only segments whose checksums are known to be right
// (PacketBuffer.RXChecksumValidated), and its own check of the TCP
// checksum sums the payload from an offset counted from the start of
// the frame rather than from the IP header, so it fails on every frame
// whose Ethernet header the link endpoint consumed: nothing would join.
// So checkTCP4 checks an IPv4 TCP segment's two checksums first and
// marks it checked; a joined segment's checksums are then made right for
// its new length (mendTCP4), because the stack checks them again (the
// NIC trusts a packet's mark only from a device that offloads receive
// checksums, which this one does not claim). Corrupt frames are never
// marked, so they go up alone, and IP or TCP drops them.

// maxFrame is the largest Ethernet frame /dev/net0 carries (1500 bytes
// of payload and the header, no FCS).
const maxFrame = 1514

// outQueue is how many frames the stack may have waiting for the device.
const outQueue = 256

// groBatch is how many frames are read before GRO's segments go up even
// though the device has more: a bound on how long a segment waits.
const groBatch = 64

// link is the Ethernet interface the stack attaches to.
type link struct {
	*ethernet.Endpoint
	ch  *channel.Endpoint
	gro gro.GRO
	ack *stack.PacketBuffer // a pure ACK held back (thin)
	// pushes is where each flow's peer last pushed (delack.go): the
	// receiving goroutine notes it, the transmitting one reads it.
	pushes pushEnds
}

// newLink returns the interface with Ethernet address mac, its frames
// not yet moving (run starts them).
func newLink(mac tcpip.LinkAddress) *link {
	l := &link{ch: channel.New(outQueue, maxFrame, mac)}
	l.Endpoint = ethernet.New(l.ch)
	l.gro.Init(true)
	return l
}

// Attach puts GRO between the Ethernet endpoint and the stack's
// dispatcher d.
func (l *link) Attach(d stack.NetworkDispatcher) {
	if d == nil {
		l.Endpoint.Attach(nil)
		return
	}
	l.gro.Dispatcher = toStack{d}
	l.Endpoint.Attach(toGRO{l})
}

// toGRO is the dispatcher the Ethernet endpoint delivers to: network
// packets go into GRO (which wants their protocol in the packet), IPv4
// TCP segments checked first and their pushes noted (delack.go), pure
// ACKs thinned, and segments without data around it (past).
type toGRO struct{ l *link }

func (g toGRO) DeliverNetworkPacket(proto tcpip.NetworkProtocolNumber, pkt *stack.PacketBuffer) {
	pkt.NetworkProtocolNumber = proto
	if proto == header.IPv4ProtocolNumber {
		checkTCP4(pkt)
		g.l.pushes.pushed(pkt)
		if g.l.thin(pkt) {
			return
		}
	}
	g.l.flushAck()
	if proto == header.IPv4ProtocolNumber && emptyTCP4(pkt) {
		g.l.past(pkt)
		return
	}
	g.l.gro.Enqueue(pkt)
}

// emptyTCP4 reports whether pkt, an IPv4 packet, is a checked TCP
// segment without data (checkTCP4 made its lengths consistent).
func emptyTCP4(pkt *stack.PacketBuffer) bool {
	h, ok := pkt.Data().PullUp(header.IPv4MinimumSize + header.TCPMinimumSize)
	return ok && pkt.RXChecksumValidated &&
		pkt.Data().Size() == header.IPv4MinimumSize+int(header.TCP(h[header.IPv4MinimumSize:]).DataOffset())
}

// past sends an IPv4 TCP segment without data up after what GRO holds,
// not through GRO: gVisor's joins such a segment to the data of its flow
// held before it (contiguous, the same acknowledgment and options), and
// its window update, or its count as a duplicate ACK, would be lost;
// Linux's tcp_gro_receive never joins one (its "(len - 1) >= mss"
// flush).
func (l *link) past(pkt *stack.PacketBuffer) {
	l.gro.Flush()
	l.gro.Dispatcher.DeliverNetworkPacket(header.IPv4ProtocolNumber, pkt)
}

func (g toGRO) DeliverLinkPacket(proto tcpip.NetworkProtocolNumber, pkt *stack.PacketBuffer) {
	g.l.gro.Dispatcher.DeliverLinkPacket(proto, pkt)
}

// thin holds a checked pure ACK (no data, no options, no flag but ACK)
// back as the link's pending ACK, and reports whether it did. A pending
// ACK that the new one supersedes — same flow, same sequence number, a
// later acknowledgment — is dropped: TCP's ACKs are cumulative, and the
// later one says all it said (the window in it is the newer). A
// duplicate ACK supersedes nothing, so the sender still counts every
// one. Anything else sends the pending ACK up first, so nothing is
// reordered. (libslirp acknowledges every segment the service sends: an
// upload's bursts come back as about twenty ACKs, each a pass through
// gVisor's TCP sender, where one says the same.)
func (l *link) thin(pkt *stack.PacketBuffer) bool {
	if !pkt.RXChecksumValidated || pkt.Data().Size() != header.IPv4MinimumSize+header.TCPMinimumSize {
		return false
	}
	h, _ := pkt.Data().PullUp(header.IPv4MinimumSize + header.TCPMinimumSize)
	ip, tcp := header.IPv4(h), header.TCP(h[header.IPv4MinimumSize:])
	if tcp.Flags() != header.TCPFlagAck || tcp.DataOffset() != header.TCPMinimumSize {
		return false
	}
	if p := l.ack; p != nil {
		ph, _ := p.Data().PullUp(header.IPv4MinimumSize + header.TCPMinimumSize)
		pip, ptcp := header.IPv4(ph), header.TCP(ph[header.IPv4MinimumSize:])
		if ip.SourceAddress() == pip.SourceAddress() && ip.DestinationAddress() == pip.DestinationAddress() &&
			tcp.SourcePort() == ptcp.SourcePort() && tcp.DestinationPort() == ptcp.DestinationPort() &&
			tcp.SequenceNumber() == ptcp.SequenceNumber() &&
			seqnum.Value(ptcp.AckNumber()).LessThan(seqnum.Value(tcp.AckNumber())) {
			p.DecRef()
			l.ack = pkt.IncRef()
			return true
		}
	}
	l.flushAck()
	l.ack = pkt.IncRef()
	return true
}

// flushAck sends the pending ACK up, after what GRO holds (past).
func (l *link) flushAck() {
	if l.ack != nil {
		l.past(l.ack)
		l.ack.DecRef()
		l.ack = nil
	}
}

// toStack is the dispatcher GRO hands its packets to: joined segments'
// checksums mended, then the stack.
type toStack struct{ stack.NetworkDispatcher }

func (d toStack) DeliverNetworkPacket(proto tcpip.NetworkProtocolNumber, pkt *stack.PacketBuffer) {
	if pkt.RXChecksumValidated && proto == header.IPv4ProtocolNumber {
		mendTCP4(pkt)
	}
	d.NetworkDispatcher.DeliverNetworkPacket(proto, pkt)
}

// checkTCP4 marks an IPv4 TCP segment checked (RXChecksumValidated) when
// its IP header's and its TCP checksums are right (cutting a short
// frame's Ethernet padding off first, as IP would), and leaves anything
// else (options, fragments, another protocol) to IP and TCP to check.
func checkTCP4(pkt *stack.PacketBuffer) {
	h, ok := pkt.Data().PullUp(header.IPv4MinimumSize)
	if !ok {
		return
	}
	ip := header.IPv4(h)
	size := pkt.Data().Size()
	if ip.IsValid(size) && int(ip.TotalLength()) < size { // Ethernet's padding of a short frame: IP would cut it too
		pkt.Data().CapLength(int(ip.TotalLength()))
		size = int(ip.TotalLength())
	}
	if !ip.IsValid(size) || int(ip.TotalLength()) != size || ip.HeaderLength() != header.IPv4MinimumSize ||
		ip.More() || ip.FragmentOffset() != 0 || ip.TransportProtocol() != header.TCPProtocolNumber || !ip.IsChecksumValid() {
		return
	}
	if tcpSum(pkt, ip) == 0xffff {
		pkt.RXChecksumValidated = true
	}
}

// mendTCP4 makes the checksums of a segment GRO joined right for its
// length. GRO changes a segment only by joining others to it, and a join
// always changes the IP total length: a checked segment whose IP header
// checksum is now wrong was joined.
func mendTCP4(pkt *stack.PacketBuffer) {
	h, ok := pkt.Data().PullUp(header.IPv4MinimumSize + header.TCPMinimumSize)
	if !ok {
		return
	}
	ip := header.IPv4(h)
	if ip.IsChecksumValid() {
		return
	}
	ip.SetChecksum(0)
	ip.SetChecksum(^ip.CalculateChecksum())
	tcp := header.TCP(h[header.IPv4MinimumSize:])
	tcp.SetChecksum(0)
	tcp.SetChecksum(^tcpSum(pkt, ip))
}

// tcpSum is the ones' complement sum over an IPv4 TCP segment and its
// pseudo-header: 0xffff when its checksum is right. The sum over the
// whole packet is the header's, 0xffff (nothing, in ones' complement)
// once its checksum is right, plus the segment's.
func tcpSum(pkt *stack.PacketBuffer, ip header.IPv4) uint16 {
	xsum := header.PseudoHeaderChecksum(header.TCPProtocolNumber, ip.SourceAddress(), ip.DestinationAddress(), ip.TotalLength()-header.IPv4MinimumSize)
	return checksum.Combine(xsum, pkt.Data().Checksum())
}

// deliver hands a received frame to the Ethernet endpoint; GRO holds its
// segment until flush. One goroutine delivers and flushes.
func (l *link) deliver(v *buffer.View) {
	pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithView(v)})
	l.ch.InjectInbound(0, pkt) // the Ethernet endpoint reads the type from the header
	pkt.DecRef()
}

// flush sends the pending ACK and what GRO holds up the stack.
func (l *link) flush() {
	l.flushAck()
	l.gro.Flush()
}

// drained: a read of /dev/net0batch or /dev/netctl that returns less
// than the buffer holds found the queue empty (the kernel fills the
// buffer while it has anything, with interrupts off), so the reader
// waits in the netpoller at once rather than after one more read that
// would say EAGAIN: whatever comes next changes the file's wait key,
// and its edge-triggered epoll interest reports that (kernel/ipc,
// Collect). A system call a burst fewer, each thousands of guest
// instructions under TCG.

// run moves frames between the device at fd, /dev/net0batch, and the
// stack.
func (l *link) run(fd int) {
	dev := os.NewFile(uintptr(fd), "/dev/net0batch") // non-blocking: the netpoller's
	go l.receive(dev)
	go l.transmit(dev)
}

// The slots of /dev/net0batch (kernel/fs/devfs/net.go): a frame's
// length (little-endian uint16), the frame, padding to slotSize. A read
// or write moves up to batchSlots of them.
const (
	slotSize   = 2048
	batchSlots = 32
)

// receive reads frames from the device and hands them to the stack, until
// the device has none left (a read that fills fewer slots than it has, or
// EAGAIN); then GRO's segments go up and the goroutine waits in the
// netpoller for more. A short read is as good as EAGAIN (drained). Each frame is copied from
// the slots into a view from gVisor's pool, which the packet then owns.
func (l *link) receive(dev *os.File) {
	rc, err := dev.SyscallConn()
	if err != nil {
		fatal(fmt.Errorf("/dev/net0batch: %v", err))
	}
	buf := make([]byte, batchSlots*slotSize)
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		for frames := 0; ; {
			got, err := syscall.Read(int(fd), buf)
			switch err {
			case nil:
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				l.flush()
				return false // wait for the next frame
			default:
				rerr = err
				return true
			}
			for off := 0; off+slotSize <= got; off += slotSize {
				n := int(binary.LittleEndian.Uint16(buf[off:]))
				if n > slotSize-2 {
					rerr = fmt.Errorf("a slot of %d bytes", n)
					return true
				}
				l.deliver(buffer.NewViewWithData(buf[off+2 : off+2+n]))
				if frames++; frames%groBatch == 0 {
					l.flush()
				}
			}
			if got < len(buf) { // the device had no more (drained)
				l.flush()
				return false
			}
		}
	})
	if err == nil {
		err = rerr
	}
	fatal(fmt.Errorf("reading /dev/net0batch: %v", err))
}

// transmit writes the frames the stack sends to the device: each time,
// all that wait (up to batchSlots) in one write, each frame's pieces
// (its headers, its payload) copied straight into its slot. A bare ACK
// the link keeps back (delack.go) goes when a frame of its flow takes
// its place or, failing that, after ackDelay. The channel endpoint tells
// of each frame it queues through wake, so that the goroutine can wait
// for a frame and that deadline at once.
func (l *link) transmit(dev *os.File) {
	buf := make([]byte, batchSlots*slotSize)
	wake := make(wakeup, 1)
	ch := l.ch
	ch.AddNotify(wake)
	acks := &delayedAck{pushes: &l.pushes}
	due := time.NewTimer(ackDelay)
	due.Stop()
	// timing: due runs. It is not stopped when a frame supersedes the
	// ACK: a stopped runtime timer still wakes the service's netpoller
	// at its old deadline (it stays in the heap until cleaned), so a
	// stop and a new start per request would cost a wake-up each; this
	// way the service wakes at most once per ackDelay for it, and an ACK
	// kept back when it fires goes then, however young.
	timing := false
	for {
		select {
		case <-wake: // the frames it told of are read below
		default:
		}
		n := 0
		for n < len(buf) {
			pkt := ch.Read() // nil when none waits
			if pkt == nil {
				break
			}
			n += put(buf[n:n+slotSize], pkt, acks)
			pkt.DecRef()
		}
		if acks.holding() && !timing {
			due.Reset(ackDelay)
			timing = true
		}
		if n == 0 {
			select {
			case <-wake:
			case <-due.C:
				timing = false
				if acks.holding() {
					binary.LittleEndian.PutUint16(buf, uint16(acks.release(buf[2:slotSize])))
					n = slotSize
				}
			}
		}
		if n == 0 {
			continue
		}
		if _, err := dev.Write(buf[:n]); err != nil {
			fmt.Fprintf(os.Stderr, "netsvc: sending %d frames: %v\n", n/slotSize, err)
		}
	}
}

// put copies frame pkt into slot (its length, then the frame) and
// returns slotSize, or 0 when the frame is not to go now: too large, or
// a bare ACK the link keeps back.
func put(slot []byte, pkt *stack.PacketBuffer, acks *delayedAck) int {
	size := pkt.Size()
	if size > maxFrame {
		fmt.Fprintf(os.Stderr, "netsvc: a %d-byte frame to send\n", size)
		return 0
	}
	binary.LittleEndian.PutUint16(slot, uint16(size))
	at := 2
	for _, b := range pkt.AsSlices() { // the headers and the payload, copied once
		at += copy(slot[at:], b)
	}
	if !acks.pass(slot[2:at]) {
		return 0
	}
	return slotSize
}

// wakeup is told of each frame the channel endpoint queues
// (channel.Notification); it keeps one wake-up pending at most.
type wakeup chan struct{}

func (w wakeup) WriteNotify() {
	select {
	case w <- struct{}{}:
	default:
	}
}

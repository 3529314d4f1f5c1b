package main

import (
	"sync/atomic"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/seqnum"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// Delayed acknowledgments, on the way out. gVisor's TCP acknowledges at
// once whatever a batch of segments brought (tcp/connect.go: "Send an
// ACK for all processed packets if needed"); it has no delayed ACK.
// Linux delays an ACK that covers at most one full-sized segment
// (tcp_input.c, __tcp_ack_snd_check; tcp_send_delayed_ack, 40 ms at
// least, TCP_ATO_MIN) in the hope that data of its own will carry it. In
// a request and response (the bench's kept-alive GET: the response comes,
// the program reads it and writes the next request) gVisor's way costs a
// frame per response that Linux does not send: a bare ACK, and then the
// request carries the same acknowledgment. Under TCG each frame sent is a
// system call, a notification of the device (a trap into QEMU) and a pass
// through libslirp.
//
// So the link keeps back a bare ACK (IPv4, no data, no options, no flag
// but ACK) for at most ackDelay when it acknowledges at most one full
// segment beyond the last acknowledgment sent on its flow and ends
// exactly where the peer's last pushed segment ended; the next frame of
// the flow takes its place (TCP's acknowledgments are cumulative, and the
// later frame's window is the newer), and if none comes in time the ACK
// goes as it was. The push (PSH, or FIN) is how the peer says it sent all
// it had (libslirp sets PSH on a segment that empties its send buffer,
// and sends without waiting for ACKs otherwise: no Nagle), so an ACK
// kept back then holds nothing back. Without that condition a peer whose
// congestion window allows a segment or two — libslirp after an idle
// spell, as Linux's quick-ACK mode knows (tcp_event_data_recv) — would
// wait out the delay for the ACK that lets it send more: the 16 MiB
// download took 210 ms more under -icount. ACKs that acknowledge nothing
// new — window updates, duplicate ACKs, which the peer counts for fast
// retransmit — and ACKs of more than a segment go at once, as do those
// of a flow whose last acknowledgment the link has not seen (a
// connection's first). One ACK is kept at a time: another flow's goes at
// once meanwhile.

// ackDelay is how long a bare ACK may wait for a frame to carry it:
// Linux's shortest delayed-ACK timeout (TCP_ATO_MIN).
const ackDelay = 40 * time.Millisecond

// fullSegment is the data of a full-sized TCP segment on this link
// (IPv4, no options).
const fullSegment = maxFrame - header.EthernetMinimumSize - header.IPv4MinimumSize - header.TCPMinimumSize

// flowKey names a TCP flow as the service sends it: the source and
// destination addresses and ports.
type flowKey [12]byte

// flows is how many flows the link remembers the last acknowledgment
// sent and the last push received of (a cache: a flow it forgot is
// acknowledged at once).
const flows = 256

// hash is flow k's FNV-1a hash: k's slot (modulo flows) and its tag in
// pushEnds.
func (k flowKey) hash() uint32 {
	h := uint32(2166136261)
	for _, b := range k {
		h = (h ^ uint32(b)) * 16777619
	}
	return h
}

// pushEnds is where each flow's peer last pushed: the sequence number
// after its last segment received with PSH or FIN, tagged with the
// flow's hash (the tag in the high 32 bits). The receiving goroutine
// writes it (pushed), the transmitting one reads it.
type pushEnds [flows]atomic.Uint64

// pushed notes a received IPv4 TCP segment pkt whose checksums were
// checked (checkTCP4): when it pushes, its end is its flow's push.
func (p *pushEnds) pushed(pkt *stack.PacketBuffer) {
	h, ok := pkt.Data().PullUp(header.IPv4MinimumSize + header.TCPMinimumSize)
	if !ok || !pkt.RXChecksumValidated {
		return
	}
	ip, tcp := header.IPv4(h), header.TCP(h[header.IPv4MinimumSize:])
	flags := tcp.Flags()
	if flags&(header.TCPFlagPsh|header.TCPFlagFin) == 0 || flags&header.TCPFlagSyn != 0 {
		return
	}
	end := seqnum.Value(tcp.SequenceNumber()).Add(seqnum.Size(pkt.Data().Size() - header.IPv4MinimumSize - int(tcp.DataOffset())))
	if flags&header.TCPFlagFin != 0 {
		end++
	}
	var k flowKey // as the service sends: the segment's destination first
	copy(k[0:4], ip[16:20])
	copy(k[4:8], ip[12:16])
	copy(k[8:10], tcp[2:4])
	copy(k[10:12], tcp[0:2])
	hash := k.hash()
	p[hash%flows].Store(uint64(hash)<<32 | uint64(end))
}

// at returns flow k's push, if the table has it.
func (p *pushEnds) at(k flowKey) (seqnum.Value, bool) {
	hash := k.hash()
	v := p[hash%flows].Load()
	return seqnum.Value(v), v>>32 == uint64(hash) && v != 0
}

// delayedAck is the link's outgoing ACK kept back and what it knows of
// each flow's acknowledgments on the wire. One goroutine (transmit) uses
// it.
type delayedAck struct {
	pushes *pushEnds
	last   [flows]struct {
		key flowKey
		ack seqnum.Value
		ok  bool
	}
	held    [maxFrame]byte
	heldLen int // 0: none held
	heldKey flowKey
	heldAck seqnum.Value
}

// tcp4 reads frame f as an IPv4 TCP segment: its flow, flags,
// acknowledgment number, and whether it is a bare ACK. ok is false for
// anything else (ARP, IPv6, fragments, a short frame).
func tcp4(f []byte) (key flowKey, flags header.TCPFlags, ack seqnum.Value, bare, ok bool) {
	if len(f) < header.EthernetMinimumSize+header.IPv4MinimumSize+header.TCPMinimumSize ||
		header.Ethernet(f).Type() != header.IPv4ProtocolNumber {
		return key, 0, 0, false, false
	}
	ip := header.IPv4(f[header.EthernetMinimumSize:])
	if ip.HeaderLength() != header.IPv4MinimumSize || ip.TransportProtocol() != header.TCPProtocolNumber ||
		ip.More() || ip.FragmentOffset() != 0 || int(ip.TotalLength()) > len(ip) {
		return key, 0, 0, false, false
	}
	tcp := header.TCP(ip[header.IPv4MinimumSize:])
	copy(key[0:8], ip[12:20]) // the source and destination addresses
	copy(key[8:12], tcp[0:4]) // the ports
	flags = tcp.Flags()
	bare = flags == header.TCPFlagAck && tcp.DataOffset() == header.TCPMinimumSize &&
		int(ip.TotalLength()) == header.IPv4MinimumSize+header.TCPMinimumSize
	return key, flags, seqnum.Value(tcp.AckNumber()), bare, true
}

// pass decides about frame f, about to be sent: true sends it now,
// false means the link keeps it (held) until a frame of its flow
// supersedes it or release sends it.
func (d *delayedAck) pass(f []byte) bool {
	key, flags, ack, bare, ok := tcp4(f)
	if !ok {
		return true
	}
	if d.heldLen > 0 && d.heldKey == key {
		d.heldLen = 0 // this frame carries its acknowledgment, or ends the flow (RST) or starts another (SYN)
	}
	e := &d.last[key.hash()%flows]
	if flags&header.TCPFlagAck == 0 {
		e.ok = false // a SYN or RST of ours: no acknowledgment on the wire yet
		return true
	}
	if bare && d.heldLen == 0 && e.ok && e.key == key &&
		e.ack.LessThan(ack) && e.ack.Size(ack) <= fullSegment {
		if push, ok := d.pushes.at(key); ok && push == ack {
			d.heldLen = copy(d.held[:], f)
			d.heldKey, d.heldAck = key, ack
			return false
		}
	}
	e.key, e.ack, e.ok = key, ack, true
	return true
}

// holding reports whether an ACK is kept back.
func (d *delayedAck) holding() bool { return d.heldLen > 0 }

// release sends the ACK kept back: it copies the frame into dst and
// returns its length.
func (d *delayedAck) release(dst []byte) int {
	n := copy(dst, d.held[:d.heldLen])
	d.heldLen = 0
	e := &d.last[d.heldKey.hash()%flows]
	e.key, e.ack, e.ok = d.heldKey, d.heldAck, true
	return n
}

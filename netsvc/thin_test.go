package main

import (
	"fmt"
	"reflect"
	"testing"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/checksum"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// recorder is a stack that writes down what reaches it: each TCP
// segment as "port:ack" and its payload's length when it has one.
type recorder struct{ got []string }

func (r *recorder) DeliverNetworkPacket(_ tcpip.NetworkProtocolNumber, pkt *stack.PacketBuffer) {
	b := pkt.Data().AsRange().ToSlice()
	tcp := header.TCP(b[header.IPv4MinimumSize:])
	s := fmt.Sprintf("%d:%d", tcp.SourcePort(), tcp.AckNumber())
	if n := len(b) - header.IPv4MinimumSize - int(tcp.DataOffset()); n > 0 {
		s += fmt.Sprintf("+%d", n)
	}
	r.got = append(r.got, s)
}

func (r *recorder) DeliverLinkPacket(tcpip.NetworkProtocolNumber, *stack.PacketBuffer) {}

// segment is an Ethernet frame with a TCP segment from the host's port to
// the service (padded to Ethernet's 60 bytes, as libslirp's ACKs are);
// bad spoils its TCP checksum.
func segment(port uint16, ack uint32, payload int, bad bool) []byte {
	return segmentAt(port, 1000, ack, header.TCPFlagAck, payload, bad)
}

// segmentAt is segment with the sequence number seq and the flags.
func segmentAt(port uint16, seq, ack uint32, flags header.TCPFlags, payload int, bad bool) []byte {
	size := header.IPv4MinimumSize + header.TCPMinimumSize + payload
	f := make([]byte, max(header.EthernetMinimumSize+size, 60))
	header.Ethernet(f).Encode(&header.EthernetFields{SrcAddr: peerMAC, DstAddr: svcMAC, Type: header.IPv4ProtocolNumber})
	src, dst := tcpip.AddrFrom4([4]byte{10, 0, 2, 2}), tcpip.AddrFrom4([4]byte{10, 0, 2, 15})
	ip := header.IPv4(f[header.EthernetMinimumSize:])
	ip.Encode(&header.IPv4Fields{TotalLength: uint16(size), TTL: 64, Protocol: uint8(header.TCPProtocolNumber), SrcAddr: src, DstAddr: dst})
	ip.SetChecksum(^ip.CalculateChecksum())
	tcp := header.TCP(ip[header.IPv4MinimumSize:size])
	tcp.Encode(&header.TCPFields{SrcPort: port, DstPort: 80, SeqNum: seq, AckNum: ack, DataOffset: header.TCPMinimumSize, Flags: flags, WindowSize: 65535})
	xsum := header.PseudoHeaderChecksum(header.TCPProtocolNumber, src, dst, uint16(len(tcp)))
	tcp.SetChecksum(^checksum.Checksum(tcp, xsum))
	if bad {
		tcp.SetChecksum(tcp.Checksum() + 1)
	}
	return f
}

// The ACK thinning (link.thin): within a burst, an ACK that a later one of
// its flow supersedes is dropped; duplicate ACKs, other flows, data and
// ACKs whose checksum is wrong keep their place and their order.
func TestThinACKs(t *testing.T) {
	l := newLink(svcMAC)
	r := &recorder{}
	l.Attach(r)
	for _, c := range []struct {
		name  string
		burst [][]byte
		want  []string
	}{
		{"later ACKs", [][]byte{segment(7, 100, 0, false), segment(7, 200, 0, false), segment(7, 300, 0, false)}, []string{"7:300"}},
		{"duplicates", [][]byte{segment(7, 300, 0, false), segment(7, 300, 0, false)}, []string{"7:300", "7:300"}},
		{"two flows", [][]byte{segment(7, 400, 0, false), segment(8, 500, 0, false), segment(7, 600, 0, false)}, []string{"7:400", "8:500", "7:600"}},
		{"data between", [][]byte{segment(7, 700, 0, false), segment(7, 700, 10, false), segment(7, 800, 0, false)}, []string{"7:700", "7:700+10", "7:800"}},
		{"a corrupt ACK", [][]byte{segment(7, 900, 0, false), segment(7, 1000, 0, true)}, []string{"7:900", "7:1000"}},
		// GRO would join the ACK (contiguous, the same acknowledgment)
		// to the held data, and its window would be lost.
		{"an ACK after data", [][]byte{segmentAt(7, 1000, 1100, header.TCPFlagAck, 10, false), segmentAt(7, 1010, 1100, header.TCPFlagAck, 0, false)}, []string{"7:1100+10", "7:1100"}},
		{"an empty PSH after data", [][]byte{segmentAt(7, 1000, 1200, header.TCPFlagAck, 10, false), segmentAt(7, 1010, 1200, header.TCPFlagAck|header.TCPFlagPsh, 0, false)}, []string{"7:1200+10", "7:1200"}},
	} {
		r.got = nil
		for _, f := range c.burst {
			l.deliver(buffer.NewViewWithData(f))
		}
		l.flush()
		if !reflect.DeepEqual(r.got, c.want) {
			t.Errorf("%s: up the stack %v, want %v", c.name, r.got, c.want)
		}
	}
}

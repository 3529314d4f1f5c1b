package main

import (
	"testing"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// The delayed ACK (delack.go): a bare ACK of at most a segment beyond the
// flow's last acknowledgment, up to where the peer last pushed, is kept
// back, and the flow's next frame takes its place; window updates,
// duplicates, larger ACKs, ACKs short of the push, a flow's first ACK and
// another flow's ACK go at once; release sends the kept one.
func TestDelayedACK(t *testing.T) {
	var pushes pushEnds
	d := &delayedAck{pushes: &pushes}
	// received: a segment from the peer's port, seq..seq+n, checked as
	// checkTCP4 would.
	received := func(port uint16, seq uint32, flags header.TCPFlags, n int) {
		pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{
			Payload: buffer.MakeWithData(segmentAt(port, seq, 1, flags, n, false)[header.EthernetMinimumSize:]),
		})
		checkTCP4(pkt)
		pushes.pushed(pkt)
		pkt.DecRef()
	}
	// sent: the service's segment to the peer's port acknowledging ack.
	sent := func(port uint16, ack uint32, flags header.TCPFlags, n int) []byte {
		return turn(segmentAt(port, 1, ack, flags, n, false))
	}
	ack := func(port uint16, n uint32) []byte { return sent(port, n, header.TCPFlagAck, 0) }
	step := func(name string, f []byte, send, holding bool) {
		t.Helper()
		if got := d.pass(f); got != send || d.holding() != holding {
			t.Fatalf("%s: sent %v, holding %v; want %v, %v", name, got, d.holding(), send, holding)
		}
	}
	push := header.TCPFlagAck | header.TCPFlagPsh
	step("a flow's first ACK", ack(7, 100), true, false)
	received(7, 100, push, 100)
	step("a small ACK up to the push", ack(7, 200), false, true)
	step("data of the flow", sent(7, 200, push, 10), true, false)
	received(7, 200, header.TCPFlagAck, 100)
	step("a small ACK without a push", ack(7, 300), true, false)
	received(7, 300, push, 100)
	step("a small ACK short of the push", ack(7, 350), true, false)
	step("a small ACK up to the push again", ack(7, 400), false, true)
	step("another flow's first ACK", ack(8, 5000), true, true)
	received(8, 5000, push, 100)
	step("another flow's small ACK while one is held", ack(8, 5100), true, true)
	received(7, 400, header.TCPFlagAck|header.TCPFlagFin, 0)
	step("a later small ACK of the held flow (its FIN)", ack(7, 401), false, true)
	received(7, 401, push, fullSegment)
	step("an ACK of more than a segment in all", ack(7, 401+fullSegment), true, false)
	step("a window update", ack(7, 401+fullSegment), true, false)
	received(7, 401+fullSegment, push, 100)
	step("a small ACK before release", ack(7, 501+fullSegment), false, true)
	var out [maxFrame]byte
	n := d.release(out[:])
	if d.holding() || string(out[:n]) != string(ack(7, 501+fullSegment)) {
		t.Fatalf("release gave %d bytes, holding %v", n, d.holding())
	}
	step("a duplicate of the released ACK", ack(7, 501+fullSegment), true, false)
	step("a SYN", sent(7, 0, header.TCPFlagSyn, 0), true, false)
	received(7, 1, push, 100)
	step("after a SYN: a first ACK", ack(7, 101), true, false)
	received(7, 101, push, 100)
	step("then a small ACK up to the push", ack(7, 201), false, true)
	step("a RST ends it", sent(7, 0, header.TCPFlagRst, 0), true, false)
	step("not TCP", []byte{1, 2, 3}, true, false)
}

// turn makes segment's frame go the other way: its addresses and ports
// swapped (its checksums are not kept right).
func turn(f []byte) []byte {
	ip := f[header.EthernetMinimumSize:]
	tcp := ip[header.IPv4MinimumSize:]
	var a [4]byte
	copy(a[:], ip[12:16])
	copy(ip[12:16], ip[16:20])
	copy(ip[16:20], a[:])
	tcp[0], tcp[1], tcp[2], tcp[3] = tcp[2], tcp[3], tcp[0], tcp[1]
	return f
}

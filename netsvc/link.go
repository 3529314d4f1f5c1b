package main

import (
	"context"
	"fmt"
	"os"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// The link: gVisor's channel endpoint, wrapped by its Ethernet endpoint
// (which adds and strips the 14-byte header and asks for ARP), carries
// whole frames between the stack and /dev/net0, the kernel's tap-like
// device file (kernel/fs/devfs/net.go): one read is one received frame,
// one write one frame sent. Two goroutines move them. The file is
// non-blocking and goes through Go's netpoller (epoll), so a goroutine
// with nothing to do parks instead of sleeping in read(2): a thread in a
// blocking system call keeps the service's one P (GOMAXPROCS is the
// CPU count), and every goroutine it readied — gVisor's TCP processors,
// the socket loop — would wait for sysmon to take the P back, up to
// 10 ms when the service has been idle.

// maxFrame is the largest Ethernet frame /dev/net0 carries (1500 bytes
// of payload and the header, no FCS).
const maxFrame = 1514

// outQueue is how many frames the stack may have waiting for the device.
const outQueue = 256

// newLink returns the link endpoint for the device at fd with Ethernet
// address mac and starts moving frames; the stack attaches to it.
func newLink(fd int, mac tcpip.LinkAddress) stack.LinkEndpoint {
	ch := channel.New(outQueue, maxFrame, mac)
	dev := os.NewFile(uintptr(fd), "/dev/net0") // non-blocking: the netpoller's
	go receive(dev, ch)
	go transmit(dev, ch)
	return ethernet.New(ch)
}

// receive reads frames from the device and hands them to the stack. Each
// frame is read straight into a view from gVisor's pool, which the packet
// then owns: no copy, no allocation.
func receive(dev *os.File, ch *channel.Endpoint) {
	for {
		v := buffer.NewViewSize(maxFrame)
		n, err := dev.Read(v.AsSlice())
		if err != nil {
			fatal(fmt.Errorf("reading /dev/net0: %v", err))
		}
		v.CapLength(n)
		pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithView(v)})
		ch.InjectInbound(0, pkt) // the Ethernet endpoint reads the type from the header
		pkt.DecRef()
	}
}

// transmit writes the frames the stack sends to the device.
func transmit(dev *os.File, ch *channel.Endpoint) {
	for {
		pkt := ch.ReadContext(context.Background())
		if pkt == nil {
			continue
		}
		v := pkt.ToView()
		if _, err := dev.Write(v.AsSlice()); err != nil {
			fmt.Fprintf(os.Stderr, "netsvc: sending a %d-byte frame: %v\n", v.Size(), err)
		}
		v.Release()
		pkt.DecRef()
	}
}

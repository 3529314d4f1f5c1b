// Command netraw talks Ethernet through /dev/net0, the raw network device
// gobare gives a program (one frame per read and write): it asks QEMU's
// user network (slirp) who has the gateway 10.0.2.2 (ARP) and for an
// address (a DHCP discover), and prints the answers. It checks that a
// non-blocking read with nothing received is EAGAIN, that the device
// has one owner (a second open is EBUSY) and that epoll reports it
// readable when a frame waits. Then it asks for the gateway again
// through /dev/net0batch, the same device several frames to a read or
// write (2 KiB slots: a frame's length, little-endian, then the frame).
// With the argument "flood" it first sends thousands of frames of random
// length and content, then does the same.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"syscall"
	"time"
)

// The guest's address on QEMU's user network, its gateway, and the
// device's default Ethernet address (QEMU's first NIC).
var (
	guestIP   = net.IPv4(10, 0, 2, 15).To4()
	gatewayIP = net.IPv4(10, 0, 2, 2).To4()
	guestMAC  = net.HardwareAddr{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}
	broadcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
)

func main() {
	fd, err := syscall.Open("/dev/net0", syscall.O_RDWR|syscall.O_NONBLOCK, 0)
	check("open /dev/net0", err)
	if _, err := syscall.Open("/dev/net0", syscall.O_RDWR, 0); err != syscall.EBUSY {
		fail("a second open: %v, want EBUSY", err)
	}
	fmt.Println("netraw: a second open is EBUSY")
	buf := make([]byte, 2048)
	if _, err := syscall.Read(fd, buf); err != syscall.EAGAIN {
		fail("a read with nothing received: %v, want EAGAIN", err)
	}
	fmt.Println("netraw: empty read is EAGAIN")
	if _, err := syscall.Write(fd, make([]byte, 1515)); err != syscall.EINVAL {
		fail("a 1515-byte frame: %v, want EINVAL", err)
	}
	if len(os.Args) > 1 && os.Args[1] == "flood" {
		flood(fd, 5000)
	}

	_, err = syscall.Write(fd, arpRequest())
	check("send ARP", err)
	waitReadable(fd)
	reply := receive(fd, buf, func(f []byte) bool {
		return binary.BigEndian.Uint16(f[12:]) == 0x0806 && binary.BigEndian.Uint16(f[20:]) == 2 && bytes.Equal(f[28:32], gatewayIP)
	})
	fmt.Printf("netraw: arp: %v is at %v\n", net.IP(reply[28:32]), net.HardwareAddr(reply[22:28]))

	_, err = syscall.Write(fd, dhcpDiscover())
	check("send DHCP discover", err)
	offer := receive(fd, buf, func(f []byte) bool {
		return binary.BigEndian.Uint16(f[12:]) == 0x0800 && f[23] == 17 && len(f) >= 14+20+8+240 &&
			binary.BigEndian.Uint16(f[36:]) == 68 && f[42] == 2 // UDP to the client port, BOOTREPLY
	})
	fmt.Printf("netraw: dhcp: offered %v by %v\n", net.IP(offer[42+16:42+20]), net.IP(offer[26:30]))
	batch(fd)
}

// slot is the size of a frame's slot in /dev/net0batch.
const slot = 2048

// batch checks /dev/net0batch: it is the one device (EBUSY while
// /dev/net0, fd, is open), reads and writes shorter than a slot and a
// first slot out of bounds are EINVAL, and two ARP requests written in
// one write's slots are answered in the slots of reads.
func batch(fd int) {
	if _, err := syscall.Open("/dev/net0batch", syscall.O_RDWR, 0); err != syscall.EBUSY {
		fail("/dev/net0batch while /dev/net0 is open: %v, want EBUSY", err)
	}
	check("close /dev/net0", syscall.Close(fd))
	fd, err := syscall.Open("/dev/net0batch", syscall.O_RDWR|syscall.O_NONBLOCK, 0)
	check("open /dev/net0batch", err)
	buf := make([]byte, 32*slot)
	if _, err := syscall.Read(fd, buf[:slot-1]); err != syscall.EINVAL {
		fail("batch: a read shorter than a slot: %v, want EINVAL", err)
	}
	if _, err := syscall.Write(fd, buf[:slot]); err != syscall.EINVAL { // a frame of 0 bytes
		fail("batch: a slot of 0 bytes: %v, want EINVAL", err)
	}
	out := make([]byte, 2*slot)
	for i := range 2 {
		f := arpRequest()
		binary.LittleEndian.PutUint16(out[i*slot:], uint16(len(f)))
		copy(out[i*slot+2:], f)
	}
	n, err := syscall.Write(fd, out)
	check("batch: send two ARP requests", err)
	if n != 2*slot {
		fail("batch: wrote %d bytes of %d", n, 2*slot)
	}
	replies := 0
	for deadline := time.Now().Add(10 * time.Second); replies < 2 && time.Now().Before(deadline); {
		n, err := syscall.Read(fd, buf)
		if errors.Is(err, syscall.EAGAIN) {
			time.Sleep(time.Millisecond)
			continue
		}
		check("batch: read", err)
		if n == 0 || n%slot != 0 {
			fail("batch: a read of %d bytes, not whole slots", n)
		}
		for off := 0; off < n; off += slot {
			l := int(binary.LittleEndian.Uint16(buf[off:]))
			f := buf[off+2 : off+2+l]
			if l >= 42 && binary.BigEndian.Uint16(f[12:]) == 0x0806 && binary.BigEndian.Uint16(f[20:]) == 2 && bytes.Equal(f[28:32], gatewayIP) {
				replies++
			}
		}
	}
	fmt.Printf("netraw: batch: %d ARP replies to 2 requests in one write\n", replies)
}

// flood sends n frames of random length (14 to 1514 bytes) and bytes
// from the guest's address, waiting whenever every transmit buffer is in
// flight, and drops whatever arrives meanwhile.
func flood(fd, n int) {
	frame := make([]byte, 1514)
	buf := make([]byte, 2048)
	busy := 0
	for sent := 0; sent < n; {
		size := 14 + rand.IntN(1514-14+1)
		for i := range frame[:size] {
			frame[i] = byte(rand.Uint32())
		}
		frame[0] &^= 1 // unicast: to nobody, mostly
		copy(frame[6:], guestMAC)
		_, err := syscall.Write(fd, frame[:size])
		switch err {
		case nil:
			sent++
		case syscall.EAGAIN:
			busy++
			time.Sleep(100 * time.Microsecond)
		default:
			fail("flood: write of %d bytes: %v", size, err)
		}
		syscall.Read(fd, buf) // keep the receive ring moving
	}
	fmt.Printf("netraw: flood: sent %d random frames\n", n)
}

// arpRequest is "who has 10.0.2.2? tell 10.0.2.15" (RFC 826), broadcast.
func arpRequest() []byte {
	f := ethernet(broadcast, 0x0806)
	f = binary.BigEndian.AppendUint16(f, 1)      // hardware: Ethernet
	f = binary.BigEndian.AppendUint16(f, 0x0800) // protocol: IPv4
	f = append(f, 6, 4)                          // address lengths
	f = binary.BigEndian.AppendUint16(f, 1)      // request
	f = append(f, guestMAC...)
	f = append(f, guestIP...)
	f = append(f, make([]byte, 6)...)
	return append(f, gatewayIP...)
}

// dhcpDiscover is a DHCPDISCOVER (RFC 2131) from 0.0.0.0:68 to
// 255.255.255.255:67.
func dhcpDiscover() []byte {
	var d [240]byte
	d[0], d[1], d[2] = 1, 1, 6 // BOOTREQUEST, Ethernet, 6-byte address
	binary.BigEndian.PutUint32(d[4:], 0x6f6b6f6b)
	copy(d[28:], guestMAC)
	binary.BigEndian.PutUint32(d[236:], 0x63825363) // the magic cookie
	dhcp := append(d[:], 53, 1, 1, 255)             // message type DISCOVER, end

	udp := binary.BigEndian.AppendUint16(nil, 68)
	udp = binary.BigEndian.AppendUint16(udp, 67)
	udp = binary.BigEndian.AppendUint16(udp, uint16(8+len(dhcp)))
	udp = binary.BigEndian.AppendUint16(udp, 0) // no checksum (allowed over IPv4)
	udp = append(udp, dhcp...)

	ip := []byte{0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255}
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(udp)))
	binary.BigEndian.PutUint16(ip[10:], checksum(ip))
	return append(append(ethernet(broadcast, 0x0800), ip...), udp...)
}

// ethernet starts a frame to dst of the given type from the guest.
func ethernet(dst net.HardwareAddr, typ uint16) []byte {
	f := append(append([]byte{}, dst...), guestMAC...)
	return binary.BigEndian.AppendUint16(f, typ)
}

// checksum is the Internet checksum of b (RFC 1071).
func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// waitReadable waits (at most 10 s) for epoll to report the device
// readable.
func waitReadable(fd int) {
	ep, err := syscall.EpollCreate1(0)
	check("epoll_create1", err)
	defer syscall.Close(ep)
	check("epoll_ctl", syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}))
	ev := make([]syscall.EpollEvent, 1)
	n, err := syscall.EpollWait(ep, ev, 10000)
	check("epoll_wait", err)
	if n != 1 || ev[0].Events&syscall.EPOLLIN == 0 {
		fail("epoll_wait: %d events %#x, want the device readable", n, ev[0].Events)
	}
	fmt.Println("netraw: epoll reports a frame")
}

// receive reads frames until one passes want, for at most 10 s.
func receive(fd int, buf []byte, want func([]byte) bool) []byte {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		n, err := syscall.Read(fd, buf)
		if errors.Is(err, syscall.EAGAIN) {
			time.Sleep(time.Millisecond)
			continue
		}
		check("read", err)
		if n >= 14 && want(buf[:n]) {
			return buf[:n]
		}
	}
	fail("no answer within 10 s")
	return nil
}

func check(what string, err error) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "netraw: "+format+"\n", args...)
	os.Exit(1)
}

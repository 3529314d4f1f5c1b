package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// A DHCP client (RFC 2131, options RFC 2132) just big enough to get an
// address at start: DISCOVER, OFFER, REQUEST, ACK, over raw frames on
// /dev/net0 before the stack starts (so it needs no UDP socket from
// 0.0.0.0). The lease is not renewed: QEMU's user network gives a day.

// DHCP message types (RFC 2132 §9.6) and option codes.
const (
	dhcpDiscover = 1
	dhcpOffer    = 2
	dhcpRequest  = 3
	dhcpAck      = 5
	dhcpNak      = 6

	optSubnetMask  = 1
	optRouter      = 3
	optDNS         = 6
	optRequestedIP = 50
	optMessageType = 53
	optServerID    = 54
	optParamList   = 55
	optEnd         = 255
	optPad         = 0
)

// dhcpMagic is the cookie that starts the options (RFC 2131 §3).
const dhcpMagic = 0x63825363

// dhcpReply is what an OFFER or ACK says.
type dhcpReply struct {
	Type     byte
	XID      uint32
	YourIP   netip.Addr
	ServerID netip.Addr
	Mask     net.IPMask
	Routers  []netip.Addr
	DNS      []netip.Addr
}

// runDHCP asks for an address on the device at fd (non-blocking) and
// returns the configuration the server acknowledged.
func runDHCP(fd int, mac net.HardwareAddr) (config, error) {
	xid := uint32(time.Now().UnixNano())
	offer, err := exchange(fd, dhcpFrame(mac, xid, dhcpDiscover, netip.Addr{}, netip.Addr{}), xid, dhcpOffer)
	if err != nil {
		return config{}, fmt.Errorf("DHCP discover: %v", err)
	}
	ack, err := exchange(fd, dhcpFrame(mac, xid, dhcpRequest, offer.YourIP, offer.ServerID), xid, dhcpAck)
	if err != nil {
		return config{}, fmt.Errorf("DHCP request: %v", err)
	}
	ones, bits := ack.Mask.Size()
	if bits != 32 {
		ones = 24
	}
	c := config{Addr: netip.PrefixFrom(ack.YourIP, ones), DNS: ack.DNS}
	if len(ack.Routers) > 0 {
		c.Gateway = ack.Routers[0]
	}
	return c, nil
}

// exchange sends frame every 2 s, 5 times at most, until a reply of type
// want for transaction xid arrives.
func exchange(fd int, frame []byte, xid uint32, want byte) (dhcpReply, error) {
	buf := make([]byte, maxFrame)
	for try := 0; try < 5; try++ {
		if _, err := syscall.Write(fd, frame); err != nil {
			return dhcpReply{}, err
		}
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
			n, err := syscall.Read(fd, buf)
			if err == syscall.EAGAIN || err == syscall.EINTR {
				time.Sleep(2 * time.Millisecond)
				continue
			}
			if err != nil {
				return dhcpReply{}, err
			}
			r, ok := parseDHCPFrame(buf[:n])
			switch {
			case !ok || r.XID != xid:
			case r.Type == dhcpNak:
				return dhcpReply{}, errors.New("the server said no (NAK)")
			case r.Type == want && r.YourIP.Is4():
				return r, nil
			}
		}
	}
	return dhcpReply{}, errors.New("no answer in 10 s")
}

// dhcpFrame builds a DHCP message of type typ as a broadcast Ethernet
// frame from 0.0.0.0:68 to 255.255.255.255:67; a REQUEST names the
// offered address and the server.
func dhcpFrame(mac net.HardwareAddr, xid uint32, typ byte, requested, server netip.Addr) []byte {
	var d [240]byte
	d[0], d[1], d[2] = 1, 1, 6 // BOOTREQUEST, Ethernet, 6-byte address
	binary.BigEndian.PutUint32(d[4:], xid)
	binary.BigEndian.PutUint16(d[10:], 0x8000) // flags: broadcast the reply
	copy(d[28:], mac)
	binary.BigEndian.PutUint32(d[236:], dhcpMagic)
	msg := append(d[:], optMessageType, 1, typ)
	if requested.Is4() {
		a := requested.As4()
		msg = append(append(msg, optRequestedIP, 4), a[:]...)
	}
	if server.Is4() {
		a := server.As4()
		msg = append(append(msg, optServerID, 4), a[:]...)
	}
	msg = append(msg, optParamList, 3, optSubnetMask, optRouter, optDNS, optEnd)

	udp := make([]byte, 8, 8+len(msg))
	binary.BigEndian.PutUint16(udp[0:], 68)
	binary.BigEndian.PutUint16(udp[2:], 67)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(msg)))
	udp = append(udp, msg...) // checksum 0: none, allowed over IPv4 (RFC 768)

	ip := []byte{0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255}
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(udp)))
	binary.BigEndian.PutUint16(ip[10:], ipChecksum(ip))

	f := append(bytes.Repeat([]byte{0xff}, 6), mac...)
	f = append(f, 0x08, 0x00)
	return append(append(f, ip...), udp...)
}

// ipChecksum is the Internet checksum of an IPv4 header (RFC 1071).
func ipChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// parseDHCPFrame reads a DHCP reply out of an Ethernet frame: IPv4, UDP
// to port 68, a BOOTREPLY with the magic cookie. ok is false for any
// other frame or a malformed one.
func parseDHCPFrame(f []byte) (r dhcpReply, ok bool) {
	if len(f) < 14+20 || binary.BigEndian.Uint16(f[12:]) != 0x0800 {
		return r, false
	}
	ip := f[14:]
	ihl := int(ip[0]&0x0f) * 4
	if ip[0]>>4 != 4 || ihl < 20 || len(ip) < ihl+8 || ip[9] != 17 {
		return r, false
	}
	udp := ip[ihl:]
	if binary.BigEndian.Uint16(udp[2:]) != 68 {
		return r, false
	}
	return parseDHCP(udp[8:])
}

// parseDHCP reads a BOOTREPLY's fields and options.
func parseDHCP(d []byte) (r dhcpReply, ok bool) {
	if len(d) < 240 || d[0] != 2 || binary.BigEndian.Uint32(d[236:]) != dhcpMagic {
		return r, false
	}
	r.XID = binary.BigEndian.Uint32(d[4:])
	r.YourIP = netip.AddrFrom4([4]byte(d[16:20]))
	opts := d[240:]
	for len(opts) > 0 {
		code := opts[0]
		if code == optEnd {
			break
		}
		if code == optPad {
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || len(opts) < 2+int(opts[1]) {
			return r, false
		}
		val := opts[2 : 2+int(opts[1])]
		opts = opts[2+len(val):]
		switch code {
		case optMessageType:
			if len(val) == 1 {
				r.Type = val[0]
			}
		case optSubnetMask:
			if len(val) == 4 {
				r.Mask = net.IPMask(bytes.Clone(val))
			}
		case optServerID:
			if len(val) == 4 {
				r.ServerID = netip.AddrFrom4([4]byte(val))
			}
		case optRouter:
			r.Routers = addrs(val)
		case optDNS:
			r.DNS = addrs(val)
		}
	}
	return r, r.Type != 0
}

// addrs reads a list of IPv4 addresses.
func addrs(b []byte) []netip.Addr {
	var l []netip.Addr
	for ; len(b) >= 4; b = b[4:] {
		l = append(l, netip.AddrFrom4([4]byte(b[:4])))
	}
	return l
}

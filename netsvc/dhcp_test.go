package main

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
)

var testMAC = net.HardwareAddr{0x52, 0x54, 0, 0x12, 0x34, 0x56}

// reply builds the frame of a server's answer to transaction xid.
func reply(xid uint32, typ byte, opts ...byte) []byte {
	f := dhcpFrame(testMAC, xid, typ, netip.Addr{}, netip.Addr{})
	udp := f[14+20:]
	binary.BigEndian.PutUint16(udp[0:], 67)
	binary.BigEndian.PutUint16(udp[2:], 68)
	d := udp[8:]
	d[0] = 2 // BOOTREPLY
	copy(d[16:20], []byte{10, 0, 2, 15})
	return append(f[:14+20+8+240], opts...)
}

func TestParseDHCP(t *testing.T) {
	f := reply(7, dhcpAck, optMessageType, 1, dhcpAck, optPad, optSubnetMask, 4, 255, 255, 255, 0,
		optRouter, 4, 10, 0, 2, 2, optDNS, 8, 10, 0, 2, 3, 1, 1, 1, 1, optServerID, 4, 10, 0, 2, 2, optEnd)
	r, ok := parseDHCPFrame(f)
	if !ok || r.Type != dhcpAck || r.XID != 7 || r.YourIP != netip.MustParseAddr("10.0.2.15") ||
		r.ServerID != netip.MustParseAddr("10.0.2.2") || len(r.Routers) != 1 || len(r.DNS) != 2 || r.DNS[1] != netip.MustParseAddr("1.1.1.1") {
		t.Fatalf("parseDHCPFrame = %+v, %v", r, ok)
	}
	if ones, _ := r.Mask.Size(); ones != 24 {
		t.Errorf("mask %v", r.Mask)
	}
	for _, bad := range [][]byte{
		reply(7, dhcpAck),                                               // no message type
		reply(7, dhcpAck, optMessageType, 5),                            // option past the end
		reply(7, dhcpAck, optMessageType, 1, 5)[:60],                    // cut
		dhcpFrame(testMAC, 7, dhcpDiscover, netip.Addr{}, netip.Addr{}), // a request, to port 67
	} {
		if r, ok := parseDHCPFrame(bad); ok {
			t.Errorf("parseDHCPFrame(% x) = %+v, want not ok", bad, r)
		}
	}
}

func TestDHCPFrame(t *testing.T) {
	f := dhcpFrame(testMAC, 9, dhcpRequest, netip.MustParseAddr("10.0.2.15"), netip.MustParseAddr("10.0.2.2"))
	if len(f) > maxFrame || binary.BigEndian.Uint16(f[12:]) != 0x0800 || ipChecksum(f[14:34]) != 0 {
		t.Fatalf("frame % x: not an IPv4 frame with a good header checksum", f)
	}
	d := f[14+20+8:]
	if binary.BigEndian.Uint32(d[4:]) != 9 || net.HardwareAddr(d[28:34]).String() != testMAC.String() {
		t.Errorf("xid or chaddr wrong: % x", d[:34])
	}
}

func FuzzParseDHCP(f *testing.F) {
	f.Add(reply(1, dhcpOffer, optMessageType, 1, dhcpOffer, optRouter, 4, 10, 0, 2, 2, optEnd))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		parseDHCPFrame(b) // must not panic
	})
}

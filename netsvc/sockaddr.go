package main

import (
	"encoding/binary"
	"syscall"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
)

// Socket addresses as the program gives and takes them: Linux's
// sockaddr_in (family, port, IPv4 address) and sockaddr_in6 (family,
// port, flow label, IPv6 address, scope), the family little-endian, the
// port big-endian (in.h, in6.h). The kernel has checked the family and
// length against the socket's (kernel/linux/sys_socket.go, readSockaddr).
// An AF_INET6 socket is dual-stack unless IPV6_V6ONLY: gVisor takes an
// IPv4 peer as a v4-mapped address (::ffff:a.b.c.d) and gives back a
// 4-byte one, which the program sees mapped again, as on Linux.

// Address families and sizes.
const (
	afInet         = 2
	afInet6        = 10
	sockaddrInLen  = 16
	sockaddrIn6Len = 28
)

// sockaddr reads a request's address for a socket of family.
func sockaddr(m []byte, family uint16) (tcpip.FullAddress, syscall.Errno) {
	return parseSockaddr(m[msgAddr:], binary.LittleEndian.Uint32(m[msgAddrLen:]), family)
}

// parseSockaddr reads the address of n bytes at a (a request's, or a
// datagram record's) for a socket of family; the unspecified address
// (0.0.0.0, ::) is gVisor's empty one.
func parseSockaddr(a []byte, n uint32, family uint16) (tcpip.FullAddress, syscall.Errno) {
	switch {
	case family == afInet && n >= sockaddrInLen && binary.LittleEndian.Uint16(a) == afInet:
		fa := tcpip.FullAddress{Port: binary.BigEndian.Uint16(a[2:])}
		if ip := [4]byte(a[4:8]); ip != [4]byte{} {
			fa.Addr = tcpip.AddrFrom4(ip)
		}
		return fa, 0
	case family == afInet6 && n >= sockaddrIn6Len && binary.LittleEndian.Uint16(a) == afInet6:
		fa := tcpip.FullAddress{Port: binary.BigEndian.Uint16(a[2:])}
		if ip := [16]byte(a[8:24]); ip != [16]byte{} {
			fa.Addr = tcpip.AddrFrom16(ip)
		}
		// A link-local address's scope names the interface, by the
		// stack's numbers (Linux ignores it for other addresses).
		if header.IsV6LinkLocalUnicastAddress(fa.Addr) {
			fa.NIC = tcpip.NICID(binary.LittleEndian.Uint32(a[24:]))
		}
		return fa, 0
	case n < sockaddrInLen:
		return tcpip.FullAddress{}, syscall.EINVAL
	}
	return tcpip.FullAddress{}, syscall.EAFNOSUPPORT
}

// putSockaddr writes a into answer ans as an address of family.
func putSockaddr(ans []byte, a tcpip.FullAddress, family uint16) {
	binary.LittleEndian.PutUint32(ans[msgAddrLen:], uint32(formatSockaddr(ans[msgAddr:], a, family)))
}

// formatSockaddr writes a at b as an address of family and returns its
// length: an IPv4 address for an AF_INET6 socket is v4-mapped.
func formatSockaddr(b []byte, a tcpip.FullAddress, family uint16) int {
	clear(b[:sockaddrIn6Len])
	binary.LittleEndian.PutUint16(b, family)
	binary.BigEndian.PutUint16(b[2:], a.Port)
	if family == afInet {
		if a.Addr.Len() == 4 {
			copy(b[4:8], a.Addr.AsSlice())
		}
		return sockaddrInLen
	}
	switch a.Addr.Len() {
	case 4:
		b[18], b[19] = 0xff, 0xff // ::ffff:a.b.c.d
		copy(b[20:24], a.Addr.AsSlice())
	case 16:
		copy(b[8:24], a.Addr.AsSlice())
	}
	return sockaddrIn6Len
}

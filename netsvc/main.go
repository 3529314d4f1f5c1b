// Command netsvc is gobare's network service: a TCP/IP stack (gVisor's
// pkg/tcpip) in a Go program of its own, which the kernel runs beside the
// program in a separate address space and gives the network device as
// /dev/net0 (docs/design.md, Networking). It configures the interface
// with DHCP, or from the kernel command line's ip= word, IPv6 from
// router advertisements and the ip6= word (ADDRESS/PREFIX[,GATEWAY]), adds the
// loopback interface (127.0.0.1, ::1), and serves the program's sockets
// over the stack (sockets.go).
//
// The kernel passes its KEY=VALUE words as the environment, and NET0_MAC,
// the device's Ethernet address. NETSVC_ECHO=PORT starts a TCP echo
// server on the stack (for tests: it shows TCP end to end).
package main

import (
	"fmt"
	"os"
	"syscall"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/loopback"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

// The interfaces' numbers in the stack.
const (
	nicEth  tcpip.NICID = 1
	nicLoop tcpip.NICID = 2
)

func main() {
	// GOMAXPROCS stays the runtime's default, the CPU count: every file
	// the service waits on (/dev/net0, /dev/netctl) goes through the
	// netpoller, so no goroutine holds a P while it waits. With one CPU,
	// one P keeps the stack's goroutines (the link's, gVisor's TCP
	// processors, the socket loop) on one thread, handing over without
	// futex wake-ups or kernel thread switches. With four Ps (when the
	// reads blocked) each hand-over could wake another thread, which found
	// little to do: the bench's 300 kept-alive requests took 28,000 kernel
	// entries and 7,100 address-space switches, with one P 21,200 and 5,100.
	mac, err := parseMAC(os.Getenv("NET0_MAC"))
	if err != nil {
		fatal(err)
	}
	cfg, dhcp, err := parseIP(os.Getenv("ip"))
	if err != nil {
		fatal(err)
	}
	var static6 config
	if err := parseIP6(os.Getenv("ip6"), &static6); err != nil {
		fatal(err)
	}
	fd, err := syscall.Open("/dev/net0", syscall.O_RDWR|syscall.O_NONBLOCK, 0)
	if err != nil {
		fatal(fmt.Errorf("open /dev/net0: %v", err))
	}
	if dhcp {
		if cfg, err = runDHCP(fd, mac); err != nil {
			fatal(err)
		}
	}
	cfg.Addr6, cfg.Gateway6 = static6.Addr6, static6.Gateway6
	// From here on the device moves several frames a system call
	// (/dev/net0batch, link.go); it has one owner at a time.
	syscall.Close(fd)
	if fd, err = syscall.Open("/dev/net0batch", syscall.O_RDWR|syscall.O_NONBLOCK, 0); err != nil {
		fatal(fmt.Errorf("open /dev/net0batch: %v", err))
	}
	eth := newLink(tcpip.LinkAddress(mac))
	s := newStack(eth, cfg)
	eth.run(fd)
	how := "static"
	if dhcp {
		how = "DHCP"
	}
	fmt.Printf("netsvc: eth0 %v (%s), lo 127.0.0.1 ::1\n", cfg, how)
	if port := os.Getenv("NETSVC_ECHO"); port != "" {
		go echo(s, port)
	}
	serveSockets(s, cfg.DNS)
	select {}
}

// newStack makes the stack: IPv4, IPv6 and ARP; TCP, UDP and ICMP; the
// Ethernet interface over link with cfg (and IPv6 by router
// advertisements, ndp.go), and the loopback interface.
func newStack(link stack.LinkEndpoint, cfg config) *stack.Stack {
	ndp := newNDPRoutes()
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, ipv6.NewProtocolWithOptions(ipv6Options(ndp)), arp.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol, icmp.NewProtocol4, icmp.NewProtocol6},
	})
	check(s.CreateNIC(nicEth, link))
	check(s.CreateNIC(nicLoop, loopback.New()))
	addr := tcpip.AddrFrom4(cfg.Addr.Addr().As4())
	addAddress(s, nicEth, ipv4.ProtocolNumber, tcpip.AddressWithPrefix{Address: addr, PrefixLen: cfg.Addr.Bits()})
	addAddress(s, nicLoop, ipv4.ProtocolNumber, tcpip.AddressWithPrefix{Address: tcpip.AddrFrom4([4]byte{127, 0, 0, 1}), PrefixLen: 8})
	addAddress(s, nicLoop, ipv6.ProtocolNumber, tcpip.AddressWithPrefix{Address: tcpip.AddrFrom16([16]byte{15: 1}), PrefixLen: 128})

	local := tcpip.AddrFrom4(cfg.Addr.Masked().Addr().As4())
	subnet, err := tcpip.NewSubnet(local, tcpip.MaskFromBytes(net4Mask(cfg.Addr.Bits())))
	if err != nil {
		fatal(err)
	}
	loop4, _ := tcpip.NewSubnet(tcpip.AddrFrom4([4]byte{127, 0, 0, 0}), tcpip.MaskFromBytes(net4Mask(8)))
	loop6, _ := tcpip.NewSubnet(tcpip.AddrFrom16([16]byte{15: 1}), tcpip.MaskFromBytes(net6Mask(128)))
	routes := []tcpip.Route{
		{Destination: loop4, NIC: nicLoop},
		{Destination: loop6, NIC: nicLoop},
		{Destination: subnet, NIC: nicEth},
	}
	if cfg.Gateway.IsValid() {
		routes = append(routes, tcpip.Route{Destination: header.IPv4EmptySubnet, Gateway: tcpip.AddrFrom4(cfg.Gateway.As4()), NIC: nicEth})
	}
	if a := cfg.Addr6; a.IsValid() { // ip6=: the address, its prefix on the link, the gateway
		addAddress(s, nicEth, ipv6.ProtocolNumber, tcpip.AddressWithPrefix{Address: tcpip.AddrFrom16(a.Addr().As16()), PrefixLen: a.Bits()})
		prefix, _ := tcpip.NewSubnet(tcpip.AddrFrom16(a.Masked().Addr().As16()), tcpip.MaskFromBytes(net6Mask(a.Bits())))
		routes = append(routes, tcpip.Route{Destination: prefix, NIC: nicEth})
		if cfg.Gateway6.IsValid() {
			routes = append(routes, tcpip.Route{Destination: header.IPv6EmptySubnet, Gateway: tcpip.AddrFrom16(cfg.Gateway6.As16()), NIC: nicEth})
		}
	}
	s.SetRouteTable(routes)
	go ndp.apply(s) // from here on, what routers advertise
	return s
}

// addAddress gives interface nic an address.
func addAddress(s *stack.Stack, nic tcpip.NICID, proto tcpip.NetworkProtocolNumber, a tcpip.AddressWithPrefix) {
	check(s.AddProtocolAddress(nic, tcpip.ProtocolAddress{Protocol: proto, AddressWithPrefix: a}, stack.AddressProperties{}))
}

// net4Mask and net6Mask are the masks of a prefix length.
func net4Mask(bits int) []byte { return prefixMask(bits, 4) }
func net6Mask(bits int) []byte { return prefixMask(bits, 16) }

func prefixMask(bits, size int) []byte {
	m := make([]byte, size)
	for i := range m {
		switch {
		case bits >= 8:
			m[i] = 0xff
			bits -= 8
		case bits > 0:
			m[i] = ^byte(0xff >> bits)
			bits = 0
		}
	}
	return m
}

// check stops the service on a stack error.
func check(err tcpip.Error) {
	if err != nil {
		fatal(fmt.Errorf("%v", err))
	}
}

// fatal says what went wrong and ends the service (the program runs on,
// without a network).
func fatal(err error) {
	fmt.Fprintln(os.Stderr, "netsvc:", err)
	os.Exit(1)
}

package main

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// config is the interface's IPv4 configuration: from DHCP, or from the
// kernel command line's ip= word, which the kernel hands the service as
// the environment variable ip.
type config struct {
	Addr    netip.Prefix // the address and the network's prefix length
	Gateway netip.Addr   // the default route's next hop; invalid: none
	DNS     []netip.Addr // name servers, for the program's /etc/resolv.conf
	// A static IPv6 address and default route (ip6=), beside what
	// router advertisements give (ndp.go); invalid: none.
	Addr6    netip.Prefix
	Gateway6 netip.Addr
}

func (c config) String() string {
	s := c.Addr.String()
	if c.Gateway.IsValid() {
		s += " gateway " + c.Gateway.String()
	}
	for _, d := range c.DNS {
		s += " dns " + d.String()
	}
	if c.Addr6.IsValid() {
		s += ", " + c.Addr6.String()
	}
	if c.Gateway6.IsValid() {
		s += " gateway " + c.Gateway6.String()
	}
	return s
}

// parseIP6 reads the value of ip6= into c: nothing, or
// ADDRESS/PREFIX[,GATEWAY], e.g. 2001:db8::20/64,fe80::1.
func parseIP6(s string, c *config) error {
	if s == "" {
		return nil
	}
	addr, gw, hasGW := strings.Cut(s, ",")
	p, err := netip.ParsePrefix(addr)
	if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
		return fmt.Errorf("ip6=%s: want ADDRESS/PREFIX[,GATEWAY] (IPv6)", s)
	}
	c.Addr6 = p
	if hasGW {
		g, err := netip.ParseAddr(gw)
		if err != nil || !g.Is6() || g.Is4In6() {
			return fmt.Errorf("ip6=%s: %q is not an IPv6 address", s, gw)
		}
		c.Gateway6 = g
	}
	return nil
}

// parseIP reads the value of ip=: "dhcp" (or nothing), or
// ADDRESS/PREFIX[,GATEWAY[,DNS...]], e.g. 192.168.1.20/24,192.168.1.1,1.1.1.1.
// dhcp reports that DHCP is to find the configuration.
func parseIP(s string) (c config, dhcp bool, err error) {
	if s == "" || s == "dhcp" {
		return config{}, true, nil
	}
	parts := strings.Split(s, ",")
	if c.Addr, err = netip.ParsePrefix(parts[0]); err != nil || !c.Addr.Addr().Is4() {
		return config{}, false, fmt.Errorf("ip=%s: want dhcp or ADDRESS/PREFIX[,GATEWAY[,DNS...]] (IPv4)", s)
	}
	for i, p := range parts[1:] {
		a, err := netip.ParseAddr(p)
		if err != nil || !a.Is4() {
			return config{}, false, fmt.Errorf("ip=%s: %q is not an IPv4 address", s, p)
		}
		if i == 0 {
			c.Gateway = a
		} else {
			c.DNS = append(c.DNS, a)
		}
	}
	return c, false, nil
}

// parseMAC reads the device's Ethernet address as the kernel gives it
// (NET0_MAC, "52:54:00:12:34:56").
func parseMAC(s string) (net.HardwareAddr, error) {
	mac, err := net.ParseMAC(s)
	if err != nil || len(mac) != 6 {
		return nil, fmt.Errorf("NET0_MAC=%q: not an Ethernet address", s)
	}
	return mac, nil
}

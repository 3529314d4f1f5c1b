package main

import (
	"fmt"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// IPv6 on the Ethernet interface configures itself (RFC 4861, 4862): the
// stack makes a link-local address from the MAC, asks for routers, and
// from their advertisements takes a global address per prefix (SLAAC),
// the prefix as on-link and the router as the default. QEMU's user
// network advertises fec0::/64 with router fec0::2 (the host's ::1) and
// name server fec0::3. gVisor reports what it learnt to an NDP
// dispatcher and leaves the route table to it: ndpRoutes applies each
// change in order, from a goroutine of its own (the callbacks run under
// the stack's locks).

// ipv6Options turns on that configuration.
func ipv6Options(d *ndpRoutes) ipv6.Options {
	return ipv6.Options{
		NDPConfigs: ipv6.NDPConfigurations{
			MaxRtrSolicitations:     3,
			RtrSolicitationInterval: time.Second,
			HandleRAs:               ipv6.HandlingRAsEnabledWhenForwardingDisabled,
			DiscoverDefaultRouters:  true,
			DiscoverOnLinkPrefixes:  true,
			AutoGenGlobalAddresses:  true,
		},
		AutoGenLinkLocal: true,
		NDPDisp:          d,
	}
}

// ndpRoutes is the NDP dispatcher: route changes go to its goroutine.
type ndpRoutes struct {
	changes chan func(*stack.Stack)
}

func newNDPRoutes() *ndpRoutes { return &ndpRoutes{changes: make(chan func(*stack.Stack), 64)} }

// apply makes the changes on s, as they come.
func (d *ndpRoutes) apply(s *stack.Stack) {
	for f := range d.changes {
		f(s)
	}
}

// route adds (add) or removes the route to dest through gateway (or
// on-link, none) on nic.
func (d *ndpRoutes) route(nic tcpip.NICID, dest tcpip.Subnet, gateway tcpip.Address, add bool) {
	r := tcpip.Route{Destination: dest, Gateway: gateway, NIC: nic}
	d.changes <- func(s *stack.Stack) {
		s.RemoveRoutes(func(x tcpip.Route) bool { return x.Equal(r) })
		if add {
			s.AddRoute(r)
		}
	}
}

func (d *ndpRoutes) OnOffLinkRouteUpdated(nic tcpip.NICID, dest tcpip.Subnet, router tcpip.Address, _ header.NDPRoutePreference) {
	d.route(nic, dest, router, true)
}

func (d *ndpRoutes) OnOffLinkRouteInvalidated(nic tcpip.NICID, dest tcpip.Subnet, router tcpip.Address) {
	d.route(nic, dest, router, false)
}

func (d *ndpRoutes) OnOnLinkPrefixDiscovered(nic tcpip.NICID, prefix tcpip.Subnet) {
	d.route(nic, prefix, tcpip.Address{}, true)
}

func (d *ndpRoutes) OnOnLinkPrefixInvalidated(nic tcpip.NICID, prefix tcpip.Subnet) {
	d.route(nic, prefix, tcpip.Address{}, false)
}

// OnAutoGenAddress says which address SLAAC took (the kernel log).
func (d *ndpRoutes) OnAutoGenAddress(_ tcpip.NICID, a tcpip.AddressWithPrefix) stack.AddressDispatcher {
	fmt.Printf("netsvc: eth0 %v (autoconfigured)\n", a)
	return nil
}

// The other events need nothing done.
func (d *ndpRoutes) OnDuplicateAddressDetectionResult(tcpip.NICID, tcpip.Address, stack.DADResult) {}
func (d *ndpRoutes) OnAutoGenAddressDeprecated(tcpip.NICID, tcpip.AddressWithPrefix)               {}
func (d *ndpRoutes) OnAutoGenAddressInvalidated(tcpip.NICID, tcpip.AddressWithPrefix)              {}
func (d *ndpRoutes) OnRecursiveDNSServerOption(tcpip.NICID, []tcpip.Address, time.Duration)        {}
func (d *ndpRoutes) OnDNSSearchListOption(tcpip.NICID, []string, time.Duration)                    {}
func (d *ndpRoutes) OnDHCPv6Configuration(tcpip.NICID, ipv6.DHCPv6ConfigurationFromNDPRA)          {}

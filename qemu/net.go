package qemu

import (
	"fmt"
	"strconv"
	"strings"
)

// netArgs returns the QEMU arguments that give the guest a virtio network
// device (the kernel's kernel/dev/virtio/net) on the network net:
//
//   - "user": QEMU's user-mode network (slirp). The guest is 10.0.2.15
//     behind a NAT, the host is reachable as 10.0.2.2, QEMU's DNS
//     forwarder is 10.0.2.3; each of ports, "[tcp:|udp:]HOST:GUEST",
//     forwards the host's port HOST on localhost to the guest's GUEST.
//   - "tap,IFNAME": the host's tap interface IFNAME (made and bridged by
//     the user; QEMU runs no script). ports make no sense there.
//
// "" gives no network (and ports are an error).
func netArgs(net string, ports []string) ([]string, error) {
	var netdev string
	kind, ifname, _ := strings.Cut(net, ",")
	switch {
	case net == "":
		if len(ports) > 0 {
			return nil, fmt.Errorf("qemu: port forwards need a user network (-net user)")
		}
		return nil, nil
	case net == "user":
		netdev = "user,id=net0"
		for _, p := range ports {
			fwd, err := hostForward(p)
			if err != nil {
				return nil, err
			}
			netdev += ",hostfwd=" + fwd
		}
	case kind == "tap" && ifname != "" && !strings.ContainsAny(ifname, ",="):
		if len(ports) > 0 {
			return nil, fmt.Errorf("qemu: port forwards need a user network (-net user), not %s", net)
		}
		netdev = "tap,id=net0,ifname=" + ifname + ",script=no,downscript=no"
	default:
		return nil, fmt.Errorf("qemu: network %q: want user or tap,IFNAME", net)
	}
	return []string{
		"-netdev", netdev,
		// The modern virtio 1.x interface is what the driver speaks;
		// QEMU's transitional device on the PC's PCI bus offers it beside
		// the legacy one.
		"-device", "virtio-net-pci,netdev=net0",
	}, nil
}

// CheckNet reports what is wrong with a network and its port forwards
// (netArgs), before anything is built.
func CheckNet(net string, ports []string) error {
	_, err := netArgs(net, ports)
	return err
}

// hostForward turns "[tcp:|udp:]HOST:GUEST" into QEMU's hostfwd value,
// "tcp:127.0.0.1:HOST-:GUEST": the host side listens on localhost only.
func hostForward(p string) (string, error) {
	proto := "tcp"
	rest := p
	if before, after, ok := strings.Cut(p, ":"); ok && (before == "tcp" || before == "udp") {
		proto, rest = before, after
	}
	host, guest, ok := strings.Cut(rest, ":")
	if !ok || !validPort(host) || !validPort(guest) {
		return "", fmt.Errorf("qemu: port forward %q: want [tcp:|udp:]HOST:GUEST, ports 1-65535", p)
	}
	return proto + ":127.0.0.1:" + host + "-:" + guest, nil
}

// validPort reports whether s is a port number, 1-65535.
func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == s
}

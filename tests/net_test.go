package tests

import (
	"strings"
	"testing"
)

// TestNetRaw runs tests/programs/netraw on QEMU's user network: through
// /dev/net0 (kernel/fs/devfs/net.go over kernel/dev/virtio/net) the
// program sends an ARP request and a DHCP discover built by hand and
// receives slirp's answers; a non-blocking read with nothing received is
// EAGAIN and epoll reports the device readable. Without -net the machine
// has no network device and no /dev/net0.
func TestNetRaw(t *testing.T) {
	prog := testProgram(t, "netraw")
	r := runMkimage(t, nil, "run", "-accel", "tcg", "-timeout", "60s", "-net", "user", prog)
	r.wantExit(t, 0)
	r.wantLines(t,
		"netraw: empty read is EAGAIN",
		"netraw: epoll reports a frame",
		"netraw: arp: 10.0.2.2 is at 52:55:0a:00:02:02",
		"netraw: dhcp: offered 10.0.2.15 by 10.0.2.2",
	)
	if !strings.Contains(r.Kernel, "network: virtio-net, MAC 52:54:00:12:34:56, /dev/net0") {
		r.fatalf(t, "no network line from the kernel")
	}

	r = runMkimage(t, nil, "run", "-accel", "tcg", "-timeout", "60s", prog)
	r.wantExit(t, 1)
	if !strings.Contains(r.Stderr, "netraw: open /dev/net0: no such file or directory") {
		r.fatalf(t, "without -net: want ENOENT for /dev/net0")
	}
}

// TestNetService runs two Go programs at once, each in its own address
// space, both linked at 0x400000: tests/programs/busy as the program
// (goroutines, garbage collection, timers for 3 s) and
// tests/programs/netraw as the network service (-netsvc), which owns
// /dev/net0, writes to the kernel log and exits while the program runs
// on. Every switch between their threads reloads CR3 (kernel/service.go).
func TestNetService(t *testing.T) {
	r := runMkimage(t, nil, "run", "-accel", "tcg", "-timeout", "90s", "-net", "user",
		"-netsvc", testProgram(t, "netraw"), testProgram(t, "busy"), "3s")
	r.wantExit(t, 0)
	if !strings.Contains(r.Stdout, "busy: 8 goroutines done after 3s") || strings.Contains(r.Stdout, " 0 GC cycles") {
		r.fatalf(t, "the program did not finish its work (with garbage collections)")
	}
	for _, want := range []string{
		"network service started",
		"netraw: arp: 10.0.2.2 is at 52:55:0a:00:02:02",
		"netraw: dhcp: offered 10.0.2.15 by 10.0.2.2",
		"the network service exited with status 0",
	} {
		if !strings.Contains(r.Kernel, want) {
			r.fatalf(t, "kernel log: no %q", want)
		}
	}
}

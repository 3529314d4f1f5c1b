package tests

import (
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNetRaw runs tests/programs/netraw on QEMU's user network: through
// /dev/net0 (kernel/fs/devfs/net.go over kernel/dev/virtio/net) the
// program sends an ARP request and a DHCP discover built by hand and
// receives slirp's answers; a non-blocking read with nothing received is
// EAGAIN and epoll reports the device readable; /dev/net0batch sends two
// ARP requests in one write and reads the answers in slots; the same after a flood
// of random frames. Without -net the machine has no network device and
// no /dev/net0.
func TestNetRaw(t *testing.T) {
	prog := testProgram(t, "netraw")
	r := runMkimage(t, nil, "run", "-accel", "tcg", "-timeout", "60s", "-net", "user", "-netsvc", "none", prog)
	r.wantExit(t, 0)
	r.wantLines(t,
		"netraw: a second open is EBUSY",
		"netraw: empty read is EAGAIN",
		"netraw: epoll reports a frame",
		"netraw: arp: 10.0.2.2 is at 52:55:0a:00:02:02",
		"netraw: dhcp: offered 10.0.2.15 by 10.0.2.2",
		"netraw: batch: 2 ARP replies to 2 requests in one write",
	)
	if !strings.Contains(r.Kernel, "network: virtio-net, MAC 52:54:00:12:34:56") {
		r.fatalf(t, "no network line from the kernel")
	}

	// Thousands of frames of random length and bytes, then the same
	// exchanges: the device and slirp take them, the kernel never faults.
	r = runMkimage(t, nil, "run", "-accel", "tcg", "-timeout", "120s", "-net", "user", "-netsvc", "none", prog, "flood")
	r.wantExit(t, 0)
	r.wantLines(t,
		"netraw: flood: sent 5000 random frames",
		"netraw: arp: 10.0.2.2 is at 52:55:0a:00:02:02",
		"netraw: dhcp: offered 10.0.2.15 by 10.0.2.2",
	)

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
// on, its memory freed. Every switch between their threads reloads CR3 (kernel/service.go).
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
		"the network service exited with status 0, ",
	} {
		if !strings.Contains(r.Kernel, want) {
			r.fatalf(t, "kernel log: no %q", want)
		}
	}
	// Its pages go back to the kernel: its private ones, that is (data,
	// bss, heap, stacks; its text and read-only data are the image's own
	// pages, mapped in place). A Go program touches more than 256 KiB of
	// those (600-800 KiB for netraw).
	kib := 0
	if m := regexp.MustCompile(`status 0, (\d+) KiB freed`).FindStringSubmatch(r.Kernel); m != nil {
		kib, _ = strconv.Atoi(m[1])
	}
	if kib < 256 {
		r.fatalf(t, "kernel log: the service's memory was not freed (want at least 256 KiB)")
	}
}

// TestNetStack runs gobare's network service (netsvc/: gVisor's TCP/IP
// stack over /dev/net0) beside a program, with its test echo server on
// port 7 forwarded from the host: a TCP connection from the host through
// QEMU's user network reaches the stack in the guest and gets its bytes
// back. The interface is configured by DHCP, or statically by the kernel
// word ip=.
func TestNetStack(t *testing.T) {
	for _, c := range []struct{ name, append, want string }{
		{"dhcp", "NETSVC_ECHO=7", "netsvc: eth0 10.0.2.15/24 gateway 10.0.2.2 dns 10.0.2.3 (DHCP), lo 127.0.0.1 ::1"},
		{"static", "NETSVC_ECHO=7 ip=10.0.2.15/24,10.0.2.2,10.0.2.3,1.1.1.1", "netsvc: eth0 10.0.2.15/24 gateway 10.0.2.2 dns 10.0.2.3 dns 1.1.1.1 (static)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			port := freePort(t)
			done := make(chan mkimageRun, 1)
			go func() {
				// A first build of the service compiles gVisor: minutes on a
				// loaded machine (4.5 on this one), hence the long timeout.
				done <- runMkimageOpts(t, mkimageOpts{Timeout: 10 * time.Minute}, "run", "-accel", "tcg", "-timeout", "120s", "-net", "user",
					"-port", fmt.Sprintf("%d:7", port), "-append", c.append, testProgram(t, "busy"), "20s")
			}()
			// Until the echo answers or the run ends: building the service
			// (gVisor) the first time may take minutes before QEMU starts.
			var got string
			var err error
			var r mkimageRun
		wait:
			for {
				if got, err = echoOnce(port, "hello through gVisor\n"); err == nil {
					r = <-done
					break
				}
				select {
				case r = <-done:
					break wait
				case <-time.After(500 * time.Millisecond):
				}
			}
			if err != nil || got != "hello through gVisor\n" {
				r.fatalf(t, "echo through the guest's stack: got %q, %v", got, err)
			}
			r.wantExit(t, 0)
			for _, want := range []string{c.want, "netsvc: echo on port 7"} {
				if !strings.Contains(r.Kernel, want) {
					r.fatalf(t, "kernel log: no %q", want)
				}
			}
		})
	}
}

// freePort returns a TCP port of localhost that nothing listens on now.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// echoOnce sends msg to the echo server at localhost:port and returns
// what comes back.
func echoOnce(port int, msg string) (string, error) {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, msg); err != nil {
		return "", err
	}
	b := make([]byte, len(msg))
	_, err = io.ReadFull(c, b)
	return string(b), err
}

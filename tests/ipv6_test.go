package tests

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// TestNetIPv6 runs tests/programs/net6 over gobare's sockets on QEMU's
// user network, which gives the guest IPv6 by router advertisement
// (fec0::/64). On the loopback interface the program checks what Go's
// start-up probe concluded (":0" is dual-stack "[::]"), listeners on
// ":0", "[::1]:0", tcp6 (IPV6_V6ONLY) and tcp4 against dials over
// 127.0.0.1 and ::1, the families of the socket calls' addresses, and a
// UDP socket that gets its port at sendto (then IPV6_V6ONLY and bind are
// EINVAL, as on Linux, and it stays dual-stack).
// Then it echoes 108 KiB through an IPv6 server on the host's ::1,
// reached as [fec0::2] (NDP and TCP over IPv6 on the wire), from the
// static address ip6= gave it beside the one SLAAC made, and
// serves one echo on ":80" (AF_INET6, dual-stack) to the host through a
// -port forward, which arrives over IPv4: the program sees 10.0.2.2.
func TestNetIPv6(t *testing.T) {
	args := []string{}
	var got6 <-chan int64
	if l, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Logf("the host has no ::1 (%v): no IPv6 over the user network", err)
	} else {
		defer l.Close()
		got6 = echoBack(l)
		args = append(args, "-dial6", fmt.Sprintf("[fec0::2]:%d", l.Addr().(*net.TCPAddr).Port), "-from6", "fec0::15")
	}
	port := freePort(t)
	done := make(chan mkimageRun, 1)
	go func() {
		done <- runMkimageOpts(t, mkimageOpts{Timeout: 10 * time.Minute}, append([]string{"run", "-accel", "tcg", "-timeout", "180s", "-net", "user",
			"-append", "ip6=fec0::15/64,fec0::2",
			"-port", fmt.Sprintf("%d:80", port), testProgram(t, "net6")}, append(args, "-serve", "80")...)...)
	}()
	var r mkimageRun
	for {
		err := echoBytes(port, 1<<16)
		if err == nil {
			break
		}
		select { // until the program listens, or its run ends
		case r = <-done:
			r.fatalf(t, "no echo from the guest: %v", err)
		case <-time.After(500 * time.Millisecond):
		}
	}
	r = <-done
	r.wantExit(t, 0)
	r.wantLines(t,
		`net6: ":0" listens on [::] (dual-stack)`,
		"net6: socket calls: families, IPV6_V6ONLY, errors as Linux",
		"net6: udp autobind: a port at sendto, IPV6_V6ONLY and bind EINVAL after",
		"net6: done",
	)
	for _, want := range []string{
		"-> 127.0.0.1:", // the dual-stack listener, over IPv4
		"[::1]:",
		"refused",
		fmt.Sprintf("net6: echoed %d bytes to 10.0.2.2:", 1<<16),
		" on 10.0.2.15:80", // getsockname: ::ffff:10.0.2.15, which Go prints as IPv4
	} {
		if !strings.Contains(r.Stdout, want) {
			r.fatalf(t, "no %q in the program's output", want)
		}
	}
	if len(args) > 0 {
		if want := int64(4096 * len("ipv6 over the user network\n")); <-got6 != want {
			r.fatalf(t, "the host's IPv6 echo server did not get the program's %d bytes", want)
		}
		if !strings.Contains(r.Kernel, "netsvc: eth0 fec0::5054:ff:fe12:3456/64 (autoconfigured)") || !strings.Contains(r.Kernel, ", fec0::15/64 gateway fec0::2") {
			r.fatalf(t, "no IPv6 address from the router's advertisement, or none from ip6=")
		}
		if !strings.Contains(r.Stdout, "net6: [fec0::15]:") {
			r.fatalf(t, "the program did not dial from its static IPv6 address")
		}
	}
}

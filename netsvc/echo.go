package main

import (
	"fmt"
	"io"
	"strconv"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// echo serves TCP echo (RFC 862) on port of every IPv4 address of the
// stack: each connection gets back what it sends.
func echo(s *stack.Stack, port string) {
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 {
		fatal(fmt.Errorf("NETSVC_ECHO=%s: not a port", port))
	}
	l, err := gonet.ListenTCP(s, tcpip.FullAddress{Port: uint16(p)}, ipv4.ProtocolNumber)
	if err != nil {
		fatal(fmt.Errorf("echo: %v", err))
	}
	fmt.Printf("netsvc: echo on port %d\n", p)
	for {
		c, err := l.Accept()
		if err != nil {
			fatal(fmt.Errorf("echo: %v", err))
		}
		go func() {
			io.Copy(c, c)
			c.Close()
		}()
	}
}

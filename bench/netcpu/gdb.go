package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"time"
)

// The sampler speaks GDB's remote serial protocol to QEMU's gdb stub
// (GDB manual, "Remote Protocol"): a 0x03 byte stops the guest (the
// stub answers with a stop reply), "g" reads the registers, "m" memory,
// "c" continues. The vCPU stops at a translation-block boundary, so a
// sample lands just after whatever was slow — an MMIO write that trapped
// into QEMU's device model included.

// A sample is where the guest was: RIP, CR3 (which address space) and
// the 16 bytes of code at RIP (which binary: profile.go).
type sample struct {
	rip, cr3 uint64
	code     []byte
}

// Offsets in the "g" packet of QEMU's x86-64 target, as QEMU 7.2 sends
// it: 16 general registers, RIP, EFLAGS and six segment selectors (4
// bytes each), then FS_BASE, GS_BASE, KERNEL_GS_BASE, CR0, CR2, CR3.
const (
	offRIP = 16 * 8
	offCR3 = offRIP + 8 + 4 + 6*4 + 3*8 + 2*8
)

// sampler samples the guest in a goroutine of its own until stop.
type sampler struct {
	quit chan struct{}
	done chan []sample
}

// startSampler connects to the stub on port and samples every interval.
func startSampler(port int, interval time.Duration) (*sampler, error) {
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, fmt.Errorf("the gdb stub: %v", err)
	}
	s := &sampler{quit: make(chan struct{}), done: make(chan []sample, 1)}
	go s.run(&stub{c: c, r: bufio.NewReader(c)}, interval)
	return s, nil
}

// stop ends the sampling, lets the guest go on, and returns the samples.
func (s *sampler) stop() []sample {
	close(s.quit)
	return <-s.done
}

func (s *sampler) run(g *stub, interval time.Duration) {
	var out []sample
	for {
		select {
		case <-s.quit:
			g.c.Write([]byte{3})
			g.recv()
			g.send("D") // detach: the guest runs on
			g.recv()
			g.c.Close()
			s.done <- out
			return
		case <-time.After(interval):
		}
		g.c.Write([]byte{3})
		g.recv() // the stop reply
		g.send("g")
		regs, _ := hex.DecodeString(g.recv())
		if len(regs) >= offCR3+8 {
			rip := binary.LittleEndian.Uint64(regs[offRIP:])
			g.send(fmt.Sprintf("m%x,10", rip))
			code, _ := hex.DecodeString(g.recv())
			out = append(out, sample{rip: rip, cr3: binary.LittleEndian.Uint64(regs[offCR3:]), code: code})
		}
		g.send("c")
	}
}

// stub is a connection to the gdb stub.
type stub struct {
	c net.Conn
	r *bufio.Reader
}

// send sends packet p: $p#checksum.
func (g *stub) send(p string) {
	var sum byte
	for i := 0; i < len(p); i++ {
		sum += p[i]
	}
	fmt.Fprintf(g.c, "$%s#%02x", p, sum)
}

// recv returns the next packet's data and acknowledges it.
func (g *stub) recv() string {
	for {
		b, err := g.r.ReadByte()
		if err != nil {
			return ""
		}
		if b == '$' {
			s, _ := g.r.ReadString('#')
			g.r.ReadByte() // the checksum
			g.r.ReadByte()
			g.c.Write([]byte("+"))
			return s[:len(s)-1]
		}
	}
}

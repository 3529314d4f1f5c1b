package tests

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobare/gobare/qemu"
)

// TestNetFaults makes the network go wrong under tests/programs/netfault,
// a TCP server on :80 reached from the host through a -port forward, in
// one boot, and after each fault an echo must still come back intact:
//
//   - garbage: 20,000 frames of random bytes, and random IPv4/TCP, UDP and
//     IPv6 headers addressed to the guest, put on the guest's wire beside
//     QEMU's user network (a filter-redirector's chardev feeds the virtio
//     device's receive queue), through the driver into the stack;
//   - flood: 300 connections at once, more than the sockets the kernel
//     allows in this boot (the kernel word sockets=64): the program's
//     accepts fail (ENFILE: "too many open files in system") and are
//     retried, and none of it faults. How many of the 300 QEMU's user
//     network hands the guest while the host holds them is up to
//     libslirp and the host's TCP (the listening socket where libslirp
//     accepts them, and its retransmissions), not to the guest: in wire
//     dumps of four boots 76 to 213 reached it, and it answered every
//     SYN. So the dials start a little apart (floodPace), and the flood
//     comes again, once the last has drained, until the program reports
//     an accept error (at most floodWaves times);
//   - vanish: the host resets a connection in the middle of a download
//     and of an upload: the program's write or read ends with an error
//     (or an early end of stream), and it serves on.
//
// The program then exits 0 when asked, while a download the host does not
// read has stalled with its send ring full (the test asks the program for
// its count of bytes sent until it stops moving): the exit waits for the
// ring until 5 s pass with nothing moved, and ends. The kernel never
// faults.
func TestNetFaults(t *testing.T) {
	root := repoRoot(t)
	img, err := mkimageBuildImage(mkimageTool(t), root, filepath.Join(t.TempDir(), "netfault.img"), nil,
		"-append", fmt.Sprintf("sockets=%d", floodSockets), "-netsvc", "gobare", testProgram(t, "netfault"), "80")
	if err != nil {
		t.Fatal(err)
	}
	port, junkPort := freePort(t), freePort(t)
	pcap := filepath.Join(t.TempDir(), "wire.pcap")
	// The redirector's frames go the way of the queue it names: "tx",
	// from the user network towards the device (QEMU's filter-mirror.c).
	g := startNetGuest(t, qemu.Config{Kernel: img, Accel: "tcg", SMP: testSMP(t), Net: "user", Ports: []string{fmt.Sprintf("%d:80", port)},
		Timeout: 300 * time.Second,
		Extra: []string{
			"-chardev", fmt.Sprintf("socket,id=junk,host=127.0.0.1,port=%d,server=on,wait=off", junkPort),
			"-object", "filter-redirector,id=junkin,netdev=net0,queue=tx,indev=junk",
			"-object", "filter-dump,id=dump,netdev=net0,queue=all,file=" + pcap,
		}})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	echo := func(what string) {
		t.Helper()
		if err := faultEcho(addr, 256<<10); err != nil {
			g.fatalf("echo %s: %v", what, err)
		}
	}
	g.waitServing(addr)

	// Garbage on the wire.
	junk, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", junkPort))
	if err != nil {
		g.fatalf("the redirector's socket: %v", err)
	}
	rng := rand.New(rand.NewSource(1))
	w := bufio.NewWriter(junk)
	for i := 0; i < 20000; i++ {
		f := junkFrame(rng, i)
		binary.Write(w, binary.BigEndian, uint32(len(f)))
		w.Write(f)
	}
	if err := w.Flush(); err != nil {
		g.fatalf("sending junk: %v", err)
	}
	junk.Close()
	echo("after 20000 junk frames")

	// A connection flood, again until the program has run out of
	// sockets (it counts its accept errors).
	for wave := 1; ; wave++ {
		floodOnce(addr)
		for start := time.Now(); faultEcho(addr, 1000) != nil; { // the flood drains
			if time.Since(start) > 60*time.Second {
				g.fatalf("no echo after flood %d", wave)
			}
			time.Sleep(time.Second)
		}
		n, err := faultAsk(addr, "errors")
		if err != nil {
			g.fatalf("accept errors after flood %d: %v", wave, err)
		}
		t.Logf("flood %d of %d connections: %d accept errors in the program so far", wave, flood, n)
		if n > 0 || wave == floodWaves {
			break
		}
	}
	echo(fmt.Sprintf("after a flood of %d connections", flood))

	// Peers that vanish.
	vanish := func(cmd string, mid func(c *net.TCPConn)) {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			g.fatalf("%s: %v", cmd, err)
		}
		tc := c.(*net.TCPConn)
		tc.Write([]byte(cmd + "\n"))
		mid(tc)
		tc.SetLinger(0) // close with a reset
		tc.Close()
	}
	vanish("down 100000000", func(c *net.TCPConn) { io.CopyN(io.Discard, c, 1<<20) })
	vanish("up", func(c *net.TCPConn) { c.Write(make([]byte, 1<<20)) })
	time.Sleep(2 * time.Second)
	echo("after peers vanished")

	// The program exits while a download it cannot finish (the host
	// reads none of it) fills its send ring: exit waits for the bytes,
	// but not once 5 s pass with nothing moved (kernel/linux/linger.go).
	hold, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		g.fatalf("download to hold: %v", err)
	}
	defer hold.Close()
	hold.Write([]byte("down 100000000\n"))
	// Every buffer on the way (the service's, QEMU's, the host's) fills
	// before the send ring does; under load that can take a while, so
	// wait until the download's count stops moving.
	for last, start := int64(-1), time.Now(); ; {
		time.Sleep(time.Second)
		n, err := faultAsk(addr, "sent")
		if err != nil {
			g.fatalf("sent: %v", err)
		}
		if n > 0 && n == last {
			t.Logf("the held download stalled at %d bytes", n)
			break
		}
		if time.Since(start) > 120*time.Second {
			g.fatalf("the held download never stalled: %d bytes sent", n)
		}
		last = n
	}
	quitAt := time.Now()
	if c, err := net.DialTimeout("tcp", addr, 10*time.Second); err == nil {
		c.Write([]byte("quit\n"))
		c.Close()
	}
	g.waitExit(60 * time.Second)
	if waited := time.Since(quitAt); waited < 4*time.Second {
		t.Fatalf("exit took %v: it did not wait for the held download's bytes\n--- console ---\n%s--- end ---", waited, g.text())
	} else {
		t.Logf("exit with a held download took %v", waited.Round(100*time.Millisecond))
	}
	out := g.text()
	wants := []string{"netfault: down: sent ", "netfault: up: read ", " accept errors"}
	if flood > floodSockets {
		wants = append(wants, "netfault: accept: accept tcp [::]:80: accept4: too many open files in system")
	}
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Fatalf("no %q on the console\n--- console ---\n%s--- end ---", want, out)
		}
	}
	if strings.Contains(out, "down: sent 100000000 of") {
		t.Fatalf("the download went through to a peer that reset it\n--- console ---\n%s--- end ---", out)
	}
	t.Logf("the program's account:\n%s", grepLines(out, "netfault: "))
	// The junk reached the guest's stack: it answered the ARP requests
	// among it (the wire as filter-dump saw it).
	if n := arpReplies(t, pcap); n == 0 {
		t.Fatalf("the guest answered none of the junk's ARP requests: the junk never reached it")
	} else {
		t.Logf("the guest answered %d of the junk's ARP requests", n)
	}
}

// faultEcho sends n bytes to the netfault program at addr as an echo and
// checks them.
func faultEcho(addr string, n int) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	msg := make([]byte, n)
	rand.New(rand.NewSource(int64(n))).Read(msg)
	go func() {
		c.Write([]byte("echo\n"))
		c.Write(msg)
		c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		return err
	}
	if string(got) != string(msg) {
		return fmt.Errorf("%d bytes came back of %d, or different ones", len(got), n)
	}
	return nil
}

// floodOnce makes flood connections to the netfault program at addr,
// each an echo, holds them 5 s while the guest accepts what it can, and
// closes them. The dials start floodPace apart: libslirp accepts
// forwarded connections from a listening socket with a backlog of one,
// so the host's TCP drops what arrives all at once and retries at its
// own pace, seconds apart; started apart, they reach the guest within
// 1.5 s.
func floodOnce(addr string) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	for i := 0; i < flood; i++ {
		time.Sleep(floodPace)
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err == nil {
				c.Write([]byte("echo\n"))
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	time.Sleep(5 * time.Second) // the guest accepts what it can
	for _, c := range conns {
		c.Close()
	}
}

// faultAsk sends the netfault program at addr a command that answers
// with a number (sent, errors) and returns the number.
func faultAsk(addr, cmd string) (int64, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	c.Write([]byte(cmd + "\n"))
	var n int64
	_, err = fmt.Fscan(c, &n)
	return n, err
}

// junkFrame is frame i of the garbage: random bytes, or a frame to the
// guest's address (52:54:00:12:34:56, 10.0.2.15) with random IPv4, TCP,
// UDP or IPv6 headers and payload.
func junkFrame(rng *rand.Rand, i int) []byte {
	if i%200 == 1 { // a true ARP request: who has 10.0.2.15? tell 10.0.2.99 at junkMAC
		return append(append(append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, junkMAC...), 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1),
			append(append(junkMAC, 10, 0, 2, 99), 0, 0, 0, 0, 0, 0, 10, 0, 2, 15)...)
	}
	f := make([]byte, 14+rng.Intn(1500-14+1))
	rng.Read(f)
	if i%4 == 0 {
		return f
	}
	copy(f, []byte{0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02})
	switch {
	case i%4 == 3 && len(f) >= 14+40:
		binary.BigEndian.PutUint16(f[12:], 0x86dd) // IPv6
		f[14] = 0x60 | f[14]&0x0f
		binary.BigEndian.PutUint16(f[18:], uint16(len(f)-14-40))
		f[20] = []byte{6, 17, 58, 0, 44}[rng.Intn(5)] // TCP, UDP, ICMPv6, hop-by-hop, fragment
	case len(f) >= 14+20:
		binary.BigEndian.PutUint16(f[12:], 0x0800) // IPv4
		f[14] = 0x45
		binary.BigEndian.PutUint16(f[16:], uint16(len(f)-14))
		f[23] = []byte{6, 17, 1}[i%3] // TCP, UDP, ICMP
		copy(f[26:], []byte{10, 0, 2, 2, 10, 0, 2, 15})
		var sum uint32
		binary.BigEndian.PutUint16(f[24:], 0)
		for k := 14; k < 34; k += 2 {
			sum += uint32(binary.BigEndian.Uint16(f[k:]))
		}
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		binary.BigEndian.PutUint16(f[24:], ^uint16(sum))
		if len(f) >= 14+20+4 {
			binary.BigEndian.PutUint16(f[36:], 80) // to the program's port
		}
	}
	return f
}

// grepLines returns the lines of text that contain s.
func grepLines(text, s string) string {
	var b strings.Builder
	for line := range strings.Lines(text) {
		if strings.Contains(line, s) {
			b.WriteString(line)
		}
	}
	return b.String()
}

// flood is how many connections the host makes at once, floodSockets
// how many sockets the kernel allows in that boot (sockets=N, below
// sockfs.MaxSockets), so that the flood runs out of them, floodWaves
// how many floods at most until the program says it did, and floodPace
// the time between two of a flood's dials.
const flood, floodSockets, floodWaves, floodPace = 300, 64, 5, 5 * time.Millisecond

// junkMAC is the source of the junk's true ARP requests.
var junkMAC = []byte{0x02, 0, 0, 0, 0, 0x99}

// arpReplies counts the ARP replies to junkMAC in the pcap file at path.
func arpReplies(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 24 {
		t.Fatalf("the wire's dump: %v (%d bytes)", err, len(b))
	}
	n := 0
	for b = b[24:]; len(b) >= 16; { // pcap records: time, time, length kept, length
		l := int(binary.LittleEndian.Uint32(b[8:]))
		if len(b) < 16+l {
			break
		}
		f := b[16 : 16+l]
		if len(f) >= 22 && bytes.Equal(f[:6], junkMAC) && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2 {
			n++
		}
		b = b[16+l:]
	}
	return n
}

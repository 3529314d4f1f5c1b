package tests

import (
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gobare/gobare/qemu"
)

// TestNetLingerCap: the wait at exit for closed sockets' last bytes
// (kernel/linux/linger.go) ends 60 s after exit_group even while bytes
// keep moving. tests/programs/netfault holds lingerConns downloads, each
// stalled with every buffer on the way full (its send ring too), and
// exits; the host then starts reading one to its end every lingerPause,
// so the service reports progress more often than every 5 s for longer
// than 60 s. The machine must stop at the cap and say so, before the host
// has read them all. 512 MiB: the service holds up to 1 MiB of each
// download (gVisor's send buffer).
//
// Not yet reliable, so it runs only when asked (GOBARE_LINGER_CAP=1): in
// some boots some held downloads are done before the host reads them
// (cause not found; more of them with more downloads), and reading those
// reports nothing, so the wait ends before 60 s, on its 5 s rule or with
// every socket done (at these sizes 1 run of 3 passed).
func TestNetLingerCap(t *testing.T) {
	if os.Getenv("GOBARE_LINGER_CAP") != "1" {
		t.Skip("not yet reliable (downloads done before they are read): GOBARE_LINGER_CAP=1 runs it")
	}
	img, err := mkimageBuildImage(mkimageTool(t), repoRoot(t), filepath.Join(t.TempDir(), "netlinger.img"), nil,
		"-netsvc", "gobare", testProgram(t, "netfault"), "80")
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	g := startNetGuest(t, qemu.Config{Kernel: img, Accel: "tcg", SMP: testSMP(t), Net: "user", Ports: []string{fmt.Sprintf("%d:80", port)},
		MemoryMiB: 512, Timeout: 600 * time.Second})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	g.waitServing(addr)
	// The host's receive buffers are kept small (no autotuning: socket(7),
	// SO_RCVBUF), so that each download holds little beyond the guest
	// and reads to its end quickly.
	dialer := net.Dialer{Timeout: 10 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 64<<10)
		})
	}}
	var conns []net.Conn
	for range lingerConns {
		c, err := dialer.Dial("tcp", addr)
		if err != nil {
			g.fatalf("download to hold: %v", err)
		}
		defer c.Close()
		c.Write([]byte("down 100000000\n"))
		conns = append(conns, c)
	}
	// Until every buffer is full: the count stays the same for 3 s (a
	// download whose ring still drained after the exit would be done,
	// unread, 30 s later: netsvc/linger.go).
	for last, same, start := int64(-1), 0, time.Now(); same < 3; {
		time.Sleep(time.Second)
		n, err := faultAsk(addr, "sent")
		if err != nil {
			g.fatalf("sent: %v", err)
		}
		if n > 0 && n == last {
			same++
		} else {
			same = 0
		}
		if time.Since(start) > 300*time.Second {
			g.fatalf("the held downloads never stalled: %d bytes sent", n)
		}
		last = n
	}
	t.Logf("the %d held downloads stalled", lingerConns)
	quitAt := time.Now()
	if c, err := net.DialTimeout("tcp", addr, 10*time.Second); err == nil {
		c.Write([]byte("quit\n"))
		c.Close()
	}
	// Start reading a download to its end every lingerPause, until the
	// machine stops. A download's send ring moves soon after its reading
	// starts, and it is done once all is read; in between only the
	// guest's stack and QEMU move bytes, unseen by the kernel's wait, so
	// the next download starts before that ends.
	var read atomic.Int32
	go func() {
		// In a random order: a download whose ring emptied anyway (its
		// endpoint then done, unread, 30 s after the exit:
		// netsvc/linger.go) reports nothing when read, and such ones
		// must not come in a row.
		rand.Shuffle(len(conns), func(i, j int) { conns[i], conns[j] = conns[j], conns[i] })
		for _, c := range conns {
			go func() {
				c.SetReadDeadline(time.Now().Add(120 * time.Second))
				if _, err := io.Copy(io.Discard, c); err == nil {
					read.Add(1)
				}
			}()
			time.Sleep(lingerPause)
		}
	}()
	g.waitExit(300 * time.Second)
	waited, n := time.Since(quitAt).Round(100*time.Millisecond), int(read.Load())
	out := g.text()
	if !strings.Contains(out, " closed sockets still sending after 60 s: the machine stops without their last bytes") {
		t.Fatalf("exit took %v and did not stop at the 60 s cap\n--- console ---\n%s--- end ---", waited, out)
	}
	t.Logf("exit took %v; the host read %d of %d downloads to their end", waited, n, lingerConns)
	if n == lingerConns {
		t.Fatalf("the host read every download: the cap did not cut the wait short\n--- console ---\n%s--- end ---", out)
	}
}

// The held downloads and the host's pause between starting to read
// them: more than 60 s in all, less than 5 s without progress.
const (
	lingerConns = 64
	lingerPause = time.Second
)

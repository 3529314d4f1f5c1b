package tests

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gobare/gobare/qemu"
)

// netGuest is a machine booted in the background for a test that talks
// to its program over the network while it runs (TestNetFaults,
// TestNetLingerCap).
type netGuest struct {
	t       *testing.T
	stop    context.CancelFunc
	done    chan error // QEMU's end: nil once the program has exited 0
	console bytes.Buffer
}

// startNetGuest boots cfg, its console (stdout and stderr) kept for the
// failure messages. The test's end stops it.
func startNetGuest(t *testing.T, cfg qemu.Config) *netGuest {
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	g := &netGuest{t: t, stop: stop, done: make(chan error, 1)}
	cfg.Stdout, cfg.Stderr = &g.console, &g.console
	go func() {
		res, err := qemu.Run(ctx, cfg)
		if err == nil && res.ExitCode != 0 {
			err = fmt.Errorf("exit status %d, want 0", res.ExitCode)
		}
		g.done <- err
	}()
	return g
}

// fatalf stops the machine and fails the test with QEMU's end and the
// console.
func (g *netGuest) fatalf(format string, args ...any) {
	g.t.Helper()
	g.stop()
	err := <-g.done
	g.t.Fatalf(format+"\n(QEMU: %v)\n--- console ---\n%s--- end ---", append(args, err, g.text())...)
}

// waitServing waits until the program at addr echoes (faultEcho), for
// at most 200 s.
func (g *netGuest) waitServing(addr string) {
	g.t.Helper()
	for start := time.Now(); faultEcho(addr, 1000) != nil; {
		if time.Since(start) > 200*time.Second {
			g.fatalf("the program never echoed")
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// waitExit waits up to limit for the program, asked to quit, to exit 0.
func (g *netGuest) waitExit(limit time.Duration) {
	g.t.Helper()
	select {
	case err := <-g.done:
		if err != nil {
			g.t.Fatalf("%v\n--- console ---\n%s--- end ---", err, g.text())
		}
	case <-time.After(limit):
		g.fatalf("the program did not exit when asked")
	}
}

// text is the console's output so far (read it once the machine stopped).
func (g *netGuest) text() string { return serialText(g.console.String()) }

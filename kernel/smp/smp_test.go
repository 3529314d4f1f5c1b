package smp

import (
	"sync/atomic"
	"testing"
)

// TestNeedsInitWait: the 10 ms wait after INIT only on the CPUs Linux
// still waits for (smp_quirk_init_udelay): Intel before family 6, AMD
// before family 0Fh, Hygon before 18h, and every other vendor.
func TestNeedsInitWait(t *testing.T) {
	sig := func(family, extFamily uint32) uint32 { return family<<8 | extFamily<<20 }
	vendor := func(s string) (v [12]byte) { copy(v[:], s); return v }
	for _, c := range []struct {
		vendor    string
		signature uint32
		want      bool
	}{
		{"GenuineIntel", sig(6, 0), false},   // Pentium Pro to today's cores
		{"GenuineIntel", sig(0xF, 0), false}, // Pentium 4: family 15
		{"GenuineIntel", sig(5, 0), true},    // Pentium
		{"AuthenticAMD", sig(0xF, 8), false}, // Zen 2: family 17h (QEMU's -cpu max on this host)
		{"AuthenticAMD", sig(0xF, 0), false}, // K8
		{"AuthenticAMD", sig(6, 0), true},    // K7
		{"HygonGenuine", sig(0xF, 9), false}, // Dhyana: family 18h
		{"CentaurHauls", sig(6, 0), true},
	} {
		if got := needsInitWait(vendor(c.vendor), c.signature); got != c.want {
			t.Errorf("needsInitWait(%s, %#x) = %v, want %v", c.vendor, c.signature, got, c.want)
		}
	}
}

// TestServeFlushUnderNMI: a shootdown's NMI that comes while ServeFlush
// is flushing, and serves the newer generation itself, must not be undone
// when the interrupted call goes on: done stays at the newest generation.
func TestServeFlushUnderNMI(t *testing.T) {
	var done, asked atomic.Uint64
	asked.Store(16)
	flushes := 0
	nmi := func() { // the NMI's own call, for generation 17
		asked.Store(17)
		serveFlush(&done, &asked, func() { flushes++ })
	}
	serveFlush(&done, &asked, func() {
		flushes++
		if flushes == 1 {
			nmi()
		}
	})
	if got := done.Load(); got != 17 {
		t.Errorf("done = %d after an NMI served generation 17 in the middle, want 17", got)
	}
	if flushes != 2 {
		t.Errorf("%d flushes, want 2 (the interrupted one and the NMI's)", flushes)
	}
	serveFlush(&done, &asked, func() { t.Error("flushed with nothing asked") })
}

package tests

import (
	"math"
	"testing"
	"time"

	"github.com/gobare/gobare/internal/image"
)

// hostTSCHz measures the host's TSC frequency over about 200 ms of
// wall-clock time.
func hostTSCHz() float64 {
	t0, c0 := time.Now(), rdtsc()
	time.Sleep(200 * time.Millisecond)
	c1, el := rdtsc(), time.Since(t0)
	return float64(c1-c0) / el.Seconds()
}

// TestTSCFrequency compares the TSC frequency the kernel calibrated (and
// prints in its banner) with the host's. Under TCG, QEMU's guest TSC is
// the host's TSC, so they must agree; 10% allows for a rough calibration.
func TestTSCFrequency(t *testing.T) {
	t.Parallel()
	r := bootImage(t, writeImage(t, image.Program{}), "")
	r.wantExit(t, 0)
	b, ok := parseBanner(r.Console)
	if !ok {
		r.fatalf(t, "no banner line matching %s", bannerRE)
	}
	host := hostTSCHz() / 1e6
	guest := float64(b.TSCMHz)
	if d := math.Abs(guest-host) / host; d > 0.10 {
		r.fatalf(t, "kernel's TSC %v MHz, host's %.0f MHz: %.1f%% apart, want within 10%%", guest, host, 100*d)
	}
	t.Logf("TSC: kernel %v MHz, host %.0f MHz", guest, host)
}

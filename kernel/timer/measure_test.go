package timer

import (
	"math"
	"testing"
)

// A simulated machine for the measurements: a TSC at tscRate and an APIC
// timer counting down at apicRate from its largest count, both driven by
// one clock (simulated nanoseconds). Every read costs readCost; the reads
// numbered in stalls (0 is the first) lose the CPU for stall first, as a
// virtual CPU on a busy host does, while both clocks go on.
const (
	tscRate  = 2_400_000_000
	apicRate = 62_500_000
	readCost = 50   // ns
	stall    = 30e6 // ns: 30 ms
)

type machine struct {
	ns     float64
	reads  int
	stalls map[int]bool
}

func (m *machine) step() {
	if m.stalls[m.reads] {
		m.ns += stall
	}
	m.reads++
	m.ns += readCost
}

func (m *machine) tsc() uint64 { m.step(); return uint64(m.ns * tscRate / 1e9) }

func (m *machine) apic() uint32 { m.step(); return 0xFFFF_FFFF - uint32(m.ns*apicRate/1e9) }

// pm reads a simulated ACPI PM timer: 24 bits counting up at pmRate.
func (m *machine) pm() uint32 { m.step(); return uint32(m.ns*pmRate/1e9) & 0xFF_FFFF }

const pmRate = 3_579_545

// measureAPIC measures the simulated APIC timer for at most 2 ms, as
// apicFromTSC does, and returns its rate, how many reads that took and
// how long (simulated ns).
func measureAPIC(stalls ...int) (hz uint64, reads int, ns float64) {
	m := &machine{ns: 1000, stalls: map[int]bool{}}
	for _, s := range stalls {
		m.stalls[s] = true
	}
	down := func(c0, c1 uint32) uint64 { return uint64(c0 - c1) }
	counts, cycles := measure(m.apic, down, m.tsc, ^uint64(0), tscRate/500)
	return perSecond(counts, cycles, tscRate), m.reads, m.ns - 1000
}

// within reports whether hz is within 0.1% of want.
func within(hz, want uint64) bool {
	return math.Abs(float64(hz)-float64(want)) <= float64(want)/1000
}

// TestAPICRateWithAStall: a 30 ms stall at any read of the measurement —
// in a bracket at either end, between the two ends, or between them and
// the spin — leaves the measured rate within 0.1%. (Measured plainly, as
// the kernel once did — start the timer, read the TSC, spin 2 ms, read the
// timer — one stall at the start made it 16 times too fast, and every
// timer interrupt 16 times late.)
func TestAPICRateWithAStall(t *testing.T) {
	hz, reads, _ := measureAPIC()
	if !within(hz, apicRate) {
		t.Fatalf("no stall: measured %d Hz, want %d", hz, apicRate)
	}
	ends := 3 * sharpReads // the reads of one end: a TSC read, the clock's, a TSC read each
	for s := 0; s < reads; s++ {
		if s == ends+100 { // skip the middle of the spin (all alike)
			s = reads - ends - 100
		}
		if hz, _, _ := measureAPIC(s); !within(hz, apicRate) {
			t.Errorf("a stall at read %d of %d: measured %d Hz, want %d within 0.1%%", s, reads, hz, apicRate)
		}
	}
}

// TestAPICRateWithStallsAtBothEnds: a stall in all but one bracket of
// each end still leaves one sharp read at each.
func TestAPICRateWithStallsAtBothEnds(t *testing.T) {
	_, reads, _ := measureAPIC()
	var stalls []int
	for i := 0; i < sharpReads-1; i++ {
		stalls = append(stalls, 3*i+1, reads-3*sharpReads+3*i+1) // each end's clock read
	}
	if hz, _, _ := measureAPIC(stalls...); !within(hz, apicRate) {
		t.Errorf("stalls at %v: measured %d Hz, want %d within 0.1%%", stalls, hz, apicRate)
	}
}

// TestSharpSamplePicksTheNarrowestBracket: with a stall inside every
// bracket but the last (before the clock's read, or before the closing
// TSC read), the count and TSC returned are those of the last read: they
// agree, and the TSC is past every stall.
func TestSharpSamplePicksTheNarrowestBracket(t *testing.T) {
	m := &machine{stalls: map[int]bool{}}
	for i := 0; i < sharpReads-1; i++ {
		m.stalls[3*i+1+i%2] = true
	}
	count, at, _ := sharpSample(m.apic, m.tsc)
	countNs := float64(0xFFFF_FFFF-count) * 1e9 / apicRate
	tscNs := float64(at) * 1e9 / tscRate
	if math.Abs(countNs-tscNs) > 2*readCost {
		t.Errorf("the count says %.0f ns, the TSC %.0f ns: more than a bracket apart", countNs, tscNs)
	}
	if tscNs < (sharpReads-1)*stall {
		t.Errorf("the TSC says %.0f ns: not the last read, after %d stalls of %v ns", tscNs, sharpReads-1, stall)
	}
}

// TestMeasureStopsWhenSharp: with reads as quick as the simulated ones,
// both measurements reach their 500 ppm bound long before their caps (2
// ms for the APIC timer, 10 ms for the TSC against the PM timer), and
// their rates are within it.
func TestMeasureStopsWhenSharp(t *testing.T) {
	hz, _, ns := measureAPIC()
	if ns > 1e6 {
		t.Errorf("the APIC timer took %.0f us to measure, want under 1 ms", ns/1e3)
	}
	if d := math.Abs(float64(hz)-apicRate) / apicRate; d > 500e-6 {
		t.Errorf("APIC timer: %d Hz, %.0f ppm off", hz, d*1e6)
	}
	m := &machine{ns: 1000}
	up := func(c0, c1 uint32) uint64 { return uint64((c1 - c0) & 0xFF_FFFF) }
	ticks, cycles := measure(m.pm, up, m.tsc, pmRate/100, ^uint64(0))
	hz = perSecond(cycles, ticks, pmRate)
	if m.ns > 5e6 {
		t.Errorf("the TSC took %.0f us to measure, want well under the 10 ms cap", m.ns/1e3)
	}
	if d := math.Abs(float64(hz)-tscRate) / tscRate; d > 500e-6 {
		t.Errorf("TSC: %d Hz, %.0f ppm off", hz, d*1e6)
	}
	t.Logf("APIC timer measured in %.0f us, the TSC in %.0f us", ns/1e3, m.ns/1e3)
}

// TestMeasureCapsAStalledEnd: when every bracket of the first end stalls,
// the bound is never met, and the measurement ends at its cap.
func TestMeasureCapsAStalledEnd(t *testing.T) {
	m := &machine{ns: 1000, stalls: map[int]bool{}}
	for i := 0; i < sharpReads; i++ {
		m.stalls[3*i+1] = true
	}
	down := func(c0, c1 uint32) uint64 { return uint64(c0 - c1) }
	_, cycles := measure(m.apic, down, m.tsc, ^uint64(0), tscRate/500)
	if cycles < tscRate/500 {
		t.Errorf("stopped after %d cycles, before the cap of %d", cycles, tscRate/500)
	}
}

// TestPerSecond: counts over ticks of a clock at hz.
func TestPerSecond(t *testing.T) {
	for _, c := range []struct{ counts, ticks, hz, want uint64 }{
		{125_000, 4_800_000, 2_400_000_000, 62_500_000}, // the APIC timer over 2 ms of a 2.4 GHz TSC
		{24_000_000, 35_795, 3_579_545, 2_400_030_171},  // a TSC over 35795 counts (10.0 ms) of the PM timer
		{5, 0, 100, 0}, // no ticks
	} {
		if got := perSecond(c.counts, c.ticks, c.hz); got != c.want {
			t.Errorf("perSecond(%d, %d, %d) = %d, want %d", c.counts, c.ticks, c.hz, got, c.want)
		}
	}
}

// Package pmtimer reads the ACPI power-management timer (ACPI 6.5
// §4.8.3.3): a free-running counter at 3.579545 MHz, 24 or 32 bits wide,
// at an I/O port the FADT gives. Unlike the TSC its rate is fixed, so the
// kernel measures the TSC against it.
package pmtimer

import "github.com/gobare/gobare/kernel/cpu"

// Hz is the timer's rate.
const Hz = 3579545

// mask keeps the low 24 bits, which every PM timer has.
const mask = 1<<24 - 1

// sample reads the timer between two TSC reads and returns the count, the
// TSC halfway between them, and how far apart they were: a read that took
// long (the virtual CPU was descheduled, or the port access was slow) is
// an uncertain one.
func sample(port uint16) (count uint32, tsc, width uint64) {
	t0 := cpu.Rdtsc()
	count = cpu.Inl(port) & mask
	t1 := cpu.Rdtsc()
	return count, t0 + (t1-t0)/2, t1 - t0
}

// tightSample takes the sharpest of a few samples.
func tightSample(port uint16) (count uint32, tsc uint64) {
	best := ^uint64(0)
	for i := 0; i < 8; i++ {
		c, t, w := sample(port)
		if w < best {
			best, count, tsc = w, c, t
		}
	}
	return count, tsc
}

// TSCHz measures the TSC's rate over about ticks timer counts (fewer than
// 2^23, so a 24-bit counter's wrap is handled). Each end of the interval is
// the sharpest of several bracketed reads, so a slow read or a moment
// without the CPU at either end does not skew the result, and a slow
// moment in between does not matter at all.
func TSCHz(port uint16, ticks uint32) uint64 {
	c0, t0 := tightSample(port)
	for (cpu.Inl(port)-c0)&mask < ticks {
	}
	c1, t1 := tightSample(port)
	elapsed := uint64((c1 - c0) & mask)
	if elapsed == 0 {
		return 0
	}
	return (t1 - t0) * Hz / elapsed
}

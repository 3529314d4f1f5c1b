package timer

import (
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/lapic"
	"github.com/gobare/gobare/kernel/dev/pmtimer"
)

// Measuring a clock against the TSC: the TSC's own rate against the ACPI
// PM timer (tscFromPMTimer), the local APIC timer's against the TSC
// (apicFromTSC). A measurement is a count of one clock between two
// readings of the other, so what matters is that at each end of the
// interval the two are read at the same moment.
//
// Under QEMU on a busy host that is not a given: the virtual CPU can lose
// the physical one for tens of milliseconds between any two instructions.
// A stall between starting the APIC timer and the first TSC read, or
// between the last TSC read and the timer's, adds its whole length to one
// clock only; timing 2 ms that way on a host with a load of 30, the kernel
// found the APIC timer anywhere from 1 to 19 times as fast as it is, and
// then every sleep and time slice lasted that many times too long (the
// Go runtime's timers, its sysmon, the scheduler's time slices: a 5 s
// program took over 30). So each end is the sharpest of several reads of
// the clock, each bracketed by two TSC reads: a stall would have to hit
// every one of them, and a stall in the middle of the interval changes
// nothing.

// sharpReads is how many bracketed reads each end of an interval takes.
const sharpReads = 8

// sharpSample reads a clock (read) sharpReads times, each between two TSC
// reads (tsc), and returns the count of the read with the narrowest
// bracket and the TSC halfway through it.
func sharpSample(read func() uint32, tsc func() uint64) (count uint32, at uint64) {
	best := ^uint64(0)
	for i := 0; i < sharpReads; i++ {
		t0 := tsc()
		c := read()
		t1 := tsc()
		if t1-t0 < best {
			best, count, at = t1-t0, c, t0+(t1-t0)/2
		}
	}
	return count, at
}

// countDown measures a clock that counts down (the APIC timer, started
// from its largest count) over about window TSC cycles: how far it
// counted, and in how many cycles.
func countDown(read func() uint32, tsc func() uint64, window uint64) (counts, cycles uint64) {
	c0, t0 := sharpSample(read, tsc)
	for tsc()-t0 < window {
	}
	c1, t1 := sharpSample(read, tsc)
	return uint64(c0 - c1), t1 - t0
}

// perSecond converts counts of one clock over ticks of another, which
// runs at hz, into counts per second; 0 over no ticks. (counts*hz stays
// far below 2^64: some millions of counts, some billions of Hz.)
func perSecond(counts, ticks, hz uint64) uint64 {
	if ticks == 0 {
		return 0
	}
	return counts * hz / ticks
}

// apicFromTSC returns the local APIC timer's rate (ticks per second, at
// the bus clock divided by 16) measured over 2 ms of the TSC.
func apicFromTSC() uint64 {
	lapic.StartCountdown()
	counts, cycles := countDown(lapic.CurrentCount, cpu.Rdtsc, tscHz/500)
	lapic.SetTimerCount(0) // stop it
	return perSecond(counts, cycles, tscHz)
}

// tscFromPMTimer measures the TSC's rate over about ticks counts of the
// PM timer at port (fewer than 2^23, so a 24-bit counter's wrap is
// handled).
func tscFromPMTimer(port uint16, ticks uint32) uint64 {
	read := func() uint32 { return pmtimer.Read(port) }
	c0, t0 := sharpSample(read, cpu.Rdtsc)
	for pmtimer.Elapsed(c0, pmtimer.Read(port)) < ticks {
	}
	c1, t1 := sharpSample(read, cpu.Rdtsc)
	return perSecond(t1-t0, uint64(pmtimer.Elapsed(c0, c1)), pmtimer.Hz)
}

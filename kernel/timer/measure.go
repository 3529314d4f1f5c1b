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

// errorShift sets how precise a measurement must be before it ends: its
// error bound at most 1/2^errorShift of the interval, 2^-11, about 500
// ppm. Linux's quick TSC calibration against the PIT stops at the same
// bound (quick_pit_calibrate in arch/x86/kernel/tsc.c: "Iterate until the
// error is less than 500 ppm", d1+d2 >= delta >> 11). A fixed window sized
// for the worst case (10 ms for the TSC, 2 ms for the APIC timer, before)
// spends that time on every boot; sharp ends reach the bound in about a
// millisecond when the host lets the virtual CPU run.
const errorShift = 11

// sharpSample reads a clock (read) sharpReads times, each between two TSC
// reads (tsc), and returns the count of the read with the narrowest
// bracket, the TSC halfway through it and the bracket's width.
func sharpSample(read func() uint32, tsc func() uint64) (count uint32, at, width uint64) {
	width = ^uint64(0)
	for i := 0; i < sharpReads; i++ {
		t0 := tsc()
		c := read()
		t1 := tsc()
		if t1-t0 < width {
			width, count, at = t1-t0, c, t0+(t1-t0)/2
		}
	}
	return count, at, width
}

// measure counts a clock against the TSC: read reads it, elapsed turns
// two readings into the counts between them. From a sharp sample now, it
// takes sharp samples until the error bound — each end's half bracket,
// and one count of the clock, in TSC cycles — is within 2^-errorShift of
// the interval, or the interval reaches maxCounts of the clock or
// maxCycles of the TSC. It returns the counts and the cycles between the
// first sample and the last.
func measure(read func() uint32, elapsed func(c0, c1 uint32) uint64, tsc func() uint64, maxCounts, maxCycles uint64) (counts, cycles uint64) {
	c0, t0, w0 := sharpSample(read, tsc)
	for {
		c1, t1, w1 := sharpSample(read, tsc)
		counts, cycles = elapsed(c0, c1), t1-t0
		if counts >= maxCounts || cycles >= maxCycles {
			return counts, cycles
		}
		if counts > 0 && (w0+w1)/2+cycles/counts+1 <= cycles>>errorShift {
			return counts, cycles
		}
	}
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
// the bus clock divided by 16) measured against the TSC, for at most 2 ms
// (measure). The timer counts down from its largest count.
func apicFromTSC() uint64 {
	lapic.StartCountdown()
	down := func(c0, c1 uint32) uint64 { return uint64(c0 - c1) }
	counts, cycles := measure(lapic.CurrentCount, down, cpu.Rdtsc, ^uint64(0), tscHz/500)
	lapic.SetTimerCount(0) // stop it
	return perSecond(counts, cycles, tscHz)
}

// tscFromPMTimer measures the TSC's rate against the PM timer at port, for
// at most maxTicks of it (fewer than 2^23, so a 24-bit counter's wrap is
// handled; measure).
func tscFromPMTimer(port uint16, maxTicks uint32) uint64 {
	read := func() uint32 { return pmtimer.Read(port) }
	up := func(c0, c1 uint32) uint64 { return uint64(pmtimer.Elapsed(c0, c1)) }
	ticks, cycles := measure(read, up, cpu.Rdtsc, uint64(maxTicks), ^uint64(0))
	return perSecond(cycles, ticks, pmtimer.Hz)
}

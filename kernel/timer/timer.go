// Package timer owns time: the time-stamp counter calibrated against the
// PIT, from which the kernel reads nanoseconds; the wall clock read from
// the CMOS clock at boot; and the periodic tick (PIT channel 0 through the
// 8259) that drives sleeps and time slices.
package timer

import (
	"math/bits"

	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/pic"
	"github.com/gobare/gobare/kernel/dev/pit"
	"github.com/gobare/gobare/kernel/dev/rtc"
)

// TickHz is the scheduler tick: 1 ms resolution for sleeps and
// time-slices.
const TickHz = 1000

var (
	tscHz   uint64 // calibrated TSC frequency
	tscBoot uint64 // TSC at kernel entry (MarkBoot), Nanotime's zero
	// nanosPerCycle is 1e9/tscHz as a 32.32 fixed-point number, so that
	// converting cycles to nanoseconds is one multiplication.
	nanosPerCycle  uint64
	ticks          uint64 // timer interrupts so far
	bootEpochNanos int64  // Unix time in ns when Nanotime was 0
)

// Init calibrates the TSC, starts the periodic tick and unmasks the IRQs.
func Init() {
	hz := calibrateTSC()
	if hz == 0 { // no TSC progress: a broken clock; avoid dividing by zero
		hz = 1
	}
	tscHz = hz
	nanosPerCycle = (1e9 << 32) / (hz | 1) // | 1: provably non-zero, so no divide check
	// Nanotime counts from the kernel's first instruction (MarkBoot), so
	// CLOCK_BOOTTIME in a program says how long the machine took to get
	// there; the wall clock is the CMOS time now minus what has passed.
	wall := rtc.ReadUnix()
	if tscBoot == 0 {
		tscBoot = cpu.Rdtsc()
	}
	bootEpochNanos = wall*1e9 - Nanotime()
	pit.StartPeriodic(pit.Hz / TickHz)
	pic.Init(1<<pic.IRQTimer | 1<<pic.IRQKeyboard | 1<<pic.IRQCOM1)
}

// calibrateTSC counts TSC cycles while PIT channel 2 counts down 5 ms in
// one-shot mode, five times, and keeps the smallest: being interrupted or
// descheduled (a busy host, under QEMU) can only make a measurement longer.
func calibrateTSC() uint64 {
	const ms, runs = 5, 5
	best := ^uint64(0)
	for i := 0; i < runs; i++ {
		best = min(best, pit.MeasureTSC(pit.Hz*ms/1000))
	}
	return best * (1000 / ms)
}

// MarkBoot records the TSC at kernel entry, the zero of Nanotime.
func MarkBoot() { tscBoot = cpu.Rdtsc() }

// TSCHz returns the calibrated TSC frequency.
func TSCHz() uint64 { return tscHz }

// BootEpochNanos returns the real time, in ns since 1970, at Nanotime 0.
func BootEpochNanos() int64 { return bootEpochNanos }

// EndOfInterrupt acknowledges an interrupt line so the next one comes.
func EndOfInterrupt(irq int) { pic.EndOfInterrupt(irq) }

// Tick counts a timer interrupt; the caller acknowledges it.
func Tick() { ticks++ }

// Nanotime returns nanoseconds since calibration, from the TSC.
func Nanotime() int64 {
	return int64(TSCToNanos(cpu.Rdtsc() - tscBoot))
}

// TSCToNanos converts a TSC cycle count to nanoseconds: the 128-bit
// product cycles * nanosPerCycle shifted right by 32 (bits.Mul64 compiles
// to one MUL instruction).
func TSCToNanos(cycles uint64) uint64 {
	hi, lo := bits.Mul64(cycles, nanosPerCycle)
	return hi<<32 | lo>>32
}

// Ticks returns the number of timer interrupts so far.
func Ticks() uint64 { return ticks }

// VDSOClockGettimePC returns the address of the vDSO's clock_gettime.
func VDSOClockGettimePC() uintptr

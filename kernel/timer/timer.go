// Package timer owns time: the time-stamp counter, whose rate CPUID states
// or the kernel measures against the ACPI PM timer or the PIT, and from
// which it reads nanoseconds; the wall clock read from the CMOS clock at
// boot; and the periodic tick (the local APIC timer, or PIT channel 0)
// that drives sleeps and time slices.
package timer

import (
	"math/bits"

	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/lapic"
	"github.com/gobare/gobare/kernel/dev/pit"
	"github.com/gobare/gobare/kernel/dev/pmtimer"
	"github.com/gobare/gobare/kernel/dev/rtc"
	"github.com/gobare/gobare/kernel/percpu"
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

// How the TSC's rate was found, and what drives the tick.
const (
	FromCPUID   = "CPUID leaf 15h"
	FromBaseMHz = "CPUID leaves 15h and 16h"
	FromHyperv  = "the hypervisor's CPUID leaf 40000010h"
	FromPMTimer = "the ACPI PM timer"
	FromPIT     = "the PIT"
	TickAPIC    = "the local APIC timer"
	TickPIT     = "the PIT"
)

var tscSource, tickSource string

// Init finds the TSC's rate — from CPUID where the CPU or the hypervisor
// states it, else measured against the ACPI PM timer at pmPort (0: none)
// for at most 10 ms, else against the PIT — and reads the wall clock.
func Init(pmPort uint16) {
	hz, src := tscFromCPUID()
	switch {
	case hz != 0:
	case pmPort != 0:
		hz, src = tscFromPMTimer(pmPort, pmtimer.Hz*10/1000), FromPMTimer // at most 10 ms
	default:
		hz, src = calibratePIT(), FromPIT
	}
	if hz == 0 { // no TSC progress: a broken clock; avoid dividing by zero
		hz = 1
	}
	tscHz, tscSource = hz, src
	nanosPerCycle = (1e9 << 32) / (hz | 1) // | 1: provably non-zero, so no divide check
	// Nanotime counts from the kernel's first instruction (MarkBoot), so
	// CLOCK_BOOTTIME in a program says how long the machine took to get
	// there; the wall clock is the CMOS time now minus what has passed.
	wall := rtc.ReadUnix()
	if tscBoot == 0 {
		tscBoot = cpu.Rdtsc()
	}
	bootEpochNanos = wall*1e9 - Nanotime()
}

// StartTick starts the timer interrupt on vector. With the local APIC
// (apic set) the kernel is tickless: the APIC timer, its rate measured
// against the TSC, runs in one-shot mode and Arm programs it for the next
// deadline only, so an idle machine takes no interrupts at all. Without it
// PIT channel 0 ticks TickHz times a second and Arm does nothing.
//
// The APIC timer is measured for at most 2 ms, usually about one: each
// end is read sharply and the measurement stops once its error bound is
// within about 500 ppm (measure.go). A rate measured too low would cost
// nothing lasting — an interrupt that comes early finds its deadline not
// yet passed, and Arm sets the timer again for the rest — but one
// measured too high makes every interrupt late, every sleep and time
// slice longer by as much.
func StartTick(vector uint8, apic bool) {
	if apic {
		apicPerNano = (apicFromTSC() << 32) / 1e9
		tickVector = vector
		StartTickHere()
		tickSource = TickAPIC
		return
	}
	pit.StartPeriodic(pit.Hz / TickHz)
	tickSource = TickPIT
}

// StartTickHere sets up the local APIC timer of the CPU that calls it (an
// application processor; every CPU has its own timer, on the same vector
// and, on one machine, the same bus clock as the boot CPU measured).
func StartTickHere() {
	if apicPerNano != 0 {
		lapic.StartTimer(tickVector, 0, false)
	}
}

// apicPerNano is the APIC timer's ticks per nanosecond as a 32.32 fixed
// point number, 0 while the PIT ticks; tickVector is its vector; armed is
// the deadline each CPU's APIC timer is set for (0: none).
var (
	apicPerNano uint64
	tickVector  uint8
	armed       [percpu.MaxCPUs]int64
)

// Arm makes this CPU's timer interrupt at deadline (monotonic ns; 0:
// never), unless it is already set for that moment (a check inlined into
// every entry; arm programs the timer). The count is rounded up, so the
// interrupt never comes before the deadline.
func Arm(deadline int64) {
	me := percpu.ID()
	if apicPerNano == 0 || deadline == armed[me] {
		return
	}
	arm(me, deadline)
}

func arm(me int, deadline int64) {
	armed[me] = deadline
	percpu.This().Arms++
	if deadline == 0 {
		lapic.SetTimerCount(0)
		return
	}
	wait := deadline - Nanotime()
	if wait <= 0 {
		lapic.SetTimerCount(1)
		return
	}
	hi, lo := bits.Mul64(uint64(wait), apicPerNano)
	count := hi<<32 | lo>>32
	if hi>>32 != 0 || count >= 1<<32-1 {
		count = 1<<32 - 2 // the longest the timer can wait; Arm is called again then
	}
	lapic.SetTimerCount(uint32(count) + 1)
}

// Disarm forgets the armed deadline after the timer fired (a one-shot
// timer stops by itself).
func Disarm() { armed[percpu.ID()] = 0 }

// Sources says how the TSC was calibrated and what ticks.
func Sources() (tsc, tick string) { return tscSource, tickSource }

// APICHz returns the APIC timer's measured rate in ticks per second; 0
// while the PIT ticks.
func APICHz() uint64 { return (apicPerNano * 1e9) >> 32 }

// tscFromCPUID returns the TSC rate CPUID states, and which leaves said
// it, or 0 when it states none:
//   - leaf 0x15: TSC = crystal Hz (ECX) * EBX / EAX (SDM Vol. 2A, CPUID);
//   - leaf 0x15's ratio without the crystal's rate, with leaf 0x16's base
//     frequency (EAX, MHz): the TSC runs at the base frequency, as Linux
//     reckons it (native_calibrate_tsc in arch/x86/kernel/tsc.c derives
//     the crystal from it);
//   - under a hypervisor (CPUID.1:ECX bit 31) whose leaves reach
//     0x40000010, that leaf's EAX, the TSC rate in kHz (VMware's timing
//     leaf, which QEMU/KVM offer too, "vmware-cpuid-freq"; Linux reads it
//     in vmware_get_tsc_khz, arch/x86/kernel/cpu/vmware.c).
//
// QEMU's TCG states none of them (its -cpu max ends at leaf 0xD, and its
// hypervisor leaves at 0x40000001), so under TCG the PM timer measures.
func tscFromCPUID() (uint64, string) {
	max, _, _, _ := cpu.Cpuid(0, 0)
	if max >= 0x15 {
		denominator, numerator, crystalHz, _ := cpu.Cpuid(0x15, 0)
		switch {
		case denominator == 0 || numerator == 0:
		case crystalHz != 0:
			return uint64(crystalHz) * uint64(numerator) / uint64(denominator), FromCPUID
		case max >= 0x16:
			if baseMHz, _, _, _ := cpu.Cpuid(0x16, 0); baseMHz != 0 {
				return uint64(baseMHz) * 1e6, FromBaseMHz
			}
		}
	}
	if _, _, ecx, _ := cpu.Cpuid(1, 0); ecx&(1<<31) != 0 {
		if top, _, _, _ := cpu.Cpuid(0x4000_0000, 0); top >= 0x4000_0010 && top < 0x4001_0000 {
			if kHz, _, _, _ := cpu.Cpuid(0x4000_0010, 0); kHz != 0 {
				return uint64(kHz) * 1000, FromHyperv
			}
		}
	}
	return 0, ""
}

// calibratePIT counts TSC cycles while PIT channel 2 counts down 5 ms,
// five times, and keeps the smallest: being interrupted or descheduled (a
// busy host, under QEMU) can only make a measurement longer.
func calibratePIT() uint64 {
	best := ^uint64(0)
	for i := 0; i < 5; i++ {
		best = min(best, pit.MeasureTSC(pit.Hz*5/1000))
	}
	return best * 200
}

// MarkBoot records the TSC at kernel entry, the zero of Nanotime.
func MarkBoot() { tscBoot = cpu.Rdtsc() }

// TSCHz returns the calibrated TSC frequency.
func TSCHz() uint64 { return tscHz }

// BootEpochNanos returns the real time, in ns since 1970, at Nanotime 0.
func BootEpochNanos() int64 { return bootEpochNanos }

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

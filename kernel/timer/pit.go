package timer

import (
	"math/bits"

	"github.com/gobare/gobare/kernel/cpu"
)

// The 8254 programmable interval timer counts down at 1.193182 MHz
// (Intel 82C54 data sheet; OSDev "Programmable Interval Timer").
const (
	pitHz      = 1193182
	pitChan0   = 0x40
	pitChan2   = 0x42
	pitCommand = 0x43
	port61     = 0x61 // bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 output

	// TickHz is the scheduler tick: 1 ms resolution for sleeps and
	// time-slices.
	TickHz = 1000
)

var (
	tscHz   uint64 // calibrated TSC frequency
	tscBoot uint64 // TSC at kernel entry (MarkBoot), Nanotime's zero
	// nanosPerCycle is 1e9/tscHz as a 32.32 fixed-point number, so that
	// converting cycles to nanoseconds is one multiplication.
	nanosPerCycle uint64
	ticks         uint64 // timer interrupts so far
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
	rtc := readRTC()
	if tscBoot == 0 {
		tscBoot = cpu.Rdtsc()
	}
	bootEpochNanos = rtc*1e9 - Nanotime()
	// Channel 0, lobyte/hibyte, mode 2 (rate generator), binary.
	divisor := uint16(pitHz / TickHz)
	cpu.Outb(pitCommand, 0x34)
	cpu.Outb(pitChan0, uint8(divisor))
	cpu.Outb(pitChan0, uint8(divisor>>8))
	initPIC(1<<IRQTimer | 1<<IRQKeyboard | 1<<IRQCOM1)
}

// calibrateTSC counts TSC cycles while PIT channel 2 counts down 5 ms in
// one-shot mode (the speaker-gate method), five times, and keeps the
// smallest: being interrupted or descheduled (a busy host, under QEMU) can
// only make a measurement longer.
func calibrateTSC() uint64 {
	const ms, runs = 5, 5
	best := ^uint64(0)
	for i := 0; i < runs; i++ {
		best = min(best, measureTSC(pitHz*ms/1000))
	}
	return best * (1000 / ms)
}

// measureTSC returns the TSC cycles during count PIT ticks.
func measureTSC(count uint16) uint64 {
	// Gate on, speaker off.
	cpu.Outb(port61, cpu.Inb(port61)&^0x02|0x01)
	// Channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count).
	cpu.Outb(pitCommand, 0xB0)
	cpu.Outb(pitChan2, uint8(count))
	cpu.Outb(pitChan2, uint8(count>>8))
	start := cpu.Rdtsc()
	for cpu.Inb(port61)&0x20 == 0 { // OUT2 goes high at terminal count
	}
	return cpu.Rdtsc() - start
}

// MarkBoot records the TSC at kernel entry, the zero of Nanotime.
func MarkBoot() { tscBoot = cpu.Rdtsc() }

// TSCHz returns the calibrated TSC frequency.
func TSCHz() uint64 { return tscHz }

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

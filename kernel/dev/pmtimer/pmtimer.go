// Package pmtimer reads the ACPI power-management timer (ACPI 6.5
// §4.8.3.3): a free-running counter at 3.579545 MHz, 24 or 32 bits wide,
// at an I/O port the FADT gives. Unlike the TSC its rate is fixed, so the
// kernel measures the TSC against it.
package pmtimer

import "github.com/gobare/gobare/kernel/cpu"

// Hz is the timer's rate.
const Hz = 3579545

// MeasureTSC returns the TSC cycles while the timer at port advances ticks
// (fewer than 2^24, so a 24-bit counter's wrap is handled).
func MeasureTSC(port uint16, ticks uint32) uint64 {
	const mask = 1<<24 - 1
	start := cpu.Inl(port) & mask
	for cpu.Inl(port)&mask == start { // start on a tick boundary
	}
	start = cpu.Inl(port) & mask
	tsc := cpu.Rdtsc()
	for (cpu.Inl(port)-start)&mask < ticks {
	}
	return cpu.Rdtsc() - tsc
}

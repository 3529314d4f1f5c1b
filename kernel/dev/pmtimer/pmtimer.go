// Package pmtimer reads the ACPI power-management timer (ACPI 6.5
// §4.8.3.3): a free-running counter at 3.579545 MHz, 24 or 32 bits wide,
// at an I/O port the FADT gives. Unlike the TSC its rate is fixed, so the
// kernel measures the TSC against it (kernel/timer/measure.go).
package pmtimer

import "github.com/gobare/gobare/kernel/cpu"

// Hz is the timer's rate.
const Hz = 3579545

// mask keeps the low 24 bits, which every PM timer has.
const mask = 1<<24 - 1

// Read returns the timer's count at port (its low 24 bits).
func Read(port uint16) uint32 { return cpu.Inl(port) & mask }

// Elapsed returns how many counts passed from c0 to c1, across a wrap of
// the 24-bit counter (so for intervals under 2^24 counts, 4.7 s).
func Elapsed(c0, c1 uint32) uint32 { return (c1 - c0) & mask }

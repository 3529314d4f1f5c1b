// Package pit drives the 8254 programmable interval timer, which counts
// down at 1.193182 MHz (Intel 82C54 data sheet; OSDev "Programmable
// Interval Timer"): channel 0 as a periodic interrupt (IRQ 0), channel 2
// as a one-shot stopwatch for calibrating other clocks.
package pit

import "github.com/gobare/gobare/kernel/cpu"

// Hz is the PIT's input clock.
const Hz = 1193182

const (
	chan0   = 0x40
	chan2   = 0x42
	command = 0x43
	port61  = 0x61 // bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 output
)

// StartPeriodic makes channel 0 interrupt every divisor input ticks
// (Hz/divisor times a second): lobyte/hibyte access, mode 2 (rate
// generator), binary.
func StartPeriodic(divisor uint16) {
	cpu.Outb(command, 0x34)
	cpu.Outb(chan0, uint8(divisor))
	cpu.Outb(chan0, uint8(divisor>>8))
}

// MeasureTSC returns the TSC cycles while channel 2 counts down count
// ticks in one-shot mode, with the speaker gate (the classic calibration).
func MeasureTSC(count uint16) uint64 {
	// Gate on, speaker off.
	cpu.Outb(port61, cpu.Inb(port61)&^0x02|0x01)
	// Channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count).
	cpu.Outb(command, 0xB0)
	cpu.Outb(chan2, uint8(count))
	cpu.Outb(chan2, uint8(count>>8))
	start := cpu.Rdtsc()
	for cpu.Inb(port61)&0x20 == 0 { // OUT2 goes high at terminal count
	}
	return cpu.Rdtsc() - start
}

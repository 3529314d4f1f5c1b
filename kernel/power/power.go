// Package power owns how the machine stops: reporting the exit status to
// the launcher and leaving through QEMU's isa-debug-exit device, with ACPI
// power-off and a keyboard-controller reset as fallbacks on real hardware.
package power

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/cpu"
)

// Exit stops the machine with the given status (0..255).
//
// The status first goes to COM2 as the line "gobare: exit N": QEMU's
// isa-debug-exit device alone makes QEMU exit with (N<<1)|1, which the shell
// cuts to 8 bits, so the launcher reads the exact value from this line.
func Exit(code uint8) {
	line := "gobare: exit "
	for i := 0; i < len(line); i++ {
		console.SerialPutByte(console.COM2, line[i])
	}
	var buf [20]byte
	digits := console.FormatDec(buf[:], uint64(code))
	for i := 0; i < len(digits); i++ {
		console.SerialPutByte(console.COM2, digits[i])
	}
	console.SerialPutByte(console.COM2, '\n')

	// isa-debug-exit at port 0xf4 (QEMU -device isa-debug-exit,iobase=0xf4).
	cpu.Outl(0xf4, uint32(code))

	// Without that device: ACPI soft-off (SLP_TYP=S5 | SLP_EN written to the
	// PM1a control register, ACPI 6.4 §4.8.3.2.1) at the addresses QEMU's
	// and Bochs' firmware use, then a reset through the 8042 keyboard
	// controller's pulse-reset command 0xFE.
	cpu.Outw(0x604, 0x2000)
	cpu.Outw(0xB004, 0x2000)
	cpu.Outb(0x64, 0xFE)
	for {
		cpu.DisableInterrupts()
		cpu.Halt()
	}
}

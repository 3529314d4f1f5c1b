// Package power owns how the machine stops: reporting the exit status to
// the launcher, leaving through QEMU's isa-debug-exit device, and otherwise
// turning the machine off the ACPI way (S5 through the PM1 control
// registers, with the values package acpi read from the FADT and the DSDT),
// or resetting it (the FADT's reset register, the 8042 keyboard controller,
// a triple fault) when it cannot be turned off.
package power

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/acpi"
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/uart"
	"github.com/gobare/gobare/kernel/timer"
)

// Exit stops the machine with the given status (0..255).
//
// The status first goes to COM2 as the line "gobare: exit N": QEMU's
// isa-debug-exit device alone makes QEMU exit with (N<<1)|1, which the shell
// cuts to 8 bits, so the launcher reads the exact value from this line.
// Without that device the machine is powered off (PowerOff), and if that
// does not work, reset (Reset).
func Exit(code uint8) {
	line := "gobare: exit "
	for i := 0; i < len(line); i++ {
		uart.PutByte(uart.COM2, line[i])
	}
	var buf [20]byte
	digits := console.FormatDec(buf[:], uint64(code))
	for i := 0; i < len(digits); i++ {
		uart.PutByte(uart.COM2, digits[i])
	}
	uart.PutByte(uart.COM2, '\n')
	// Let both lines finish sending: a power-off cuts off what is still in
	// the UART (a real 16550, or Bochs's, sends slower than the CPU runs).
	uart.Drain(uart.COM1)
	uart.Drain(uart.COM2)

	// isa-debug-exit at port 0xf4 (QEMU -device isa-debug-exit,iobase=0xf4).
	cpu.Outl(0xf4, uint32(code))

	cpu.DisableInterrupts()
	PowerOff()
	Reset()
}

// PM1 control register bits (ACPI 6.5 §4.8.3.2.1, Table 4.13).
const (
	slpTypShift = 10      // SLP_TYP, bits 10-12: the sleep type to enter
	slpEn       = 1 << 13 // SLP_EN: enter it
)

// PowerOff enters the soft-off state S5 (ACPI 6.5 §7.4.2): the
// \_S5_ package's SLP_TYPa goes into PM1a_CNT and SLP_TYPb into PM1b_CNT
// (when the machine has one), then SLP_EN is set in both, the order Linux
// uses. It returns if the machine has no usable ACPI tables, or is still
// running a moment later. Only I/O-port PM1 blocks are written (every PC
// and QEMU machine has them; hardware-reduced ACPI is not supported). The
// other bits of PM1_CNT are written as 0 rather than preserved: the CPU
// package offers no 16-bit port read, and SCI_EN, the one that matters,
// is left set by the hardware while ACPI mode is on.
func PowerOff() {
	t := &acpi.Machine
	if !acpi.Found || !t.HasFADT || !t.HasS5 {
		return
	}
	a, b := t.FADT.PM1aCnt, t.FADT.PM1bCnt
	typA := uint16(t.SLPTypA) << slpTypShift
	typB := uint16(t.SLPTypB) << slpTypShift
	writePM1(a, typA)
	writePM1(b, typB)
	writePM1(a, typA|slpEn)
	writePM1(b, typB|slpEn)
	delay()
}

// writePM1 writes v to a PM1 control register given as an I/O GAS; an
// absent or memory-mapped one is skipped.
func writePM1(g acpi.GAS, v uint16) {
	if g.Addr == 0 || g.Space != acpi.SpaceIO || g.Addr > 0xFFFF {
		return
	}
	cpu.Outw(uint16(g.Addr), v)
}

// Reset restarts the machine and never returns: first through the FADT's
// reset register when it is an I/O port (ACPI 6.5 §4.8.3.6), then with the
// 8042 keyboard controller's pulse-reset command 0xFE (the IBM PC/AT way),
// and last by a triple fault: with an empty IDT, INT3 cannot be delivered,
// nor the #GP and #DF that follow, and the processor shuts down, which a
// PC turns into a reset (Intel SDM Vol. 3A §6.15, "Interrupt 8").
func Reset() {
	cpu.DisableInterrupts()
	if acpi.Found && acpi.Machine.HasFADT {
		f := &acpi.Machine.FADT
		if f.ResetUsable && f.Reset.Space == acpi.SpaceIO && f.Reset.Addr <= 0xFFFF {
			cpu.Outb(uint16(f.Reset.Addr), f.ResetValue)
			delay()
		}
	}
	cpu.Outb(0x64, 0xFE)
	delay()
	cpu.Lidt(uintptr(unsafe.Pointer(&emptyIDT)))
	cpu.Breakpoint()
	for {
		cpu.Halt()
	}
}

// emptyIDT is an IDTR image with limit 0 and base 0 (Intel SDM Vol. 3A
// §6.10): no vector is valid.
var emptyIDT [10]byte

// delay waits about a second by the TSC (a hundred million cycles at the
// slowest, when the TSC's rate is not known yet) for a power-off or reset
// to take effect before the next way is tried: QEMU carries out a power-off
// in its main thread, which on a busy host may run only a while later, and
// a reset requested meanwhile would win.
func delay() {
	cycles := max(timer.TSCHz(), 100_000_000)
	end := cpu.Rdtsc() + cycles
	for cpu.Rdtsc() < end {
		cpu.Outb(0x80, 0) // the POST code port: a harmless pause
	}
}

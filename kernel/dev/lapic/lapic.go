// Package lapic drives the CPU's local APIC (Intel SDM Vol. 3A ch. 10, "the
// xAPIC"): switching it on, acknowledging interrupts, and its timer, which
// counts down at the bus clock divided by a power of two and interrupts
// once or periodically.
package lapic

import "github.com/gobare/gobare/kernel/cpu"

// IA32_APIC_BASE (SDM Vol. 3A §10.4.4): the registers' physical address in
// bits 12-51, bit 11 the global enable.
const (
	msrAPICBase = 0x1B
	baseEnable  = 1 << 11
)

// Register offsets from the base (SDM Vol. 3A Table 10-1).
const (
	regID           = 0x20
	regEOI          = 0xB0
	regSpurious     = 0xF0
	regLVTTimer     = 0x320
	regInitialCount = 0x380
	regCurrentCount = 0x390
	regDivide       = 0x3E0
	regLVTLINT0     = 0x350
	regLVTLINT1     = 0x360
)

// SpuriousVector is where the APIC sends an interrupt that went away before
// it could be delivered (§10.9); it needs no EOI.
const SpuriousVector = 0xFF

// Timer modes in the LVT timer register (§10.5.4): bit 16 masks it, bit 17
// makes it periodic.
const (
	timerMasked   = 1 << 16
	timerPeriodic = 1 << 17
)

// regs is the registers' virtual address (the direct map), 0 until Enable.
var regs uintptr

// PhysBase returns the registers' physical address from IA32_APIC_BASE.
func PhysBase() uint64 { return cpu.Rdmsr(msrAPICBase) & 0x000F_FFFF_FFFF_F000 }

// Enable switches the local APIC on, with its registers mapped at virt: the
// global enable in IA32_APIC_BASE, then the software enable (bit 8) in the
// spurious-interrupt register with SpuriousVector (§10.4.3, §10.9).
func Enable(virt uintptr) {
	regs = virt
	cpu.Wrmsr(msrAPICBase, cpu.Rdmsr(msrAPICBase)|baseEnable)
	write(regSpurious, 1<<8|SpuriousVector)
}

// VirtualWire enables the local APIC, its registers mapped at virt, as
// the 8259 PIC's way to the CPU: "virtual wire mode" (MultiProcessor
// Specification 1.4 §3.6.2.2), LINT0 delivering ExtINT (the PIC's
// INTR; SDM §10.5.1: always level-sensitive) and LINT1 NMI, as Linux's
// init_bsp_APIC sets them (arch/x86/kernel/apic/apic.c). SeaBIOS leaves
// the APIC so; qboot leaves LINT0 masked, and then no PIC interrupt
// reaches the CPU.
func VirtualWire(virt uintptr) {
	Enable(virt)
	write(regLVTLINT0, 7<<8) // delivery mode 111b: ExtINT, unmasked
	write(regLVTLINT1, 4<<8) // delivery mode 100b: NMI
}

// ID returns this CPU's local APIC ID (bits 24-31 of the ID register).
func ID() uint8 { return uint8(read(regID) >> 24) }

// EOI tells the APIC the current interrupt is handled (§10.8.5).
func EOI() { write(regEOI, 0) }

// StartTimer makes the timer interrupt on vector every count ticks of the
// bus clock divided by 16 (or once, when periodic is false).
func StartTimer(vector uint8, count uint32, periodic bool) {
	write(regDivide, 0x3) // divide by 16 (§10.5.4, Figure 10-10)
	lvt := uint32(vector)
	if periodic {
		lvt |= timerPeriodic
	}
	write(regLVTTimer, lvt)
	write(regInitialCount, count)
}

// SetTimerCount restarts the timer, in the mode StartTimer chose, to
// interrupt after count ticks; 0 stops it (§10.5.4).
func SetTimerCount(count uint32) { write(regInitialCount, count) }

// StartCountdown starts the timer counting down from its largest count,
// masked so that it interrupts no one, for measuring its rate against the
// TSC with CurrentCount (§10.5.4).
func StartCountdown() {
	write(regDivide, 0x3)
	write(regLVTTimer, timerMasked)
	write(regInitialCount, 0xFFFF_FFFF)
}

// CurrentCount returns the timer's count now (§10.5.4).
func CurrentCount() uint32 { return read(regCurrentCount) }

func read(reg uintptr) uint32 { return *(*uint32)(ptr(regs + reg)) }

func write(reg uintptr, v uint32) { *(*uint32)(ptr(regs + reg)) = v }

// EOIRegister returns the EOI register's virtual address, for entry code
// in assembly that acknowledges an interrupt (kernel/trap's lock wake-up).
func EOIRegister() uintptr { return regs + regEOI }

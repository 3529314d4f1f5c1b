package kernel

import (
	"github.com/gobare/gobare/kernel/acpi"
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/lapic"
	"github.com/gobare/gobare/kernel/dev/pic"
	"github.com/gobare/gobare/kernel/irq"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/timer"
)

// pmTimerPort returns the ACPI PM timer's I/O port from the FADT, or 0.
func pmTimerPort() uint16 {
	g := acpi.Machine.FADT.PMTimer
	if !acpi.Found || !acpi.Machine.HasFADT || g.Space != acpi.SpaceIO || g.Addr == 0 || g.Addr > 0xFFFF {
		return 0
	}
	return uint16(g.Addr)
}

// setUpInterrupts routes the device interrupts the kernel uses (keyboard,
// COM1) and starts the tick: through the I/O APIC to the local APIC, whose
// timer ticks, where the CPU has an APIC and the MADT lists an I/O APIC;
// else through the 8259s, with the PIT ticking. The kernel word noapic
// keeps the 8259s.
func setUpInterrupts() {
	usingAPIC := false
	madt := &acpi.Machine.MADT
	if cpu.Has(&cpu.APIC) && acpi.Found && acpi.Machine.HasMADT && madt.NIOAPICs > 0 && !hasKernelWord("noapic") {
		lapicPhys, ioapicPhys := lapic.PhysBase(), uint64(madt.IOAPICs[0].Addr)
		if mem.MapDevice(&kernelSpace, lapicPhys, lapicPhys+mem.PageSize) == mem.MapOK &&
			mem.MapDevice(&kernelSpace, ioapicPhys, ioapicPhys+mem.PageSize) == mem.MapOK {
			lines := [...]int{pic.IRQKeyboard, pic.IRQCOM1}
			usingAPIC = irq.UseAPIC(madt, mem.DirectMapBase+uintptr(lapicPhys), mem.DirectMapBase+uintptr(ioapicPhys), lines[:])
		}
	}
	if !usingAPIC {
		irq.UsePIC(1<<pic.IRQTimer | 1<<pic.IRQKeyboard | 1<<pic.IRQCOM1)
		// The PIC's interrupts reach the CPU through its local APIC, if it
		// has one, in virtual wire mode, which not every firmware sets.
		if cpu.Has(&cpu.APIC) {
			lapicPhys := lapic.PhysBase()
			if mem.MapDevice(&kernelSpace, lapicPhys, lapicPhys+mem.PageSize) == mem.MapOK {
				lapic.VirtualWire(mem.DirectMapBase + uintptr(lapicPhys))
			}
		}
	}
	timer.StartTick(pic.IRQBase+pic.IRQTimer, usingAPIC)
}

// printInterrupts says which controllers and clocks the kernel chose.
func printInterrupts() {
	tsc, tick := timer.Sources()
	console.Print("gobare: interrupts through ")
	if irq.UsingAPIC() {
		console.Print("the I/O APIC")
	} else {
		console.Print("the 8259 PICs")
	}
	console.Print(", tick from ")
	console.Print(tick)
	if hz := timer.APICHz(); hz != 0 {
		console.Print(" at ")
		console.Dec(hz / 1000)
		console.Print(" kHz")
	}
	console.Print(", TSC rate from ")
	console.Print(tsc)
	console.Print("\n")
}

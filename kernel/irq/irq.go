// Package irq owns how device interrupts reach the CPU: through the two
// 8259 PICs, as on the first PCs, or — where the ACPI MADT lists an I/O
// APIC and the CPU has a local APIC — through the I/O APIC to the local
// APIC, with the 8259s masked. Either way the legacy lines arrive at
// vectors pic.IRQBase+line, and EndOfInterrupt acknowledges them to the
// controller in use.
package irq

import (
	"github.com/gobare/gobare/kernel/acpi"
	"github.com/gobare/gobare/kernel/dev/ioapic"
	"github.com/gobare/gobare/kernel/dev/lapic"
	"github.com/gobare/gobare/kernel/dev/pic"
)

var (
	apic    bool
	ioapic0 ioapic.IOAPIC
)

// UsePIC routes the legacy lines in enabled (a bit per line) through the
// 8259s.
func UsePIC(enabled uint16) {
	apic = false
	pic.Init(enabled)
}

// UseAPIC routes the legacy lines through the machine's first I/O APIC,
// mapped at ioapicVirt, to the local APIC mapped at lapicVirt, following
// the MADT's interrupt source overrides (QEMU sends the PIT's line 0 to
// GSI 2, for instance), and masks the 8259s. It returns false, changing
// nothing, when the MADT lists no I/O APIC.
func UseAPIC(madt *acpi.MADT, lapicVirt, ioapicVirt uintptr, lines []int) bool {
	if madt.NIOAPICs == 0 {
		return false
	}
	pic.Init(0) // remapped clear of the exceptions, every line masked
	lapic.Enable(lapicVirt)
	ioapic0.Init(ioapicVirt, madt.IOAPICs[0].GSIBase)
	for _, line := range lines {
		gsi, activeLow, level := uint32(line), false, false // ISA: active high, edge (ACPI 6.5 §5.2.12.5)
		for i := 0; i < madt.NOverrides; i++ {
			o := &madt.Overrides[i]
			if o.Bus == 0 && int(o.Source) == line {
				gsi = o.GSI
				activeLow = o.Flags&3 == 3 // MPS INTI polarity: 3 active low
				level = o.Flags>>2&3 == 3  // trigger mode: 3 level
			}
		}
		if ioapic0.Serves(gsi) {
			ioapic0.Route(gsi, uint8(pic.IRQBase+line), lapic.ID(), activeLow, level)
		}
	}
	apic = true
	return true
}

// UsingAPIC reports whether the APICs route interrupts.
func UsingAPIC() bool { return apic }

// EndOfInterrupt acknowledges legacy line irq.
func EndOfInterrupt(irq int) {
	if apic {
		lapic.EOI()
		return
	}
	pic.EndOfInterrupt(irq)
}

// Package ioapic drives an I/O APIC (Intel 82093AA data sheet; ACPI 6.5
// §5.2.12.3): the table that turns each interrupt line of the machine (a
// global system interrupt, GSI) into a vector sent to a local APIC.
package ioapic

import "unsafe"

// The registers are reached through an index (IOREGSEL, offset 0) and a
// window (IOWIN, offset 0x10) (82093AA §3.1).
const (
	regSelect = 0x00
	regWindow = 0x10

	indexVersion  = 0x01 // bits 16-23: the highest redirection entry
	indexRedirect = 0x10 // entry n is at 0x10+2n (low half), 0x11+2n (high)
)

// Redirection entry bits (82093AA §3.2.4): bit 13 polarity (1: active
// low), bit 15 trigger mode (1: level), bit 16 mask; bits 56-63 the
// destination APIC ID (physical destination mode).
const (
	activeLow = 1 << 13
	level     = 1 << 15
	masked    = 1 << 16
)

// IOAPIC is one I/O APIC.
type IOAPIC struct {
	regs    uintptr // its registers' virtual address
	gsiBase uint32  // the first GSI it serves
	entries uint32  // how many redirection entries it has
}

// Init takes the I/O APIC mapped at virt that serves GSIs from gsiBase,
// and masks every line.
func (a *IOAPIC) Init(virt uintptr, gsiBase uint32) {
	a.regs, a.gsiBase = virt, gsiBase
	a.entries = (a.read(indexVersion)>>16)&0xFF + 1
	for i := uint32(0); i < a.entries; i++ {
		a.write(indexRedirect+2*i, masked)
	}
}

// Serves reports whether gsi is one of this I/O APIC's lines.
func (a *IOAPIC) Serves(gsi uint32) bool { return gsi >= a.gsiBase && gsi < a.gsiBase+a.entries }

// Route sends line gsi to vector on the local APIC with ID dest, in fixed
// delivery and physical destination mode, unmasked.
func (a *IOAPIC) Route(gsi uint32, vector uint8, dest uint8, isActiveLow, isLevel bool) {
	low := uint32(vector)
	if isActiveLow {
		low |= activeLow
	}
	if isLevel {
		low |= level
	}
	i := gsi - a.gsiBase
	a.write(indexRedirect+2*i+1, uint32(dest)<<24)
	a.write(indexRedirect+2*i, low)
}

func (a *IOAPIC) read(index uint32) uint32 {
	*(*uint32)(unsafe.Pointer(a.regs + regSelect)) = index
	return *(*uint32)(unsafe.Pointer(a.regs + regWindow))
}

func (a *IOAPIC) write(index, v uint32) {
	*(*uint32)(unsafe.Pointer(a.regs + regSelect)) = index
	*(*uint32)(unsafe.Pointer(a.regs + regWindow)) = v
}

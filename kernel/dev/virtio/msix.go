package virtio

import (
	"github.com/gobare/gobare/kernel/dev/pci"
	"github.com/gobare/gobare/kernel/mem"
)

// Interrupts by MSI-X (virtio 1.2 §4.1.4.3 and §4.1.5.1.2): a queue may
// name an entry of the device's MSI-X table, and the device then writes
// that entry's message when it puts a buffer in the queue's used ring
// (unless the driver suppresses it). The message is aimed at a local
// APIC, so there is no I/O APIC line to route and nothing to acknowledge
// at the device; the interrupt is edge-triggered.

// Registers of the common configuration for MSI-X.
const (
	regConfigMSIXVector = 0x10
	regQueueMSIXVector  = 0x1A
	noVector            = 0xFFFF // VIRTIO_MSI_NO_VECTOR
)

// The message a local APIC takes as an interrupt (Intel SDM Vol. 3A
// §10.11.1-2): address 0xFEE00000 with the destination APIC ID in bits
// 19:12 (physical mode), data the vector with fixed delivery, edge.
const msiAddressBase = 0xFEE00000

// UseMSIX makes queue q interrupt at vector on the local APIC apicID,
// through entry 0 of the device's MSI-X table, and lets the device
// interrupt for it. It reports false, changing nothing the device
// would act on, when the device has no MSI-X or refuses the entry; the
// driver then keeps polling.
func (d *Device) UseMSIX(q *Queue, vector uint8, apicID uint8, space *mem.PageTable) bool {
	var cfg [pci.ConfigSize]byte
	pci.ReadConfig(d.PCI, &cfg)
	m, ok := pci.FindMSIX(&cfg)
	if !ok {
		return false
	}
	table, e := mapRegion(&cfg, Region{BAR: uint8(m.TableBAR), Offset: m.TableOffset, Length: 16}, space)
	if e != OK {
		return false
	}
	// Entry 0 (PCI 3.0 §6.8.2.6-9): message address, upper address,
	// data, vector control (bit 0: masked).
	write32(table, msiAddressBase|uint32(apicID)<<12)
	write32(table+4, 0)
	write32(table+8, uint32(vector))
	write32(table+12, 0)
	control := pci.Read16(d.PCI, m.Cap+2)
	pci.Write16(d.PCI, m.Cap+2, (control|pci.MSIXEnable)&^pci.MSIXFunctionMask)
	// No interrupt for configuration changes; the queue's on entry 0.
	// The device answers NO_VECTOR when it cannot (§4.1.5.1.2.1).
	write16(d.common+regConfigMSIXVector, noVector)
	write16(d.common+regQueueSelect, q.Index)
	write16(d.common+regQueueMSIXVector, 0)
	if read16(d.common+regQueueMSIXVector) != 0 {
		pci.Write16(d.PCI, m.Cap+2, control)
		return false
	}
	q.interrupts = true
	q.storeAvail()
	return true
}

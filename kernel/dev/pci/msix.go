package pci

// MSI-X (PCI Local Bus 3.0 §6.8.2): a device with the capability (ID
// 0x11) signals an interrupt by writing a message — an address and a
// value the driver chose — to memory; on x86 the local APIC's range
// turns that write into an interrupt vector (Intel SDM Vol. 3A §10.11).
// The messages live in a table in one of the device's memory BARs.

// capMSIX is the MSI-X capability's ID.
const capMSIX = 0x11

// MSIX is where a function's MSI-X table is.
type MSIX struct {
	Cap         uint8  // the capability's offset in configuration space
	TableBAR    int    // the BAR that holds the table (BIR)
	TableOffset uint32 // its offset in the BAR
	Size        int    // the number of entries
}

// MSIX message control bits (§6.8.2.3, at the capability's offset + 2).
const (
	MSIXEnable       = 1 << 15
	MSIXFunctionMask = 1 << 14
)

// FindMSIX reads a function's MSI-X capability from a copy of its
// configuration space: message control (table size - 1 in bits 10:0),
// then the table's BAR indicator (bits 2:0) and offset (§6.8.2.4).
func FindMSIX(cfg *[ConfigSize]byte) (MSIX, bool) {
	var offs [MaxCaps]uint8
	n := Capabilities(cfg, &offs)
	for _, p := range offs[:n] {
		if cfg[p] != capMSIX || int(p)+8 > ConfigSize {
			continue
		}
		control := uint16(cfg[p+2]) | uint16(cfg[p+3])<<8
		table := le32(cfg[:], int(p)+4)
		return MSIX{Cap: p, TableBAR: int(table & 7), TableOffset: table &^ 7, Size: int(control&0x7ff) + 1}, true
	}
	return MSIX{}, false
}

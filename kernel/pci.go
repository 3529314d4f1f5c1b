package kernel

import "github.com/gobare/gobare/kernel/dev/pci"

// assignPCI gives the memory BARs the firmware left unassigned an address
// (pci.AssignBARs) before any driver looks for its device: qboot, the
// firmware mkimage run and make bench boot QEMU with, leaves every BAR to
// the operating system. The window is QEMU's PCI hole, above every range
// of the memory map that reaches into it.
func assignPCI() {
	w := pci.QEMUWindow
	for i := 0; i < bootInfo.NRegions; i++ {
		r := bootInfo.Regions[i]
		w.Reserve(r.Base, r.End()-r.Base)
	}
	if n := pci.AssignBARs(w); n > 0 {
		trace("boot: PCI: assigned ", uint64(n), " memory BARs the firmware left unassigned; functions: ", uint64(len(pci.Functions())))
	}
}

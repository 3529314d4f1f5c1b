package pci

// Assigning memory BARs the firmware left unassigned (address 0), as
// Linux does for them (pci_assign_unassigned_resources): each is sized by
// writing all ones and reading back the bits that stick (PCI Local Bus
// 3.0 §6.2.5.1, "Address Maps"), then placed in a window of the address
// space that no RAM and no other device uses, aligned to its size (a
// BAR's size is a power of two, and its address a multiple of it).

// Window is the physical range [Next, End) BARs are placed in; Next moves
// up as they are.
type Window struct{ Next, End uint64 }

// Place returns the address of a BAR of size bytes (a power of two), the
// first multiple of size at or above Next, and moves Next past it; false
// when it does not fit below End.
func (w *Window) Place(size uint64) (uint64, bool) {
	if size == 0 || size&(size-1) != 0 {
		return 0, false
	}
	at := (w.Next + size - 1) &^ (size - 1)
	if at < w.Next || at+size < at || at+size > w.End {
		return 0, false // wrapped, or past the end
	}
	w.Next = at + size
	return at, true
}

// Reserve moves Next past [start, start+size) when that range reaches
// into the window: a BAR the firmware placed there.
func (w *Window) Reserve(start, size uint64) {
	if end := start + size; start < w.End && end > w.Next {
		w.Next = end
	}
}

// SizeFromMask turns what a BAR reads back after all ones were written
// (lo, and hi for a 64-bit BAR) into its size: the address bits that did
// not stick, plus one; 0 for a BAR that does not exist (nothing sticks).
func SizeFromMask(lo, hi uint32, is64 bool) uint64 {
	mask := uint64(lo &^ 0xF)
	if is64 {
		mask |= uint64(hi) << 32
	} else {
		mask |= 0xFFFF_FFFF_0000_0000
	}
	if mask == 0 || mask == 0xFFFF_FFFF_0000_0000 {
		return 0
	}
	return ^mask + 1
}

// The host bridges of QEMU's PCs (device 0:0.0): i440FX (-M pc) and Q35's
// MCH (-M q35). AssignBARs touches no other machine: a real PC's firmware
// assigns every BAR it wants used, and its PCI window is its own.
const (
	vendorIntel  = 0x8086
	deviceI440FX = 0x1237
	deviceQ35MCH = 0x29C0
)

// QEMUWindow is where QEMU's PCs leave room for PCI memory below 4 GiB:
// RAM stops below 0xE0000000 on both (QEMU's max-ram-below-4g; Q35's
// MMCONFIG lies at 0xB0000000), and the I/O APIC is at 0xFEC00000.
var QEMUWindow = Window{Next: 0xE000_0000, End: 0xFEC0_0000}

// AssignBARs gives every unassigned memory BAR of a device on bus 0 an
// address in w, on QEMU's PCs only, and returns how many it assigned.
// (Behind a bridge a BAR would also need the bridge's window set; the
// machines mkimage runs have one bus.) Each device's decoding is off while
// its BARs are sized, as §6.2.5.1 asks.
func AssignBARs(w Window) int {
	fs := Functions()
	if len(fs) == 0 || fs[0].Addr != (Addr{}) || fs[0].Vendor != vendorIntel ||
		fs[0].Device != deviceI440FX && fs[0].Device != deviceQ35MCH {
		return 0
	}
	// First what the firmware placed, so that nothing lands on it.
	forEachMemoryBAR(func(a Addr, off uint8, addr, size uint64, is64 bool) {
		if addr != 0 {
			w.Reserve(addr, size)
		}
	})
	n := 0
	forEachMemoryBAR(func(a Addr, off uint8, addr, size uint64, is64 bool) {
		if addr != 0 {
			return
		}
		at, ok := w.Place(size)
		if !ok {
			return
		}
		Write32(a, off, uint32(at)|Read32(a, off)&0xF)
		if is64 {
			Write32(a, off+4, uint32(at>>32))
		}
		n++
	})
	return n
}

// forEachMemoryBAR calls fn with each implemented memory BAR of the
// devices (header type 0) on bus 0: its register's offset, its address
// and its size.
func forEachMemoryBAR(fn func(a Addr, off uint8, addr, size uint64, is64 bool)) {
	for _, f := range Functions() {
		if f.Addr.Bus != 0 || f.HeaderType != 0 {
			continue
		}
		a := f.Addr
		cmd := Read16(a, OffCommand)
		Write16(a, OffCommand, cmd&^(CmdIOSpace|CmdMemorySpace))
		for n := 0; n < 6; n++ {
			off := uint8(OffBAR0 + 4*n)
			lo := Read32(a, off)
			if lo&1 != 0 {
				continue // an I/O BAR
			}
			is64 := (lo>>1)&3 == 2
			if is64 && n == 5 {
				break
			}
			var hi, mhi uint32
			Write32(a, off, 0xFFFF_FFFF)
			mlo := Read32(a, off)
			Write32(a, off, lo)
			if is64 {
				hi = Read32(a, off+4)
				Write32(a, off+4, 0xFFFF_FFFF)
				mhi = Read32(a, off+4)
				Write32(a, off+4, hi)
			}
			if size := SizeFromMask(mlo, mhi, is64); size != 0 {
				fn(a, off, DecodeBAR(lo, hi).Addr, size, is64)
			}
			if is64 {
				n++
			}
		}
		Write16(a, OffCommand, cmd)
	}
}

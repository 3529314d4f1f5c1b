package pci

import "testing"

// TestWindowPlace: BARs land on multiples of their size, one after the
// other, and one that does not fit, or whose size is not a power of two,
// is refused.
func TestWindowPlace(t *testing.T) {
	w := Window{Next: 0xE000_0000, End: 0xE00C_0000}
	for _, c := range []struct {
		size, want uint64
		ok         bool
	}{
		{0x1000, 0xE000_0000, true},
		{0x4000, 0xE000_4000, true}, // aligned up past the first
		{0x1000, 0xE000_8000, true},
		{0x8_0000, 0, false}, // would end past End
		{0x3000, 0, false},   // not a power of two
		{0, 0, false},
		{0x1000, 0xE000_9000, true}, // a refusal moved nothing
		{0x4_0000, 0xE004_0000, true},
		{0x8_0000, 0, false}, // the rest is too small
	} {
		got, ok := w.Place(c.size)
		if got != c.want || ok != c.ok {
			t.Errorf("Place(%#x) = %#x, %v; want %#x, %v", c.size, got, ok, c.want, c.ok)
		}
	}
	w = Window{Next: 0xFFFF_FFFF_FFFF_F000, End: ^uint64(0)}
	if _, ok := w.Place(0x2000); ok {
		t.Error("a BAR that wraps past 2^64 was placed")
	}
}

// TestWindowReserve: a range the firmware placed inside or across the
// window's start moves Next past it; one outside leaves it.
func TestWindowReserve(t *testing.T) {
	w := Window{Next: 0xE000_0000, End: 0xFEC0_0000}
	w.Reserve(0x0, 0x1000_0000)    // RAM below
	w.Reserve(0xFEC0_0000, 0x1000) // the I/O APIC, above
	w.Reserve(0xFEBF_F000, 0x1000) // at the end: Next jumps there
	if w.Next != 0xFEC0_0000 {
		t.Errorf("Next %#x, want 0xfec00000", w.Next)
	}
	w = Window{Next: 0xE000_0000, End: 0xFEC0_0000}
	w.Reserve(0xDFF0_0000, 0x20_0000) // across the start
	if w.Next != 0xE010_0000 {
		t.Errorf("Next %#x, want 0xe0100000", w.Next)
	}
}

// TestSizeFromMask: the read-back after writing all ones, as QEMU's
// devices answer it.
func TestSizeFromMask(t *testing.T) {
	for _, c := range []struct {
		lo, hi uint32
		is64   bool
		want   uint64
	}{
		{0xFFFF_F000, 0, false, 0x1000},                  // 4 KiB, 32-bit (virtio-net's MSI-X table)
		{0xFFFF_C00C, 0xFFFF_FFFF, true, 0x4000},         // 16 KiB, 64-bit prefetchable (virtio's registers)
		{0x0000_000C, 0xFFFF_FFF0, true, 0x10_0000_0000}, // 64 GiB
		{0, 0, false, 0},                                 // not implemented
		{0, 0, true, 0},
	} {
		if got := SizeFromMask(c.lo, c.hi, c.is64); got != c.want {
			t.Errorf("SizeFromMask(%#x, %#x, %v) = %#x, want %#x", c.lo, c.hi, c.is64, got, c.want)
		}
	}
}

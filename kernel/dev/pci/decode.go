package pci

// BAR is a decoded base address register (PCI Local Bus 3.0 §6.2.5.1).
type BAR struct {
	Addr   uint64 // the base the firmware assigned (0: none)
	IO     bool   // an I/O port range rather than memory
	Is64   bool   // a 64-bit memory BAR: it uses the next register too
	Prefet bool   // prefetchable memory
}

// DecodeBAR decodes the BAR whose low register is lo; hi is the next
// register, used when lo says the BAR is 64 bits wide.
func DecodeBAR(lo, hi uint32) BAR {
	if lo&1 != 0 {
		return BAR{Addr: uint64(lo &^ 3), IO: true} // bit 0 set: I/O space, bits 31:2 the port
	}
	b := BAR{Addr: uint64(lo &^ 0xF), Prefet: lo&8 != 0} // bits 31:4 the address, bit 3 prefetchable
	if (lo>>1)&3 == 2 {
		b.Is64 = true // type 10b: 64-bit, bits 63:32 in the next BAR
		b.Addr |= uint64(hi) << 32
	}
	return b
}

// BARAt decodes BAR n (0-5) from a configuration space copy. A 64-bit
// BAR's upper half is register n+1; BAR 5 cannot be 64 bits wide.
func BARAt(cfg *[ConfigSize]byte, n int) (BAR, bool) {
	if n < 0 || n > 5 {
		return BAR{}, false
	}
	off := OffBAR0 + 4*n
	lo := le32(cfg[:], off)
	var hi uint32
	if n < 5 {
		hi = le32(cfg[:], off+4)
	}
	b := DecodeBAR(lo, hi)
	if b.Is64 && n == 5 {
		return BAR{}, false
	}
	return b, true
}

// MaxCaps bounds a capability walk: 48 is what fits in the 192 bytes
// after the header at 4 bytes each, so a longer walk is a loop.
const MaxCaps = 48

// Capabilities lists the offsets of the function's capabilities, in list
// order (PCI Local Bus 3.0 §6.7): the status register's bit 4 says there
// is a list, the byte at 0x34 points at the first, and each capability
// starts with its ID and the offset of the next (0 ends the list). The
// low two bits of a pointer are reserved and ignored; a pointer into the
// header (below 0x40) or a walk longer than the space allows ends it.
func Capabilities(cfg *[ConfigSize]byte, out *[MaxCaps]uint8) int {
	if cfg[OffStatus]&statusCapList == 0 {
		return 0
	}
	n := 0
	for p := cfg[OffCapPtr] &^ 3; p >= 0x40 && n < MaxCaps; p = cfg[int(p)+1] &^ 3 {
		out[n] = p
		n++
	}
	return n
}

// le32 reads a little-endian dword at off; the caller checks the bounds.
func le32(b []byte, off int) uint32 {
	return uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16 | uint32(b[off+3])<<24
}

// Le32 reads a little-endian dword at off in a configuration space copy,
// 0 when it does not fit.
func Le32(cfg *[ConfigSize]byte, off int) uint32 {
	if off < 0 || off+4 > ConfigSize {
		return 0
	}
	return le32(cfg[:], off)
}

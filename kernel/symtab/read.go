package symtab

// Range-checked little-endian reads. The kernel is compiled with -gcflags=-B,
// so b[i] is not checked by the compiler: these helpers are the only place
// that indexes the table, and each one proves its offsets are in range first.
// Offsets are uint64 so that no sum below can wrap on a 64-bit machine:
// every offset compared against len(b) is first checked to be <= len(b).

// fits reports whether n bytes starting at off lie inside b.
func fits(b []byte, off, n uint64) bool {
	l := uint64(len(b))
	return off <= l && n <= l-off
}

// u32 reads a little-endian uint32 at b[off:].
func u32(b []byte, off uint64) (uint32, bool) {
	if !fits(b, off, 4) {
		return 0, false
	}
	return uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16 | uint32(b[off+3])<<24, true
}

// uptr reads a little-endian unsigned integer of size bytes (4 or 8, the
// table's ptrSize) at b[off:].
func uptr(b []byte, off uint64, size uint8) (uint64, bool) {
	lo, ok := u32(b, off)
	if !ok {
		return 0, false
	}
	if size == 4 {
		return uint64(lo), true
	}
	hi, ok := u32(b, off+4)
	if !ok {
		return 0, false
	}
	return uint64(lo) | uint64(hi)<<32, true
}

// cstring returns b[off:] up to, not including, the first NUL byte. It fails
// when off is outside b or no NUL follows it inside b.
func cstring(b []byte, off uint64) ([]byte, bool) {
	l := uint64(len(b))
	for i := off; i < l; i++ {
		if b[i] == 0 {
			return b[off:i], true
		}
	}
	return nil, false
}

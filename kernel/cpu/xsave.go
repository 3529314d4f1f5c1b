package cpu

// XSAVE state components (SDM Vol. 1 §13.1): x87, SSE (XMM and MXCSR),
// AVX (the upper halves of YMM), and AVX-512's three (opmask, the upper
// halves of ZMM0-15, ZMM16-31). Others (MPX, PKRU, AMX tiles) are left off:
// the Go runtime uses none of them.
const (
	XStateX87    = 1 << 0
	XStateSSE    = 1 << 1
	XStateAVX    = 1 << 2
	XStateAVX512 = 1<<5 | 1<<6 | 1<<7
	xStateWanted = XStateX87 | XStateSSE | XStateAVX | XStateAVX512
	cr4OSXSAVE   = 1 << 18
	xsaveLeaf    = 0xD
)

// EnableXSAVE turns on XSAVE with every wanted state component the CPU
// supports whose save area fits in maxSize bytes, dropping AVX-512, then
// AVX, when it would not: CR4.OSXSAVE (SDM Vol. 3A §2.5), then XCR0. It
// returns the components enabled and the standard-format save area's size
// (CPUID leaf 0xD, sub-leaf 0: EBX for what XCR0 enables), or ok=false
// when the CPU has no XSAVE (FXSAVE stays in use).
func EnableXSAVE(maxSize uint32) (mask uint64, size uint32, ok bool) {
	if !Has(&XSAVE) || maxBasic < xsaveLeaf {
		return 0, 0, false
	}
	supportedLo, _, _, supportedHi := Cpuid(xsaveLeaf, 0)
	mask = (uint64(supportedHi)<<32 | uint64(supportedLo)) & xStateWanted
	if mask&XStateAVX512 != XStateAVX512 {
		mask &^= XStateAVX512 // all three or none
	}
	WriteCR4(ReadCR4() | cr4OSXSAVE)
	for _, drop := range [...]uint64{0, XStateAVX512, XStateAVX} {
		mask &^= drop
		Xsetbv(mask)
		if _, ebx, _, _ := Cpuid(xsaveLeaf, 0); ebx <= maxSize {
			return mask, ebx, true
		}
	}
	// Even x87+SSE does not fit: leave XSAVE off.
	Xsetbv(XStateX87 | XStateSSE)
	WriteCR4(ReadCR4() &^ cr4OSXSAVE)
	return 0, 0, false
}

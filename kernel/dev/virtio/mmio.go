package virtio

import "unsafe"

// Device registers are memory: each access must happen, once, in program
// order. Go does not reorder or drop a store or load through a pointer
// across a call it cannot see into, so every access is a function of its
// own that is never inlined.

//go:noinline
func read8(a uintptr) uint8 { return *(*uint8)(unsafe.Pointer(a)) }

//go:noinline
func read16(a uintptr) uint16 { return *(*uint16)(unsafe.Pointer(a)) }

//go:noinline
func read32(a uintptr) uint32 { return *(*uint32)(unsafe.Pointer(a)) }

//go:noinline
func write8(a uintptr, v uint8) { *(*uint8)(unsafe.Pointer(a)) = v }

//go:noinline
func write16(a uintptr, v uint16) { *(*uint16)(unsafe.Pointer(a)) = v }

//go:noinline
func write32(a uintptr, v uint32) { *(*uint32)(unsafe.Pointer(a)) = v }

// write64 writes a 64-bit field as two 32-bit halves, low first, as
// virtio 1.2 §4.1.3.1 allows for the common configuration's 64-bit fields.
func write64(a uintptr, v uint64) {
	write32(a, uint32(v))
	write32(a+4, uint32(v>>32))
}

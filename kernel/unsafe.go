package kernel

import "unsafe"

// ptrTo turns the address of mapped memory into a pointer.
func ptrTo(addr uintptr) unsafe.Pointer {
	return unsafe.Pointer(addr)
}

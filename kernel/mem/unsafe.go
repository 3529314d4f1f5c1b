package mem

import "unsafe"

// ptr turns an address that the caller knows is mapped into a pointer. It
// is the one place this package converts integers to pointers.
func ptr(addr uintptr) unsafe.Pointer {
	return unsafe.Pointer(addr) //nolint:govet // addresses of mapped memory, not Go heap
}

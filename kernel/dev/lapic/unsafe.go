package lapic

import "unsafe"

// ptr turns a register's virtual address into a pointer: the registers are
// device memory, not Go-managed memory.
func ptr(addr uintptr) unsafe.Pointer { return unsafe.Pointer(addr) }

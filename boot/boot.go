// Package boot owns the machine's first steps: the Multiboot entry in
// 32-bit protected mode, the early page tables and GDT, the switch to 64-bit
// long mode, and the call into the kernel's Go code (kernel.Main).
//
// The code in multiboot_amd64.s runs before any Go code can; this file only
// declares the memory it uses and the one Go function it calls.
package boot

import "github.com/gobare/gobare/kernel"

// Written by entry32: what the Multiboot loader left in EAX and EBX.
//
//lint:ignore U1000 used from assembly (multiboot_amd64.s)
var multibootMagic, multibootInfo uint32

// earlyTables holds the early PML4, PDPT and four page directories; one
// spare page lets entry32 round the start up to a 4 KiB boundary.
//
//lint:ignore U1000 used from assembly (multiboot_amd64.s)
var earlyTables [7 * 4096]byte

// kernelG stands in for the runtime's g while kernel Go code runs. Go
// functions compare SP with g.stackguard0 (offset 16) in their prologue and
// call runtime.morestack when SP is below it; all-zero fields make that
// check never fire. Kernel stacks are instead protected by unmapped guard
// pages. kernelTLS[0] = &kernelG, and FS base = &kernelTLS[1], so that
// %fs:-8 (where every ABI0-to-Go wrapper loads g from) finds kernelG.
var (
	//lint:ignore U1000 used from assembly (multiboot_amd64.s)
	kernelG [4]uintptr
	//lint:ignore U1000 used from assembly (multiboot_amd64.s)
	kernelTLS [2]uintptr
)

// entry32 is the Multiboot entry point; entry64 its 64-bit continuation.
//
//lint:ignore U1000 used from assembly (the Multiboot header points at it)
func entry32()

//lint:ignore U1000 used from assembly (entry32 jumps to it)
func entry64()

// start is called by entry64 on the boot stack, in 64-bit mode, with SSE
// enabled and FS pointing at kernelTLS.
//
//lint:ignore U1000 used from assembly (entry64 calls it)
func start() {
	kernel.Main(multibootMagic, uintptr(multibootInfo))
}

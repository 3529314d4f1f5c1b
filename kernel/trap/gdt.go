package trap

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/percpu"
)

// Segment selectors. boot/ used the same two, so CS and SS need no reload.
const (
	KernelCS = 0x08
	KernelSS = 0x10
	tssSel   = 0x18
)

// The interrupt stack table indexes used in IDT gates (SDM Vol. 3A §6.14.5).
const (
	istKernel = 1 // the kernel stack top: interrupts and exceptions
	istCrisis = 2 // a separate stack for NMI, #DF and #MC
	istWake   = 3 // a small stack for the lock's wake-up (and the spurious vector)
)

// The 64-bit task state segment (SDM Vol. 3A §8.7, Figure 8-11) is 104
// bytes. In long mode it holds only stack pointers: RSP0-2 at offset 4 and
// IST1-7 at offset 36, 8 bytes each and not 8-byte aligned, so it is kept
// as bytes rather than a Go struct (which would add padding).
const (
	tssSize      = 104
	tssIST1      = 36
	tssIOMapBase = 102
)

// Each CPU has its own TSS, since the IST entries name its own stacks, and
// so its own GDT, since the TSS descriptor is marked busy once loaded
// (SDM Vol. 3A §8.2.2).
var (
	taskStates [percpu.MaxCPUs][tssSize]byte
	// gdts: null, kernel code (L=1), kernel data, and the 16-byte TSS
	// descriptor (SDM Vol. 3A §3.4.5 and §8.2.3).
	gdts        [percpu.MaxCPUs][5]uint64
	gdtPointers [percpu.MaxCPUs][10]byte
	// wakeStacks: each CPU's stack for lockWakeEntry and spuriousEntry,
	// which push only the CPU's five words and one register.
	wakeStacks [percpu.MaxCPUs][16]uint64
)

// initGDT loads the running CPU's GDT with a TSS whose IST entries point at
// the given stack tops, and the task register.
func initGDT(kernelTop, crisisTop uintptr) {
	id := percpu.ID()
	taskState, gdt, gdtPointer := &taskStates[id], &gdts[id], &gdtPointers[id]
	putUint64(taskState[tssIST1+8*(istKernel-1):], uint64(kernelTop))
	putUint64(taskState[tssIST1+8*(istCrisis-1):], uint64(crisisTop))
	wakeTop := uintptr(unsafe.Pointer(&wakeStacks[id])) + unsafe.Sizeof(wakeStacks[id])
	putUint64(taskState[tssIST1+8*(istWake-1):], uint64(wakeTop))
	taskState[tssIOMapBase] = tssSize // I/O bitmap beyond the limit: none

	gdt[1] = 0x00af9a000000ffff // code: P, DPL 0, execute/read, L=1
	gdt[2] = 0x00cf92000000ffff // data: P, DPL 0, read/write
	base := uint64(uintptr(unsafe.Pointer(taskState)))
	limit := uint64(tssSize - 1)
	gdt[3] = limit&0xffff | (base&0xffffff)<<16 | 0x89<<40 | // P, type 9: available 64-bit TSS
		(limit>>16&0xf)<<48 | (base>>24&0xff)<<56
	gdt[4] = base >> 32

	putPointer(gdtPointer, uintptr(unsafe.Pointer(gdt)), uint16(unsafe.Sizeof(*gdt)-1))
	cpu.Lgdt(uintptr(unsafe.Pointer(gdtPointer)))
	cpu.Ltr(tssSel)
}

// putPointer fills a pseudo-descriptor: a 16-bit limit then a 64-bit base
// (SDM Vol. 3A §3.5.1, Figure 3-11).
func putPointer(p *[10]byte, base uintptr, limit uint16) {
	p[0] = byte(limit)
	p[1] = byte(limit >> 8)
	putUint64(p[2:], uint64(base))
}

// putUint64 stores v little-endian in b[0:8].
func putUint64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

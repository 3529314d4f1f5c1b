package mem

import "unsafe"

// The kernel's virtual address space (DESIGN.md, "Memory map").
const (
	// KernelBase is where the kernel image (its ELF header first) is
	// loaded and linked; the kernel runs at these addresses, mapped 1:1.
	KernelBase = 0x100000
	// DirectMapBase maps all RAM: physical address p is at DirectMapBase+p.
	DirectMapBase = 0xffff_8000_0000_0000
	// StackBase is where kernel stacks are mapped, each with an unmapped
	// guard page below it so that an overflow faults.
	StackBase = 0xffff_ff00_0000_0000
	// ProgramFloor is the lowest address a program may be linked at: the
	// kernel's own image lives below it. Go links programs at 0x400000.
	ProgramFloor = 0x400000
	// MaxRAM is the most RAM the frame allocator manages (its bitmap,
	// 2 MiB for this much, lives in RAM below 4 GiB); RAM above it is
	// left unused.
	MaxRAM = 64 << 30
)

// ELF constants for reading the kernel's own program headers (System V
// gABI, "Program Header").
const (
	ptLoad = 1
	pfX    = 1
	pfW    = 2
)

// KernelSegment is one loaded part of the kernel image.
type KernelSegment struct {
	Start, End uintptr
	Flags      uint64 // page flags: Writable and/or NoExec
}

// KernelSegments reads the kernel's PT_LOAD program headers from its ELF
// header, which the a.out kludge loaded at KernelBase, and returns the
// segments with their W^X page flags: text executable and read-only,
// read-only data and data never executable.
func KernelSegments(elfHeader uintptr) (segs [4]KernelSegment, n int) {
	phoff := *(*uint64)(ptr(elfHeader + 0x20))
	phnum := int(*(*uint16)(ptr(elfHeader + 0x38)))
	for i := 0; i < phnum && n < len(segs); i++ {
		ph := elfHeader + uintptr(phoff) + uintptr(i)*56
		if *(*uint32)(ptr(ph)) != ptLoad {
			continue
		}
		flags := *(*uint32)(ptr(ph + 4))
		vaddr := uintptr(*(*uint64)(ptr(ph + 16)))
		memsz := uintptr(*(*uint64)(ptr(ph + 40)))
		var pf uint64
		if flags&pfW != 0 {
			pf |= Writable
		}
		if flags&pfX == 0 {
			pf |= NoExec
		}
		segs[n] = KernelSegment{Start: vaddr &^ (PageSize - 1), End: (vaddr + memsz + PageSize - 1) &^ (PageSize - 1), Flags: pf}
		n++
	}
	return segs, n
}

// BuildKernelSpace makes the kernel's page table: its segments at their
// link addresses with W^X permissions, page 0 and the rest of low memory
// unmapped, and all RAM below ramTop direct-mapped at DirectMapBase (2 MiB
// pages, read/write, never executable).
func BuildKernelSpace(frames *FrameAllocator, segs []KernelSegment, ramTop uint64) (PageTable, MapErr) {
	pt, ok := NewPageTable(frames)
	if !ok {
		return pt, MapNoMemory
	}
	for _, s := range segs {
		for va := s.Start; va < s.End; va += PageSize {
			if err := pt.Map(va, va, s.Flags|Global); err != MapOK {
				return pt, err
			}
		}
	}
	top := uintptr(ramTop+HugePageSize-1) &^ (HugePageSize - 1)
	for pa := uintptr(0); pa < top; pa += HugePageSize {
		if err := pt.MapHuge(DirectMapBase+pa, pa, Writable|NoExec|Global); err != MapOK {
			return pt, err
		}
	}
	return pt, MapOK
}

// MapDevice maps the device memory [start, end) (a framebuffer, a local
// APIC's registers) into the direct map, read/write and never executable,
// like RAM: the memory type comes from the firmware's MTRRs, which mark
// such ranges uncacheable or write-combining (SDM Vol. 3A §11.11), since
// the page-attribute bits stay at their write-back default.
func MapDevice(pt *PageTable, start, end uint64) MapErr {
	for pa := uintptr(start) &^ (PageSize - 1); pa < uintptr(end); pa += PageSize {
		if _, _, mapped := pt.Lookup(DirectMapBase + pa); mapped {
			continue // RAM below the direct map's top, or mapped before
		}
		if err := pt.Map(DirectMapBase+pa, pa, Writable|NoExec|Global); err != MapOK {
			return err
		}
	}
	return MapOK
}

// MapStack maps pages fresh frames at the next free slot of the stack area
// and returns the stack's top. The page below the stack stays unmapped.
func MapStack(pt *PageTable, slot int, pages int) (top uintptr, err MapErr) {
	const slotSize = 1 << 30                                // 1 GiB of address space per stack
	bottom := StackBase + uintptr(slot)*slotSize + PageSize // guard page at the slot's start
	for i := 0; i < pages; i++ {
		frame, ok := pt.Frames.Alloc()
		if !ok {
			return 0, MapNoMemory
		}
		if err := pt.Map(bottom+uintptr(i)*PageSize, frame, Writable|NoExec|Global); err != MapOK {
			return 0, err
		}
	}
	return bottom + uintptr(pages)*PageSize, MapOK
}

// PhysSlice returns physical memory [0, size) as a byte slice seen through
// offset (0 while boot's 1:1 map is active, DirectMapBase after).
func PhysSlice(offset uintptr, size uint64) []byte {
	return unsafe.Slice((*byte)(ptr(offset)), size)
}

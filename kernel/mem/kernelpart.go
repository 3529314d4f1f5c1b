package mem

// A second program's page table shares the kernel's mappings with the
// first program's (the kernel's own page table): the upper half — the
// direct map, the kernel stacks, device registers — by its PML4 entries
// 256-511, and the kernel image below ProgramFloor by the page-directory
// entries that cover it. Sharing the tables below those entries, not
// copying them, keeps a mapping the kernel adds later (a device's
// registers, a stack) visible in every address space, as long as it lands
// under an entry that existed when the table was made. Above
// ProgramFloor the new table starts empty: the second program's pages are
// its own.

// NewSharingKernel returns a page table whose kernel part is kernel's:
// the same upper half, and the same mappings below ProgramFloor (which
// must lie in the first GiB, under one page directory). Nothing else is
// mapped.
func NewSharingKernel(kernel *PageTable) (PageTable, bool) {
	pt, ok := NewPageTable(kernel.Frames)
	if !ok {
		return pt, false
	}
	for i := uintptr(256); i < 512; i++ { // the upper half (SDM Vol. 3A §4.5: PML4 bits 47:39)
		*pt.entry(pt.Root, i) = *kernel.entry(kernel.Root, i)
	}
	// The kernel image: the PML4 and PDPT entries of the first GiB lead
	// to a page directory of the new table's own, whose entries below
	// ProgramFloor are the kernel's.
	kpml4 := *kernel.entry(kernel.Root, 0)
	if kpml4&Present == 0 {
		return pt, true
	}
	kpdpt := *kernel.entry(uintptr(kpml4&addrMask), 0)
	if kpdpt&Present == 0 || kpdpt&Huge != 0 {
		return pt, true
	}
	pdpt, ok1 := kernel.Frames.Alloc()
	pd, ok2 := kernel.Frames.Alloc()
	if !ok1 || !ok2 {
		return pt, false
	}
	*pt.entry(pt.Root, 0) = uint64(pdpt) | kpml4&^addrMask
	*pt.entry(pdpt, 0) = uint64(pd) | kpdpt&^addrMask
	for i := uintptr(0); i < ProgramFloor/HugePageSize; i++ {
		*pt.entry(pd, i) = *kernel.entry(uintptr(kpdpt&addrMask), i)
	}
	return pt, true
}

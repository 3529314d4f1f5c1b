package mem

// Page-table entry bits (SDM Vol. 3A §4.5, Tables 4-15 to 4-20).
const (
	Present  = 1 << 0
	Writable = 1 << 1
	User     = 1 << 2
	Accessed = 1 << 5
	Dirty    = 1 << 6
	Huge     = 1 << 7 // in a PDE: maps a 2 MiB page
	Global   = 1 << 8
	NoExec   = 1 << 63 // needs EFER.NXE

	addrMask = 0x000f_ffff_ffff_f000 // bits 51:12: the physical address
	// HugePageSize is the size of a page mapped by a page-directory entry.
	HugePageSize = 2 << 20
)

// PageTable is a 4-level page table (PML4, PDPT, PD, PT) whose tables are
// frames from Frames, reached through Frames.Offset.
type PageTable struct {
	Root   uintptr // physical address of the PML4 (what CR3 holds)
	Frames *FrameAllocator
}

// MapErr says why a mapping failed.
type MapErr uint8

const (
	MapOK MapErr = iota
	MapNoMemory
	MapMisaligned
	MapHugeInTheWay  // a 2 MiB page covers the address
	MapTableInTheWay // 4 KiB pages are mapped inside the 2 MiB range
	MapNonCanonical
)

func (e MapErr) String() string {
	switch e {
	case MapOK:
		return "ok"
	case MapNoMemory:
		return "out of frames for page tables"
	case MapMisaligned:
		return "address not aligned"
	case MapHugeInTheWay:
		return "a 2 MiB page is mapped there"
	case MapTableInTheWay:
		return "4 KiB pages are mapped there"
	}
	return "non-canonical address"
}

// NewPageTable allocates an empty PML4.
func NewPageTable(frames *FrameAllocator) (PageTable, bool) {
	root, ok := frames.Alloc()
	return PageTable{Root: root, Frames: frames}, ok
}

// index returns the table index of virt at a level (3 = PML4 ... 0 = PT):
// 9 bits each, above the 12-bit page offset (SDM Vol. 3A Figure 4-8).
func index(virt uintptr, level int) uintptr {
	return (virt >> (12 + 9*uint(level))) & 511
}

// canonical reports whether bits 63:47 of virt are all equal (§3.3.7.1).
func canonical(virt uintptr) bool {
	top := virt >> 47
	return top == 0 || top == 1<<17-1
}

// entry returns a pointer to entry i of the table at physical address table.
func (pt *PageTable) entry(table uintptr, i uintptr) *uint64 {
	return (*uint64)(ptr(table + pt.Frames.Offset + i*8))
}

// walk returns the entry for virt at level stop (0 for 4 KiB pages, 1 for
// 2 MiB pages), creating missing tables when create is set.
func (pt *PageTable) walk(virt uintptr, stop int, create bool) (*uint64, MapErr) {
	if !canonical(virt) {
		return nil, MapNonCanonical
	}
	table := pt.Root
	for level := 3; level > stop; level-- {
		e := pt.entry(table, index(virt, level))
		if *e&Present == 0 {
			if !create {
				return nil, MapOK
			}
			next, ok := pt.Frames.Alloc()
			if !ok {
				return nil, MapNoMemory
			}
			// Intermediate entries allow everything; the leaf decides.
			*e = uint64(next) | Present | Writable
		} else if *e&Huge != 0 {
			return nil, MapHugeInTheWay
		}
		table = uintptr(*e & addrMask)
	}
	return pt.entry(table, index(virt, stop)), MapOK
}

// Map maps the 4 KiB page at virt to the frame at phys with flags.
func (pt *PageTable) Map(virt, phys uintptr, flags uint64) MapErr {
	if virt%PageSize != 0 || phys%PageSize != 0 {
		return MapMisaligned
	}
	e, err := pt.walk(virt, 0, true)
	if err != MapOK {
		return err
	}
	*e = uint64(phys) | flags | Present
	return MapOK
}

// MapHuge maps the 2 MiB page at virt to phys with flags.
func (pt *PageTable) MapHuge(virt, phys uintptr, flags uint64) MapErr {
	if virt%HugePageSize != 0 || phys%HugePageSize != 0 {
		return MapMisaligned
	}
	e, err := pt.walk(virt, 1, true)
	if err != MapOK {
		return err
	}
	if *e&Present != 0 && *e&Huge == 0 {
		return MapTableInTheWay // 4 KiB pages are mapped there
	}
	*e = uint64(phys) | flags | Present | Huge
	return MapOK
}

// Lookup returns the physical address virt maps to and the leaf entry's
// flags.
func (pt *PageTable) Lookup(virt uintptr) (phys uintptr, flags uint64, ok bool) {
	if !canonical(virt) {
		return 0, 0, false
	}
	table := pt.Root
	for level := 3; level >= 0; level-- {
		e := *pt.entry(table, index(virt, level))
		if e&Present == 0 {
			return 0, 0, false
		}
		if level == 0 || (level == 1 && e&Huge != 0) {
			size := uintptr(PageSize)
			if level == 1 {
				size = HugePageSize
			}
			base := uintptr(e&addrMask) &^ (size - 1)
			return base + virt&(size-1), e &^ addrMask, true
		}
		table = uintptr(e & addrMask)
	}
	return 0, 0, false
}

// Unmap removes the 4 KiB mapping at virt and returns the frame it mapped.
// The caller flushes the TLB entry.
func (pt *PageTable) Unmap(virt uintptr) (phys uintptr, ok bool) {
	// LAB 2 BEGIN: find the leaf entry (without creating tables), clear it, return its frame
	// LAB 2 STUB: return 0, false
	e, err := pt.walk(virt&^(PageSize-1), 0, false)
	if err != MapOK || e == nil || *e&Present == 0 {
		return 0, false
	}
	phys = uintptr(*e & addrMask)
	*e = 0
	return phys, true
	// LAB 2 END
}

// SetFlags replaces the flags of the 4 KiB mapping at virt.
func (pt *PageTable) SetFlags(virt uintptr, flags uint64) bool {
	// LAB 2 BEGIN: replace the flags of a present 4 KiB leaf entry, keeping its frame
	// LAB 2 STUB: return false
	e, err := pt.walk(virt&^(PageSize-1), 0, false)
	if err != MapOK || e == nil || *e&Present == 0 {
		return false
	}
	*e = *e&addrMask | flags | Present
	return true
	// LAB 2 END
}

// Package multiboot owns the reading of the Multiboot 1 information
// structure: the block of memory in which a Multiboot boot loader (QEMU's
// -kernel loader, GRUB) describes the machine to the kernel it started — how
// much memory there is and where (the memory map), the kernel's command line,
// the boot modules it loaded (gobare's program arrives as one, its module
// string being the program's argv) and the loader's name.
//
// The reference is the Multiboot Specification version 0.6.96, cited below as
// "spec §N". The loader enters the kernel with EAX = BootloaderMagic (spec
// §3.2) and EBX = the physical address of the information structure, whose
// layout spec §3.3 gives. Every address in the structure is physical.
//
// Physical memory is handed to Parse as a byte slice whose index is the
// physical address: in the kernel it spans the identity-mapped low memory, in
// host tests it is an ordinary slice. The structure comes from outside the
// kernel, so Parse trusts nothing in it: every address and length is checked
// against len(mem) before it is used (the kernel is compiled with bounds
// checks off, so a missed check would read arbitrary memory), strings are
// scanned for their NUL only up to MaxString bytes, and any inconsistency
// is reported as an Err rather than a crash.
//
// The package is compiled into the kernel, whose Go runtime never runs: it
// allocates nothing, results come back by value in fixed-size arrays, and
// every byte slice in a result (command line, module strings, loader name) is
// a sub-slice of mem, not a copy. A kernel that reuses the memory holding the
// structure must therefore first copy out what it still needs.
package multiboot

// BootloaderMagic is the value a Multiboot-compliant boot loader leaves in
// EAX when it jumps to the kernel (spec §3.2). Any other value means the
// kernel was not started by a Multiboot loader and EBX means nothing.
const BootloaderMagic = 0x2BADB002

// Bits of the info structure's flags word (spec §3.3). A field is valid only
// when its bit is set; the loader leaves the others undefined.
const (
	FlagMem            = 1 << 0  // mem_lower and mem_upper are valid
	FlagBootDevice     = 1 << 1  // boot_device is valid
	FlagCmdline        = 1 << 2  // cmdline is valid
	FlagMods           = 1 << 3  // mods_count and mods_addr are valid
	FlagAoutSyms       = 1 << 4  // the a.out symbol table fields are valid
	FlagELFSections    = 1 << 5  // the ELF section header fields are valid
	FlagMmap           = 1 << 6  // mmap_length and mmap_addr are valid
	FlagDrives         = 1 << 7  // drives_length and drives_addr are valid
	FlagConfigTable    = 1 << 8  // config_table is valid
	FlagBootloaderName = 1 << 9  // boot_loader_name is valid
	FlagAPMTable       = 1 << 10 // apm_table is valid
	FlagVBE            = 1 << 11 // the vbe_* fields are valid
	FlagFramebuffer    = 1 << 12 // the framebuffer_* fields are valid
)

// Byte offsets of the fields Parse reads, from the start of the information
// structure (spec §3.3). Each field is a little-endian u32.
const (
	offFlags          = 0  // flags: which fields below are valid
	offMemLower       = 4  // mem_lower: KiB of memory from address 0
	offMemUpper       = 8  // mem_upper: KiB of memory from 1 MiB
	offCmdline        = 16 // cmdline: address of the NUL-terminated command line
	offModsCount      = 20 // mods_count: number of module structures
	offModsAddr       = 24 // mods_addr: address of the first module structure
	offMmapLength     = 44 // mmap_length: size in bytes of the memory map buffer
	offMmapAddr       = 48 // mmap_addr: address of the memory map buffer
	offBootloaderName = 64 // boot_loader_name: address of the NUL-terminated name

	// The framebuffer fields (FlagFramebuffer), after the VBE ones.
	offFramebufferAddr   = 88  // framebuffer_addr: u64 physical address of the pixels
	offFramebufferPitch  = 96  // framebuffer_pitch: bytes from one line to the next
	offFramebufferWidth  = 100 // framebuffer_width: pixels (or characters in text mode)
	offFramebufferHeight = 104 // framebuffer_height: lines (or character rows)
	offFramebufferBPP    = 108 // framebuffer_bpp: u8 bits per pixel
	offFramebufferType   = 109 // framebuffer_type: u8, FramebufferIndexed/RGB/EGAText
	// color_info: for RGB, six u8: red position, red size, green..., blue.
	// The spec's table puts it at 110, but its own multiboot.h (§4.3) makes
	// it a union with the u32 palette address, aligned to 4: GRUB writes it
	// at 112, and so does every loader built from that header.
	offColorInfo       = 112
	framebufferInfoEnd = 118 // the end of color_info for the RGB type
)

// Framebuffer types (spec §3.3, framebuffer_type).
const (
	FramebufferIndexed = 0 // a palette-indexed graphics mode
	FramebufferRGB     = 1 // direct colour: each pixel holds red, green and blue fields
	FramebufferEGAText = 2 // EGA/VGA text mode: Width x Height character cells
)

// Layout of one module structure in the table at mods_addr (spec §3.3).
const (
	modStart   = 0  // mod_start: address of the module's first byte
	modEnd     = 4  // mod_end: address just past the module's last byte
	modString  = 8  // string: address of the module's NUL-terminated string, 0 if none
	modEntSize = 16 // mod_start, mod_end, string and a reserved word
)

// Layout of one memory map entry (spec §3.3). An entry is a u32 size field
// followed by size bytes; the size counts the bytes after itself, so the next
// entry starts size+4 bytes after this one's size field. Offsets below are
// from the start of the entry, i.e. from the size field.
const (
	mmapSize    = 0  // size: bytes in this entry after this field
	mmapBase    = 4  // base_addr: u64 start address of the region
	mmapLength  = 12 // length: u64 size of the region in bytes
	mmapType    = 20 // type: u32, 1 for usable RAM
	mmapMinSize = 20 // the smallest legal size field: base, length and type
)

// Region types of a memory map entry (spec §3.3 defines only 1, "available
// RAM", and calls every other value reserved; the rest are the values GRUB's
// multiboot.h and ACPI's E820 interface give them).
const (
	RegionUsable          = 1 // available RAM the kernel may use
	RegionReserved        = 2 // reserved by the firmware or the hardware
	RegionACPIReclaimable = 3 // ACPI tables, usable once they have been read
	RegionACPINVS         = 4 // ACPI non-volatile storage, must be preserved
	RegionBad             = 5 // defective RAM
)

// MaxString bounds the scan for the NUL that ends a command line, module
// string or loader name. A string longer than this is reported as
// unterminated rather than searched for across all of memory.
const MaxString = 64 << 10

// Capacities of the fixed-size arrays in Info.
const (
	MaxRegions = 64 // memory map entries kept; QEMU reports about 6, PCs about 20
	MaxModules = 16 // boot modules kept; gobare needs one
)

// Region is one entry of the boot loader's memory map (spec §3.3).
type Region struct {
	Base   uint64 // physical address of the region's first byte
	Length uint64 // size of the region in bytes
	Type   uint32 // RegionUsable for RAM the kernel may use; any other value is reserved
}

// End returns the address just past the region's last byte. Parse rejects
// maps in which this would overflow.
func (r Region) End() uint64 { return r.Base + r.Length }

// Module is one boot module the loader placed in memory (spec §3.3). For
// gobare the first module is the program and String is its command line.
type Module struct {
	Start  uint32 // physical address of the module's first byte
	End    uint32 // physical address just past its last byte (as QEMU and GRUB set it); End >= Start
	String []byte // the module's string (its command line), a sub-slice of mem without the NUL; nil if absent
}

// Framebuffer is the video mode the loader set (spec §3.3, the
// framebuffer_* fields, valid with FlagFramebuffer). For FramebufferRGB a
// pixel of BPP bits holds each colour's top Size bits at bit Pos.
type Framebuffer struct {
	Addr      uint64 // physical address of the first pixel (or text cell)
	Pitch     uint32 // bytes per line
	Width     uint32 // pixels per line (characters for EGA text)
	Height    uint32 // lines (character rows for EGA text)
	BPP       uint8  // bits per pixel (16 for EGA text: character and attribute)
	Type      uint8  // FramebufferIndexed, FramebufferRGB or FramebufferEGAText
	RedPos    uint8  // FramebufferRGB only: the colour fields
	RedSize   uint8
	GreenPos  uint8
	GreenSize uint8
	BluePos   uint8
	BlueSize  uint8
}

// Info is the parsed information structure. Fields whose flag bit is clear
// are zero.
type Info struct {
	Flags       uint32 // the flags word as the loader wrote it (Flag* bits)
	MemLowerKiB uint32 // KiB of conventional memory from address 0 (FlagMem); at most 640
	MemUpperKiB uint32 // KiB of memory from 1 MiB to the first hole (FlagMem)

	Cmdline []byte // the kernel's command line, a sub-slice of mem without the NUL; nil if absent

	Regions        [MaxRegions]Region // the memory map (FlagMmap), in the loader's order
	NRegions       int                // entries of Regions in use
	RegionsDropped int                // further valid entries that did not fit in Regions and were ignored

	Modules        [MaxModules]Module // the boot modules (FlagMods), in the loader's order
	NModules       int                // entries of Modules in use
	ModulesDropped int                // further modules that did not fit in Modules and were ignored

	BootloaderName []byte // the loader's name, e.g. "qemu", a sub-slice of mem without the NUL; nil if absent

	Framebuffer Framebuffer // the video mode (FlagFramebuffer); QEMU's -kernel loader gives none (VGA text)
}

// Err says what is wrong with an information structure. ErrNone means
// nothing is.
type Err uint8

// The errors Parse returns.
const (
	ErrNone           Err = iota // the structure is well formed
	ErrMagic                     // EAX did not hold BootloaderMagic (see CheckMagic)
	ErrInfoRange                 // the structure itself lies outside mem
	ErrCmdline                   // cmdline points outside mem or is not NUL-terminated
	ErrBootloaderName            // boot_loader_name points outside mem or is not NUL-terminated
	ErrModsRange                 // the module table lies outside mem
	ErrModuleRange               // a module ends before it starts or lies outside mem
	ErrModuleString              // a module's string points outside mem or is not NUL-terminated
	ErrMmapRange                 // the memory map buffer lies outside mem
	ErrMmapEntry                 // a memory map entry is smaller than 20 bytes or crosses the end of the buffer
	ErrRegionWraps               // a memory map region extends past the top of the 64-bit address space
)

// String returns a short description of the error, a constant string.
func (e Err) String() string {
	switch e {
	case ErrNone:
		return "no error"
	case ErrMagic:
		return "not started by a Multiboot boot loader (EAX is not 0x2BADB002)"
	case ErrInfoRange:
		return "Multiboot information structure lies outside memory"
	case ErrCmdline:
		return "kernel command line lies outside memory or is not NUL-terminated"
	case ErrBootloaderName:
		return "boot loader name lies outside memory or is not NUL-terminated"
	case ErrModsRange:
		return "module table lies outside memory"
	case ErrModuleRange:
		return "a boot module ends before it starts or lies outside memory"
	case ErrModuleString:
		return "a boot module's string lies outside memory or is not NUL-terminated"
	case ErrMmapRange:
		return "memory map lies outside memory"
	case ErrMmapEntry:
		return "memory map entry is shorter than 20 bytes or crosses the end of the map"
	case ErrRegionWraps:
		return "memory map region extends past the top of the address space"
	}
	return "unknown Multiboot error"
}

// Error makes Err an error for host callers. The kernel calls String.
func (e Err) Error() string { return e.String() }

// CheckMagic reports ErrMagic unless eax, the value of EAX at kernel entry,
// is BootloaderMagic (spec §3.2).
func CheckMagic(eax uint32) Err {
	if eax != BootloaderMagic {
		return ErrMagic
	}
	return ErrNone
}

// Parse reads the information structure at physical address infoAddr.
//
// Only the fields whose flag bits are set are read, and only those are
// checked. The memory map and the module table may hold more entries than
// Info has room for: Parse keeps the first MaxRegions and MaxModules, still
// checks the rest, and counts them in RegionsDropped and ModulesDropped. A
// memory map entry's size field may be any value from 20 up (odd values
// included: the spec sets only a minimum); a smaller one, zero included, is
// ErrMmapEntry. A module string address of 0 means the module has no string.
//
// On error the returned Info holds whatever was parsed before the fault and
// should not be trusted.
func Parse(mem []byte, infoAddr uint32) (Info, Err) {
	var in Info
	base := uint64(infoAddr)

	flags, ok := u32(mem, base+offFlags)
	if !ok {
		return in, ErrInfoRange
	}
	in.Flags = flags

	if flags&FlagMem != 0 {
		lo, ok1 := u32(mem, base+offMemLower)
		hi, ok2 := u32(mem, base+offMemUpper)
		if !ok1 || !ok2 {
			return in, ErrInfoRange
		}
		in.MemLowerKiB, in.MemUpperKiB = lo, hi
	}

	if flags&FlagCmdline != 0 {
		addr, ok := u32(mem, base+offCmdline)
		if !ok {
			return in, ErrInfoRange
		}
		s, ok := cstring(mem, uint64(addr))
		if !ok {
			return in, ErrCmdline
		}
		in.Cmdline = s
	}

	if flags&FlagMods != 0 {
		// The module table (spec §3.3, mods_count and mods_addr).
		count, ok1 := u32(mem, base+offModsCount)
		addr, ok2 := u32(mem, base+offModsAddr)
		if !ok1 || !ok2 {
			return in, ErrInfoRange
		}
		// The whole table must lie inside mem. 2^32 entries of 16 bytes is
		// 2^36 bytes, so the uint64 arithmetic cannot overflow.
		tableEnd := uint64(addr) + uint64(count)*modEntSize
		if tableEnd > uint64(len(mem)) {
			return in, ErrModsRange
		}
		for i := uint64(0); i < uint64(count); i++ {
			ent := uint64(addr) + i*modEntSize // in range: checked against tableEnd above
			start, _ := u32(mem, ent+modStart)
			end, _ := u32(mem, ent+modEnd)
			str, _ := u32(mem, ent+modString)
			if end < start || uint64(end) > uint64(len(mem)) {
				return in, ErrModuleRange
			}
			var s []byte
			if str != 0 {
				var ok bool
				s, ok = cstring(mem, uint64(str))
				if !ok {
					return in, ErrModuleString
				}
			}
			if in.NModules >= MaxModules {
				in.ModulesDropped++
				continue
			}
			in.Modules[in.NModules] = Module{Start: start, End: end, String: s}
			in.NModules++
		}
	}

	if flags&FlagMmap != 0 {
		// The memory map (spec §3.3, mmap_length and mmap_addr).
		length, ok1 := u32(mem, base+offMmapLength)
		addr, ok2 := u32(mem, base+offMmapAddr)
		if !ok1 || !ok2 {
			return in, ErrInfoRange
		}
		end := uint64(addr) + uint64(length) // both < 2^32: no overflow
		if end > uint64(len(mem)) {
			return in, ErrMmapRange
		}
		// Each step advances by at least mmapMinSize+4 bytes, so the loop ends.
		for ent := uint64(addr); ent < end; {
			if end-ent < 4 {
				return in, ErrMmapEntry // not even room for the size field
			}
			size, _ := u32(mem, ent+mmapSize)
			if size < mmapMinSize || uint64(size) > end-ent-4 {
				return in, ErrMmapEntry
			}
			r := Region{
				Base:   u64(mem, ent+mmapBase),
				Length: u64(mem, ent+mmapLength),
			}
			r.Type, _ = u32(mem, ent+mmapType)
			if r.Base+r.Length < r.Base {
				return in, ErrRegionWraps
			}
			if in.NRegions < MaxRegions {
				in.Regions[in.NRegions] = r
				in.NRegions++
			} else {
				in.RegionsDropped++
			}
			ent += uint64(size) + 4
		}
	}

	if flags&FlagBootloaderName != 0 {
		addr, ok := u32(mem, base+offBootloaderName)
		if !ok {
			return in, ErrInfoRange
		}
		s, ok := cstring(mem, uint64(addr))
		if !ok {
			return in, ErrBootloaderName
		}
		in.BootloaderName = s
	}

	if flags&FlagFramebuffer != 0 {
		// The framebuffer fields (spec §3.3). Only their presence is
		// checked here: the framebuffer itself lies outside RAM, and its
		// user checks the geometry it needs.
		if _, ok := u32(mem, base+framebufferInfoEnd-4); !ok {
			return in, ErrInfoRange
		}
		fb := &in.Framebuffer
		fb.Addr = u64(mem, base+offFramebufferAddr)
		fb.Pitch, _ = u32(mem, base+offFramebufferPitch)
		fb.Width, _ = u32(mem, base+offFramebufferWidth)
		fb.Height, _ = u32(mem, base+offFramebufferHeight)
		fb.BPP = mem[base+offFramebufferBPP]
		fb.Type = mem[base+offFramebufferType]
		if fb.Type == FramebufferRGB {
			c := mem[base+offColorInfo : base+framebufferInfoEnd]
			fb.RedPos, fb.RedSize = c[0], c[1]
			fb.GreenPos, fb.GreenSize = c[2], c[3]
			fb.BluePos, fb.BlueSize = c[4], c[5]
		}
	}

	return in, ErrNone
}

// UsableRAMTop returns the address just past the highest usable RAM: the
// largest End of the RegionUsable entries of the memory map. With no memory
// map it falls back on mem_upper, which counts the KiB from 1 MiB up (spec
// §3.3); with neither it returns 0. Dropped regions are not considered.
func (in *Info) UsableRAMTop() uint64 {
	var top uint64
	n := in.NRegions
	if n > MaxRegions {
		n = MaxRegions
	}
	for i := 0; i < n; i++ {
		r := &in.Regions[i]
		if r.Type == RegionUsable && r.Length != 0 && r.End() > top {
			top = r.End()
		}
	}
	if top == 0 && in.NRegions == 0 && in.Flags&FlagMem != 0 {
		top = 1<<20 + uint64(in.MemUpperKiB)<<10
	}
	return top
}

// u32 reads the little-endian u32 at mem[addr:addr+4]; ok is false if any of
// those bytes lies outside mem.
func u32(mem []byte, addr uint64) (v uint32, ok bool) {
	n := uint64(len(mem))
	if addr > n || n-addr < 4 {
		return 0, false
	}
	b := mem[addr : addr+4]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24, true
}

// u64 reads the little-endian u64 at mem[addr:addr+8]. The caller has checked
// that the bytes lie inside mem.
func u64(mem []byte, addr uint64) uint64 {
	lo, _ := u32(mem, addr)
	hi, _ := u32(mem, addr+4)
	return uint64(lo) | uint64(hi)<<32
}

// cstring returns the NUL-terminated string at addr as a sub-slice of mem
// without the NUL. ok is false if addr lies outside mem or no NUL follows
// within MaxString bytes or before the end of mem.
func cstring(mem []byte, addr uint64) (s []byte, ok bool) {
	n := uint64(len(mem))
	if addr >= n {
		return nil, false
	}
	limit := n
	if n-addr > MaxString {
		limit = addr + MaxString
	}
	for i := addr; i < limit; i++ {
		if mem[i] == 0 {
			// Capacity runs to the end of mem, not to i: a zero-capacity slice
			// would not point at addr, and an empty string must still say where
			// it is.
			return mem[addr:i:n], true
		}
	}
	return nil, false
}

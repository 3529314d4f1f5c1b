package multiboot

import "encoding/binary"

// builder lays out a Multiboot information structure, and everything it
// points to, in a fake physical memory for tests. Objects are placed one
// after another from a start address upwards; every placing method returns
// the object's physical address.
type builder struct {
	mem  []byte // the fake physical memory; index = physical address
	next uint32 // where the next object goes
}

// newBuilder makes a memory of size bytes and places objects from start.
func newBuilder(size int, start uint32) *builder {
	return &builder{mem: make([]byte, size), next: start}
}

// alloc reserves n bytes aligned to 8 and returns their address.
func (b *builder) alloc(n int) uint32 {
	b.next = (b.next + 7) &^ 7
	a := b.next
	b.next += uint32(n)
	if int(b.next) > len(b.mem) {
		panic("builder: out of memory")
	}
	return a
}

func (b *builder) put32(addr uint32, v uint32) { binary.LittleEndian.PutUint32(b.mem[addr:], v) }
func (b *builder) put64(addr uint32, v uint64) { binary.LittleEndian.PutUint64(b.mem[addr:], v) }

// str places s followed by a NUL.
func (b *builder) str(s string) uint32 {
	a := b.alloc(len(s) + 1)
	copy(b.mem[a:], s)
	b.mem[int(a)+len(s)] = 0
	return a
}

// blob places data (a module's contents) and returns its start and end.
func (b *builder) blob(data []byte) (start, end uint32) {
	a := b.alloc(len(data))
	copy(b.mem[a:], data)
	return a, a + uint32(len(data))
}

// mod describes one module table entry for the builder.
type mod struct {
	start, end uint32 // mod_start, mod_end
	str        uint32 // address of the string, 0 for none
}

// mods places a module table.
func (b *builder) mods(ms []mod) uint32 {
	a := b.alloc(len(ms) * modEntSize)
	for i, m := range ms {
		e := a + uint32(i*modEntSize)
		b.put32(e+modStart, m.start)
		b.put32(e+modEnd, m.end)
		b.put32(e+modString, m.str)
	}
	return a
}

// mmap places a memory map whose entries all have the given size field
// (20 is what QEMU and GRUB write) and returns its address and mmap_length.
func (b *builder) mmap(size uint32, rs []Region) (addr, length uint32) {
	step := int(size) + 4
	a := b.alloc(len(rs) * step)
	for i, r := range rs {
		e := a + uint32(i*step)
		b.put32(e+mmapSize, size)
		b.put64(e+mmapBase, r.Base)
		b.put64(e+mmapLength, r.Length)
		b.put32(e+mmapType, r.Type)
	}
	return a, uint32(len(rs) * step)
}

// infoFields are the values the builder writes into the info structure.
type infoFields struct {
	flags                uint32
	memLower, memUpper   uint32
	cmdline              uint32
	modsCount, modsAddr  uint32
	mmapLength, mmapAddr uint32
	bootloaderName       uint32
}

// info places the 116-byte information structure (spec §3.3, up to the
// framebuffer fields) and returns its address.
func (b *builder) info(f infoFields) uint32 {
	a := b.alloc(116)
	b.put32(a+offFlags, f.flags)
	b.put32(a+offMemLower, f.memLower)
	b.put32(a+offMemUpper, f.memUpper)
	b.put32(a+offCmdline, f.cmdline)
	b.put32(a+offModsCount, f.modsCount)
	b.put32(a+offModsAddr, f.modsAddr)
	b.put32(a+offMmapLength, f.mmapLength)
	b.put32(a+offMmapAddr, f.mmapAddr)
	b.put32(a+offBootloaderName, f.bootloaderName)
	return a
}

// qemuRegions is the memory map QEMU 7.2 reports for -m 128 on a PC.
var qemuRegions = []Region{
	{Base: 0, Length: 0x9fc00, Type: RegionUsable},
	{Base: 0x9fc00, Length: 0x400, Type: RegionReserved},
	{Base: 0xf0000, Length: 0x10000, Type: RegionReserved},
	{Base: 0x100000, Length: 0x7ee0000, Type: RegionUsable},
	{Base: 0x7fe0000, Length: 0x20000, Type: RegionReserved},
	{Base: 0xfffc0000, Length: 0x40000, Type: RegionReserved},
}

// qemuLike builds what QEMU's Multiboot loader leaves for
// `-kernel k -append "console=ttyS0 trace" -initrd "prog arg1 arg2"`:
// flags with mem, boot device, cmdline, mods, mmap and loader name; the info
// structure at 0x9000 and the memory map at 0x500 as QEMU puts them; one
// module. It returns the memory, the info address and the module's bytes.
func qemuLike() (mem []byte, infoAddr uint32, module []byte) {
	b := newBuilder(1<<20+64<<10, 0x500)
	mmapAddr, mmapLen := b.mmap(20, qemuRegions)
	b.next = 0x9000
	module = []byte("\x7fELF fake program contents")
	// Fields are placed after the info structure, as QEMU does.
	infoAddr = b.alloc(116)
	cmd := b.str("console=ttyS0 trace")
	modStr := b.str("prog arg1 arg2")
	b.next = 0x100000
	start, end := b.blob(module)
	b.next = 0xa000
	table := b.mods([]mod{{start, end, modStr}})
	name := b.str("qemu")
	saved := b.next
	b.next = infoAddr
	b.info(infoFields{
		flags:          FlagMem | FlagBootDevice | FlagCmdline | FlagMods | FlagMmap | FlagBootloaderName,
		memLower:       639,
		memUpper:       130944,
		cmdline:        cmd,
		modsCount:      1,
		modsAddr:       table,
		mmapLength:     mmapLen,
		mmapAddr:       mmapAddr,
		bootloaderName: name,
	})
	b.next = saved
	return b.mem, infoAddr, module
}

// Package vdso builds gobare's virtual dynamic shared object: the small
// ELF image a Linux kernel maps into every process (vdso(7)) so that
// clock_gettime runs without a system call. The Go runtime finds it through
// AT_SYSINFO_EHDR and looks up __vdso_clock_gettime (version LINUX_2.6) in
// its dynamic symbol table (src/runtime/vdso_linux.go).
//
// On gobare the program runs in ring 0 in the kernel's address space, so
// the symbol simply points at a kernel function (timer.vdsoClockGettime),
// which reads the TSC and the kernel's calibration: the image holds only
// the tables that lead there. Build is pure; the host test reads its output
// with debug/elf.
package vdso

// ELF constants (System V gABI ch. 4 and 5; Linux's symbol versioning).
const (
	etDyn       = 3
	emX86_64    = 62
	ptLoad      = 1
	ptDynamic   = 2
	dtNull      = 0
	dtHash      = 4
	dtStrtab    = 5
	dtSymtab    = 6
	dtStrsz     = 10
	dtSyment    = 11
	dtVersym    = 0x6ffffff0
	dtVerdef    = 0x6ffffffc
	dtVerdefnum = 0x6ffffffd
	verFlgBase  = 1
	stbGlobal   = 1
	sttFunc     = 2
	shnAbs      = 0xfff1
)

// The image's layout: fixed offsets inside one page.
const (
	Size      = 4096
	phoff     = 64
	dynOff    = 256
	hashOff   = 512
	symOff    = 576
	strOff    = 640
	versymOff = 768
	verdefOff = 800
	shstrOff  = 896
	shoff     = 1024
)

// strtab holds the names: the symbol, the version and the object's soname.
const (
	strtab     = "\x00__vdso_clock_gettime\x00LINUX_2.6\x00linux-vdso.so.1\x00"
	nameSym    = 1
	nameVer    = 22
	nameSoname = 32
)

// ELF hashes of the version names (the gABI's hash function, as the
// runtime's vdsoLinuxVersion and Linux's vdso record them).
const (
	hashLinux26 = 0x3ae75f6
)

// Build writes the image into page (Size bytes) for loading at address
// base, with __vdso_clock_gettime at fn. Symbol values are relative to the
// load base; fn may be anywhere (the sum wraps around).
func Build(page []byte, base, fn uint64) bool {
	if len(page) < Size {
		return false
	}
	clear(page[:Size])
	// ELF header.
	copy(page, "\x7fELF\x02\x01\x01")
	put16(page[16:], etDyn)
	put16(page[18:], emX86_64)
	put32(page[20:], 1)
	put64(page[32:], phoff)
	put16(page[52:], 64) // e_ehsize
	put16(page[54:], 56) // e_phentsize
	put16(page[56:], 2)  // e_phnum
	put16(page[58:], 64) // e_shentsize
	put64(page[40:], shoff)
	put16(page[60:], uint16(len(sections)))   // e_shnum
	put16(page[62:], uint16(len(sections)-1)) // e_shstrndx: the last
	// Program headers: the whole page, then the dynamic section.
	ph := page[phoff:]
	put32(ph[0:], ptLoad)
	put32(ph[4:], 5) // PF_R|PF_X
	put64(ph[32:], Size)
	put64(ph[40:], Size)
	put64(ph[48:], 4096)
	ph = page[phoff+56:]
	put32(ph[0:], ptDynamic)
	put32(ph[4:], 4) // PF_R
	put64(ph[8:], dynOff)
	put64(ph[16:], dynOff)
	put64(ph[32:], 16*9)
	put64(ph[40:], 16*9)
	// The dynamic section: where the tables are.
	dyn := [...][2]uint64{
		{dtHash, hashOff}, {dtStrtab, strOff}, {dtSymtab, symOff}, {dtStrsz, uint64(len(strtab))},
		{dtSyment, 24}, {dtVersym, versymOff}, {dtVerdef, verdefOff}, {dtVerdefnum, 2}, {dtNull, 0},
	}
	for i, d := range dyn {
		put64(page[dynOff+16*i:], d[0])
		put64(page[dynOff+16*i+8:], d[1])
	}
	// SysV hash table: one bucket, whose chain is symbol 1 alone.
	for i, v := range [...]uint32{1, 2, 1, 0, 0} { // nbucket, nchain, bucket[0], chain[0], chain[1]
		put32(page[hashOff+4*i:], v)
	}
	// Symbol 1: __vdso_clock_gettime, a global function.
	sym := page[symOff+24:]
	put32(sym[0:], nameSym)
	sym[4] = stbGlobal<<4 | sttFunc
	put16(sym[6:], shnAbs)
	put64(sym[8:], fn-base)
	copy(page[strOff:], strtab)
	// Versions: symbol 1 has version index 2, LINUX_2.6.
	put16(page[versymOff+2:], 2)
	putVerdef(page[verdefOff:], verFlgBase, 1, elfHash("linux-vdso.so.1"), nameSoname, 28)
	putVerdef(page[verdefOff+28:], 0, 2, hashLinux26, nameVer, 0)
	// Section headers: not needed by the runtime, but they let readelf,
	// objdump and debug/elf show the image.
	copy(page[shstrOff:], shstrtab)
	for i, sec := range sections {
		h := page[shoff+64*i:]
		put32(h[0:], sec.name)
		put32(h[4:], sec.typ)
		put64(h[8:], 2) // SHF_ALLOC
		put64(h[16:], sec.off)
		put64(h[24:], sec.off)
		put64(h[32:], sec.size)
		put32(h[40:], sec.link)
		put32(h[44:], sec.info)
		put64(h[48:], 8)
		put64(h[56:], sec.entsize)
	}
	return true
}

// shstrtab names the sections.
const shstrtab = "\x00.hash\x00.dynsym\x00.dynstr\x00.gnu.version\x00.gnu.version_d\x00.dynamic\x00.shstrtab\x00"

// sections describes the image for tools: name (offset in shstrtab), type,
// offset, size, link, info, entry size.
var sections = [...]struct {
	name, typ  uint32
	off, size  uint64
	link, info uint32
	entsize    uint64
}{
	{},
	{1, 5, hashOff, 20, 2, 0, 4},  // .hash → .dynsym
	{7, 11, symOff, 48, 3, 1, 24}, // .dynsym → .dynstr
	{15, 3, strOff, uint64(len(strtab)), 0, 0, 0},     // .dynstr
	{23, 0x6fffffff, versymOff, 4, 2, 0, 2},           // .gnu.version → .dynsym
	{36, 0x6ffffffd, verdefOff, 56, 3, 2, 0},          // .gnu.version_d → .dynstr, 2 entries
	{51, 6, dynOff, 16 * 9, 3, 0, 16},                 // .dynamic → .dynstr
	{60, 3, shstrOff, uint64(len(shstrtab)), 0, 0, 0}, // .shstrtab
}

// putVerdef writes an Elf64_Verdef followed by its one Elf64_Verdaux.
func putVerdef(b []byte, flags, ndx uint16, hash, name, next uint32) {
	put16(b[0:], 1) // vd_version
	put16(b[2:], flags)
	put16(b[4:], ndx)
	put16(b[6:], 1) // vd_cnt
	put32(b[8:], hash)
	put32(b[12:], 20) // vd_aux: the Verdaux follows
	put32(b[16:], next)
	put32(b[20:], name) // vda_name
}

// elfHash is the gABI's symbol hash function ("Hash Table").
func elfHash(s string) uint32 {
	var h uint32
	for i := 0; i < len(s); i++ {
		h = h<<4 + uint32(s[i])
		g := h & 0xf0000000
		h ^= g >> 24
		h &^= g
	}
	return h
}

func put16(b []byte, v uint16) { b[0], b[1] = byte(v), byte(v>>8) }
func put32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
func put64(b []byte, v uint64) { put32(b, uint32(v)); put32(b[4:], uint32(v>>32)) }

package smp

// The trampoline: the first code an application processor runs. A
// start-up IPI wakes the AP in real mode at CS:IP = Base>>4:0000, so this
// code must lie below 1 MiB on a page boundary (Intel SDM Vol. 3A §8.4.4.1,
// §10.6.1). Install copies it to physical Base. It climbs the same steps
// as boot/ does for the boot CPU (SDM Vol. 3A §9.9.1 into protected mode,
// §9.8.5 into IA-32e mode), but from 16-bit real mode, and with the
// kernel's own page table, whose physical address Install writes into the
// parameter area; the kernel maps this page 1:1 while APs start, so the
// instruction after paging is switched on is still there.
//
// The Go assembler writes 64-bit code only, so the trampoline is given as
// bytes, each instruction on a line with its 16-, 32- or 64-bit meaning;
// trampoline_test.go decodes them in each mode and checks that they say
// what the comments say. Addresses in it are absolute: it runs at Base.

// Base is the trampoline's physical address: page 8, in the conventional
// memory below the 640 KiB the BIOS leaves free, and the SIPI vector is its
// page number.
const Base = 0x8000

// Offsets in the trampoline.
const (
	offProtected   = 0x20 // the 32-bit protected-mode part
	offLong        = 0x70 // the 64-bit part
	offGDT         = 0xA0 // its GDT: null, 0x08 64-bit code, 0x10 data, 0x18 32-bit code
	offGDTR        = 0xC0 // the GDT's pseudo-descriptor: limit (2 bytes), base (4)
	offCR3         = 0xC8 // parameter: the kernel page table's physical address (below 4 GiB)
	offEntry       = 0xD8 // parameter: where the 64-bit part jumps (apEntry)
	trampolineSize = 0xE0
)

// The selectors of the trampoline's GDT. 0x08 and 0x10 are the kernel's
// own (trap.KernelCS, trap.KernelSS), so nothing needs reloading when the
// AP switches to its kernel GDT.
const (
	selCode64 = 0x08
	selData   = 0x10
	selCode32 = 0x18
)

// The absolute addresses the trampoline uses; the bytes below spell them
// out little-endian.
const (
	protectedAt = Base + offProtected
	longAt      = Base + offLong
	gdtAt       = Base + offGDT
	gdtrAt      = Base + offGDTR
	cr3At       = Base + offCR3
	entryAt     = Base + offEntry
)

var trampoline = [trampolineSize]byte{
	// 16-bit real mode, CS = Base>>4, IP = 0. Interrupts stay off until the
	// kernel's IDT is loaded. DS = CS, so [x] below is Base+x.
	0xFA,       // cli
	0x8C, 0xC8, // mov ax, cs
	0x8E, 0xD8, // mov ds, ax
	// lgdt with the operand-size prefix, so all 32 bits of the base load.
	0x66, 0x0F, 0x01, 0x16, offGDTR & 0xFF, offGDTR >> 8, // lgdtd [offGDTR]
	// CR0.PE: protected mode (§9.9.1 step 3); the next instruction must be
	// a far jump, which loads CS from the new GDT.
	0x0F, 0x20, 0xC0, // mov eax, cr0
	0x0C, 0x01, // or al, 1
	0x0F, 0x22, 0xC0, // mov cr0, eax
	0x66, 0xEA, protectedAt & 0xFF, protectedAt >> 8 & 0xFF, 0, 0, selCode32, 0, // jmpd selCode32:protectedAt

	// 32-bit protected mode, flat segments, paging off.
	offProtected: 0x66, 0xB8, selData, 0x00, // mov ax, selData
	0x8E, 0xD8, // mov ds, ax
	0x8E, 0xC0, // mov es, ax
	0x8E, 0xD0, // mov ss, ax
	// CR4.PAE, then CR3 = the kernel's PML4 (§9.8.5 steps 1-2). CR4 also
	// gets OSFXSR and OSXMMEXCPT: Go code uses SSE (§13.1.3).
	0x0F, 0x20, 0xE0, // mov eax, cr4
	0x0D, 0x20, 0x06, 0x00, 0x00, // or eax, 0x620 (PAE, OSFXSR, OSXMMEXCPT)
	0x0F, 0x22, 0xE0, // mov cr4, eax
	0xA1, cr3At & 0xFF, cr3At >> 8 & 0xFF, 0, 0, // mov eax, [cr3At]
	0x0F, 0x22, 0xD8, // mov cr3, eax
	// IA32_EFER: LME for long mode, SCE for SYSCALL, NXE for the kernel's
	// no-execute pages (§9.8.5 step 3; the boot CPU checked NX is there).
	0xB9, 0x80, 0x00, 0x00, 0xC0, // mov ecx, 0xC0000080 (IA32_EFER)
	0x0F, 0x32, // rdmsr
	0x0D, 0x01, 0x09, 0x00, 0x00, // or eax, 0x901 (SCE | LME | NXE)
	0x0F, 0x30, // wrmsr
	// CR0: caches on (INIT leaves CD and NW set, §9.1.1, Table 9-1), no
	// x87 emulation and MP, as SSE wants (§13.1.3), then paging and write
	// protection, which activates IA-32e mode (§9.8.5 step 4).
	0x0F, 0x20, 0xC0, // mov eax, cr0
	0x25, 0xFB, 0xFF, 0xFF, 0x9F, // and eax, 0x9FFFFFFB (clear CD, NW, EM)
	0x0D, 0x02, 0x00, 0x01, 0x80, // or eax, 0x80010002 (PG, WP, MP)
	0x0F, 0x22, 0xC0, // mov cr0, eax
	// A far jump to the 64-bit code segment leaves compatibility mode
	// (§9.8.5 step 5).
	0xEA, longAt & 0xFF, longAt >> 8 & 0xFF, 0, 0, selCode64, 0, // jmp selCode64:longAt

	// 64-bit mode, on the kernel's page table. apEntry finds the AP's
	// stack.
	offLong: 0x66, 0xB8, selData, 0x00, // mov ax, selData
	0x8E, 0xD8, // mov ds, ax
	0x8E, 0xC0, // mov es, ax
	0x8E, 0xD0, // mov ss, ax
	0xFF, 0x24, 0x25, entryAt & 0xFF, entryAt >> 8 & 0xFF, 0, 0, // jmp [entryAt]

	// The GDT (§3.4.5): flat 4 GiB segments, P, DPL 0.
	offGDT: 0, 0, 0, 0, 0, 0, 0, 0,
	0xFF, 0xFF, 0, 0, 0, 0x9A, 0xAF, 0, // 0x08: code, execute/read, L=1 (64-bit)
	0xFF, 0xFF, 0, 0, 0, 0x92, 0xCF, 0, // 0x10: data, read/write, G, B
	0xFF, 0xFF, 0, 0, 0, 0x9A, 0xCF, 0, // 0x18: code, execute/read, G, D (32-bit)
	offGDTR: 4*8 - 1, 0, gdtAt & 0xFF, gdtAt >> 8 & 0xFF, 0, 0, // limit, base
}

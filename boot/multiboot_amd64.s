// The first instructions of the kernel: Multiboot hands over in 32-bit
// protected mode; this file climbs into 64-bit long mode and calls start.
//
// Everything up to the far return in entry32 executes in 32-bit mode, but
// the Go assembler only writes 64-bit code. We therefore use only
// instructions whose bytes mean the same thing in both modes: 32-bit
// register operations (MOVL, ADDL, ...) with no REX prefix, and the system
// instructions (MOV CRn, RDMSR/WRMSR, LGDT). `go test ./boot` disassembles
// this code as 32-bit x86 to prove it.

#include "textflag.h"

// Multiboot 1, §3.2: EAX holds this magic when a compliant loader jumps in.
#define MULTIBOOT_MAGIC 0x2BADB002

// Control register and MSR bits (Intel SDM Vol. 3A §2.5, §2.2.1).
#define CR0_PE (1<<0)	// protected mode (already on)
#define CR0_MP (1<<1)	// WAIT/FWAIT honour TS
#define CR0_EM (1<<2)	// x87 emulation: must be off for SSE
#define CR0_WP (1<<16)	// supervisor writes respect read-only pages
#define CR0_PG (1<<31)	// paging
#define CR4_PAE (1<<5)	// 64-bit page table entries, required for long mode
#define CR4_OSFXSR (1<<9)	// FXSAVE/FXRSTOR and SSE instructions allowed
#define CR4_OSXMMEXCPT (1<<10)	// SIMD floating-point exceptions as #XM
#define MSR_EFER 0xC0000080
#define EFER_SCE (1<<0)	// SYSCALL/SYSRET enabled
#define EFER_LME (1<<8)	// long mode enable
#define EFER_NXE (1<<11)	// the NX bit in page table entries
#define MSR_FS_BASE 0xC0000100

// The boot stack, and the early GDT with its pointer (SDM Vol. 3A §3.4.5):
// null, 0x08 = 64-bit code (L=1, P, DPL 0, execute/read),
// 0x10 = data (P, DPL 0, read/write, 4 GiB, G). DATA with a symbol address
// is an absolute relocation, filled in by the linker.
GLOBL ·bootStack(SB), NOPTR, $65536
DATA ·bootStackTop+0(SB)/8, $·bootStack+65536(SB)
GLOBL ·bootStackTop(SB), NOPTR|RODATA, $8
DATA ·gdt+0(SB)/8, $0
DATA ·gdt+8(SB)/8, $0x00af9a000000ffff
DATA ·gdt+16(SB)/8, $0x00cf92000000ffff
GLOBL ·gdt(SB), NOPTR|RODATA, $24
DATA ·gdtPointer+0(SB)/2, $23	// limit = size - 1
DATA ·gdtPointer+2(SB)/8, $·gdt(SB)	// base
GLOBL ·gdtPointer(SB), NOPTR|RODATA, $10
DATA ·badMagicText+0(SB)/8, $"gobare: "
DATA ·badMagicText+8(SB)/8, $"not boot"
DATA ·badMagicText+16(SB)/8, $"ed by a "
DATA ·badMagicText+24(SB)/8, $"Multiboo"
DATA ·badMagicText+32(SB)/8, $"t loader"
DATA ·badMagicText+40(SB)/8, $0
GLOBL ·badMagicText(SB), NOPTR|RODATA, $48
DATA ·noLongModeText+0(SB)/8, $"gobare: "
DATA ·noLongModeText+8(SB)/8, $"this CPU"
DATA ·noLongModeText+16(SB)/8, $" lacks a"
DATA ·noLongModeText+24(SB)/8, $" feature"
DATA ·noLongModeText+32(SB)/8, $" gobare "
DATA ·noLongModeText+40(SB)/8, $"needs: l"
DATA ·noLongModeText+48(SB)/8, $"ong mode"
DATA ·noLongModeText+56(SB)/8, $"\n\x00\x00\x00\x00\x00\x00\x00"
GLOBL ·noLongModeText(SB), NOPTR|RODATA, $64
DATA ·exit122Text+0(SB)/8, $"gobare: "
DATA ·exit122Text+8(SB)/8, $"exit 122"
DATA ·exit122Text+16(SB)/8, $"\n\x00\x00\x00\x00\x00\x00\x00"
GLOBL ·exit122Text(SB), NOPTR|RODATA, $24

// The serial ports boot/ may talk to before the kernel sets them up, and
// QEMU's isa-debug-exit port (see kernel/console and kernel/power).
#define COM1 0x3F8
#define COM2 0x2F8
#define DEBUG_EXIT 0xF4
#define EXIT_BOOT_FAILURE 122	// kernel.ExitBootFailure

// ABS32 loads the absolute address of sym into reg while in 32-bit mode.
// The assembler encodes `LEAL sym(SB), reg` RIP-relative: disp32 = sym -
// (address of the next instruction). A 32-bit CPU reads the same bytes as an
// absolute disp32, so reg = sym - next. A CALL to the very next instruction
// (E8 with rel32 = 0, written as bytes) pushes the address of the POP; the
// LEA that follows is 6 bytes long and starts 1 byte later, so
// next = popped + 7. tmp is clobbered. Needs a stack.
#define ABS32(sym, reg, tmp) \
	BYTE $0xE8; LONG $0; \
	POPQ tmp; \
	LEAL sym, reg; \
	ADDL tmp, reg; \
	ADDL $7, reg

// entry32 is the Multiboot entry point (the header's entry_addr).
// In: EAX = magic, EBX = physical address of the Multiboot information,
// 32-bit flat segments, paging off, interrupts off, ESP undefined (§3.2).
TEXT ·entry32(SB), NOSPLIT|NOFRAME, $0
	CLI

	// §3.2 gives us no stack, but ABS32 needs one push to learn where we
	// are. Borrow the first word of the Multiboot information (writable RAM
	// that the loader gave us) as a one-word stack and put it back after.
	MOVL (BX), DX
	LEAL 4(BX), SP
	ABS32(·bootStackTop(SB), CX, SI)
	MOVL DX, (BX)
	MOVL (CX), SP	// now on our own stack in .bss

	// Remember what the loader passed for the Go code to parse.
	ABS32(·multibootMagic(SB), DI, SI)
	MOVL AX, (DI)
	ABS32(·multibootInfo(SB), DI, SI)
	MOVL BX, (DI)

	CMPL AX, $MULTIBOOT_MAGIC
	JEQ  magicOK
	// Not loaded by a Multiboot loader: say so on the VGA text screen
	// (0xB8000, 80x25 cells of character + attribute) and halt.
	ABS32(·badMagicText(SB), SI, DX)
	MOVL $0xB8000, DI
badMagicLoop:
	MOVB (SI), AL
	TESTB AL, AL
	JEQ  halt
	MOVB AL, (DI)
	MOVB $0x4F, 1(DI)	// white on red
	ADDL $1, SI
	ADDL $2, DI
	JMP  badMagicLoop
halt:
	HLT
	JMP halt

noLongMode:
	// A 32-bit CPU: say so on the screen and COM1, then report status 122
	// on COM2 and to isa-debug-exit as the kernel's power.Exit would, and
	// halt. The text loop runs twice; BP says which pass this is.
	// LAB 1 BEGIN: the message on a CPU without long mode (VGA, COM1), the exit line on COM2, isa-debug-exit
	// LAB 1 STUB: JMP  halt
	ABS32(·noLongModeText(SB), SI, DX)
	MOVL $0xB8000, DI
	MOVL $COM1, DX
	MOVL $0, BP
	// Write the zero-terminated text at SI to the VGA text screen at DI
	// (white on red) and to the serial port DX, waiting before each byte
	// until the UART's transmit holding register is empty (line status
	// register, port+5, bit 5). A '\n' goes to the serial port only.
putText:
	MOVB (SI), CL
	TESTB CL, CL
	JEQ  putTextDone
	CMPB CL, $10
	JEQ  putTextSerial
	MOVB CL, (DI)
	MOVB $0x4F, 1(DI)
	ADDL $2, DI
putTextSerial:
	ADDL $5, DX
putTextWait:
	INB	// IN AL, DX: line status
	TESTB $0x20, AL
	JEQ  putTextWait
	SUBL $5, DX
	MOVB CL, AL
	OUTB	// OUT DX, AL
	ADDL $1, SI
	JMP  putText
putTextDone:
	CMPL BP, $0
	JNE  reportExit
	MOVL $1, BP	// second pass: the exit line, on COM2
	ABS32(·exit122Text(SB), SI, DX)
	MOVL $0xB8000+160, DI
	MOVL $COM2, DX
	JMP  putText
reportExit:
	MOVL $DEBUG_EXIT, DX
	MOVL $EXIT_BOOT_FAILURE, AX
	OUTL	// OUT DX, EAX
	JMP  halt
	// LAB 1 END

magicOK:
	// Is this a 64-bit CPU? CPUID leaf 0x80000000 gives the highest
	// extended leaf; leaf 0x80000001 EDX bit 29 is long mode (SDM Vol. 2A,
	// CPUID). Everything else the kernel needs is checked in Go, once in
	// 64-bit mode (kernel/cpu.Required).
	MOVL $0x80000000, AX
	CPUID
	CMPL AX, $0x80000001
	JCS  noLongMode	// unsigned below: no leaf 0x80000001
	MOVL $0x80000001, AX
	CPUID
	MOVL DX, BP	// keep EDX: bit 20 (NX) decides EFER.NXE below
	BTL  $29, DX
	JCC  noLongMode
	// The early page tables (Intel SDM Vol. 3A §4.5): a PML4 ->
	// one PDPT whose first four entries -> four page directories of 2 MiB
	// pages: the first 4 GiB mapped 1:1, enough for the kernel, the
	// Multiboot data and the modules. The Go code builds the real tables.
	// earlyTables is 7 pages of .bss; round up to a page boundary.
	ABS32(·earlyTables(SB), DI, SI)
	ADDL $4095, DI
	ANDL $~4095, DI	// DI = PML4, DI+4K = PDPT, DI+8K.. = 4 page directories
	// PML4[0] = PDPT | present | writable; PML4[256] the same, so the
	// same 4 GiB also appear at 0xffff800000000000, the kernel's direct
	// map (kernel/mem.DirectMapBase), from the first Go instruction on.
	LEAL 4096(DI), AX
	ORL  $3, AX
	MOVL AX, (DI)
	MOVL AX, 2048(DI)
	// PDPT[i] = PD[i] | present | writable, i = 0..3.
	MOVL $0, CX
pdptLoop:
	MOVL CX, AX
	SHLL $12, AX
	LEAL 8192(DI)(AX*1), AX
	ORL  $3, AX
	MOVL AX, 4096(DI)(CX*8)
	ADDL $1, CX
	CMPL CX, $4
	JNE  pdptLoop
	// PD entries 0..2047: physical i*2 MiB | present | writable | PS (2 MiB page).
	MOVL $0, CX
pdLoop:
	MOVL CX, AX
	SHLL $21, AX
	ORL  $0x83, AX
	MOVL AX, 8192(DI)(CX*8)
	MOVL CX, AX
	SHRL $11, AX	// high half of the physical address: i*2 MiB >> 32
	MOVL AX, 8196(DI)(CX*8)
	ADDL $1, CX
	CMPL CX, $2048
	JNE  pdLoop

	// CR4.PAE, then CR3 = PML4 (SDM Vol. 3A §9.8.5, the steps to
	// initialise IA-32e mode).
	MOVQ CR4, AX
	ORL  $CR4_PAE, AX
	MOVQ AX, CR4
	MOVQ DI, CR3

	// EFER.LME (and SCE for SYSCALL) — §9.8.5 step 3 — and NXE for W^X
	// when CPUID said the CPU has NX (setting it otherwise is a #GP, a
	// triple fault here; the kernel then names the missing feature).
	MOVL $MSR_EFER, CX
	RDMSR
	ORL  $(EFER_LME|EFER_SCE), AX
	BTL  $20, BP
	JCC  noNX
	ORL  $EFER_NXE, AX
noNX:
	WRMSR

	// Paging on: with LME set this activates IA-32e mode (compatibility
	// sub-mode until CS is a 64-bit segment). WP too.
	MOVQ CR0, AX
	ORL  $(CR0_PG|CR0_WP), AX
	MOVQ AX, CR0

	// Load the 64-bit GDT (§3.4.5: a code segment with L=1).
	ABS32(·gdtPointer(SB), AX, SI)
	LGDT (AX)

	// A far return into the 64-bit code segment (selector 0x08) switches
	// the CPU from compatibility mode to 64-bit mode (§9.8.5 step 5).
	ABS32(·entry64(SB), AX, SI)
	PUSHQ $0x08
	PUSHQ AX
	RETFL
	// Never reached; keeps the assembler's PUSH/POP balance check happy.
	POPQ AX
	POPQ AX

// entry64 runs in 64-bit mode on the boot stack with the 1:1 early map.
TEXT ·entry64(SB), NOSPLIT|NOFRAME, $0
	// Data segment registers: the flat data selector 0x10. FS and GS
	// contents are ignored in 64-bit mode; their bases live in MSRs.
	MOVL $0x10, AX
	MOVW AX, DS
	MOVW AX, ES
	MOVW AX, SS
	MOVW AX, FS
	MOVW AX, GS
	MOVQ ·bootStackTop(SB), SP

	// SSE: Go code uses XMM registers (X15 must be zero in its ABI).
	// CR0.EM=0, CR0.MP=1; CR4.OSFXSR, OSXMMEXCPT (SDM Vol. 3A §13.1.3).
	MOVQ CR0, AX
	ANDQ $~CR0_EM, AX
	ORQ  $CR0_MP, AX
	MOVQ AX, CR0
	MOVQ CR4, AX
	ORQ  $(CR4_OSFXSR|CR4_OSXMMEXCPT), AX
	MOVQ AX, CR4

	// Go code reaches its g through %fs:-8 (every ABI0 to Go wrapper loads
	// it into R14). Point FS base just past kernelTLS[0] = &kernelG.
	LEAQ ·kernelG(SB), AX
	MOVQ AX, ·kernelTLS(SB)
	LEAQ ·kernelTLS+8(SB), AX
	MOVQ AX, DX
	SHRQ $32, DX
	MOVL $MSR_FS_BASE, CX
	WRMSR

	CALL ·start(SB)
	// start never returns.
	HLT
	JMP -1(PC)

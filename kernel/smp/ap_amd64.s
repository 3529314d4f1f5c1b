// apEntry: where the trampoline's 64-bit part jumps, on the kernel's page
// table, interrupts off, SSE on, with no stack yet. It takes its stack
// from stackTops by its initial APIC ID (CPUID leaf 1, EBX bits 31:24),
// so that every AP can start at once; then, as boot's entry64 does for
// the boot CPU, it points the FS base at the kernel's TLS and calls
// apStart, which never returns.

#include "textflag.h"

#define MSR_FS_BASE 0xC0000100

TEXT ·apEntry(SB), NOSPLIT|NOFRAME, $0
	MOVL $1, AX
	XORL CX, CX
	CPUID
	SHRL $24, BX
	LEAQ ·stackTops(SB), AX
	MOVQ (AX)(BX*8), SP
	// Go code reaches its g through %fs:-8: the same kernel TLS as the
	// boot CPU's (its g's fields are all zero and never written).
	MOVQ ·kernelFSBase(SB), AX
	MOVQ AX, DX
	SHRQ $32, DX
	MOVL $MSR_FS_BASE, CX
	WRMSR
	CALL ·apStart(SB)
	HLT
	JMP -1(PC)

TEXT ·apEntryPC(SB), NOSPLIT, $0-8
	LEAQ ·apEntry(SB), AX
	MOVQ AX, ret+0(FP)
	RET

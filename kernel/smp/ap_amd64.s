// apEntry: where the trampoline's 64-bit part jumps, on the kernel's page
// table and the AP's stack, interrupts off, SSE on. As boot's entry64 does
// for the boot CPU, it points the FS base at the kernel's TLS, then calls
// apStart, which never returns.

#include "textflag.h"

#define MSR_FS_BASE 0xC0000100

TEXT ·apEntry(SB), NOSPLIT|NOFRAME, $0
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

#include "textflag.h"

// rt0 is a custom entry in the style of gobare's rt.rt0: it repeats
// runtime.rt0_go's steps but sets the FS base with WRMSR instead of
// arch_prctl. It is only disassembled by the tests, never run (WRMSR
// faults in user mode).
TEXT ·rt0(SB),NOSPLIT|NOFRAME,$0
	MOVQ	0(SP), DI	// argc
	LEAQ	8(SP), SI	// argv
	MOVQ	DI, AX
	MOVQ	SI, BX
	SUBQ	$(5*8), SP
	ANDQ	$~15, SP
	MOVQ	AX, 24(SP)
	MOVQ	BX, 32(SP)

	// g0 stack: the 64 KiB below SP.
	MOVQ	$runtime·g0(SB), DI
	LEAQ	(-64*1024)(SP), BX
	MOVQ	BX, 16(DI)	// g.stackguard0
	MOVQ	BX, 24(DI)	// g.stackguard1
	MOVQ	BX, 0(DI)	// g.stack.lo
	MOVQ	SP, 8(DI)	// g.stack.hi

	// FS base = &m0.tls[1], with WRMSR. m.tls is at +128 in Go 1.26; a real
	// rt0 would take the offset from the binary's DWARF (package goabi).
	LEAQ	runtime·m0+136(SB), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$0xC0000100, CX
	WRMSR

	LEAQ	runtime·g0(SB), CX
	MOVQ	CX, -8(FS)
	LEAQ	runtime·m0(SB), AX
	MOVQ	CX, 0(AX)	// m0.g0 = g0
	MOVQ	AX, 48(CX)	// g0.m = m0

	CALL	runtime·check(SB)
	MOVL	24(SP), AX
	MOVL	AX, 0(SP)
	MOVQ	32(SP), AX
	MOVQ	AX, 8(SP)
	CALL	runtime·args(SB)
	CALL	runtime·osinit(SB)
	CALL	runtime·schedinit(SB)
	MOVQ	$runtime·mainPC(SB), AX
	PUSHQ	AX
	CALL	runtime·newproc(SB)
	POPQ	AX
	CALL	runtime·mstart(SB)
	CALL	runtime·abort(SB)
	RET

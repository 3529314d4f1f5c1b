// probe makes one system call with every register the kernel must keep
// holding a known value, and records them all afterwards. The kernel
// promises what Linux promises (Linux x86-64 system call ABI, psABI
// §A.2.1; SDM Vol. 2B, SYSCALL): RAX gets the result, RCX and R11 are
// clobbered by SYSCALL itself (return address and RFLAGS), and every
// other general register, the flags, MXCSR and the x87 control word
// survive. The vector registers are where gobare departs from Linux: Go
// calls the kernel only where they are dead, so the kernel does not keep
// them, and promises only what Go's ABIInternal needs, X15 = 0 (README,
// "Linux deviations"). The probe loads sentinels into X0-X15 all the same.

#include "textflag.h"

// func probe(nr, a1, a2, a3, a4, a5, a6 uintptr, in *[nin]uint64, out *[nout]uint64) uintptr
//
// in holds the sentinels: BX, BP, R12, R13, R14, R15, then X0-X15 (two
// words each), MXCSR, the x87 control word and the status flags to make
// the call with (some of CF, PF, AF, ZF, SF, OF: RFLAGS bits 0x8D5). out
// receives, after the call: BX, BP, SI, DI, DX, R8, R9, R10, R12, R13,
// R14, R15, SP, SP before the call, the status flags, then X0-X15, MXCSR
// and the control word. The caller's MXCSR and control word are put back
// before the return.
TEXT ·probe(SB), NOSPLIT, $48-80
	MOVQ R14, 16(SP)	// g: restored before returning
	MOVQ R15, 24(SP)
	MOVQ SP, 8(SP)	// SP before the call
	MOVQ in+56(FP), AX
	MOVOU 48(AX), X0
	MOVOU 64(AX), X1
	MOVOU 80(AX), X2
	MOVOU 96(AX), X3
	MOVOU 112(AX), X4
	MOVOU 128(AX), X5
	MOVOU 144(AX), X6
	MOVOU 160(AX), X7
	MOVOU 176(AX), X8
	MOVOU 192(AX), X9
	MOVOU 208(AX), X10
	MOVOU 224(AX), X11
	MOVOU 240(AX), X12
	MOVOU 256(AX), X13
	MOVOU 272(AX), X14
	MOVOU 288(AX), X15
	STMXCSR 32(SP)
	FSTCW 36(SP)
	LDMXCSR 304(AX)
	FLDCW 312(AX)
	MOVQ 0(AX), BX
	MOVQ 8(AX), BP	// (FP and SP addressing below is SP-based)
	MOVQ 16(AX), R12
	MOVQ 24(AX), R13
	MOVQ 32(AX), R14
	MOVQ 40(AX), R15
	MOVQ a1+8(FP), DI
	MOVQ a2+16(FP), SI
	MOVQ a3+24(FP), DX
	MOVQ a4+32(FP), R10
	MOVQ a5+40(FP), R8
	MOVQ a6+48(FP), R9
	// The status flags are part of RFLAGS, which must survive too: set
	// them (IF stays set) last, as MOVQ changes none.
	MOVQ in+56(FP), CX
	MOVQ 320(CX), CX
	ORQ  $0x202, CX	// IF, and bit 1, always 1
	MOVQ CX, 40(SP)
	PUSHQ 40(SP)
	POPFQ
	MOVQ nr+0(FP), AX
	SYSCALL
	PUSHFQ
	POPQ CX
	ANDQ $0x8D5, CX
	MOVQ out+64(FP), R11
	MOVQ AX, ret+72(FP)
	MOVQ BX, 0(R11)
	MOVQ BP, 8(R11)
	MOVQ SI, 16(R11)
	MOVQ DI, 24(R11)
	MOVQ DX, 32(R11)
	MOVQ R8, 40(R11)
	MOVQ R9, 48(R11)
	MOVQ R10, 56(R11)
	MOVQ R12, 64(R11)
	MOVQ R13, 72(R11)
	MOVQ R14, 80(R11)
	MOVQ R15, 88(R11)
	MOVQ SP, 96(R11)
	MOVQ 8(SP), AX
	MOVQ AX, 104(R11)
	MOVQ CX, 112(R11)
	MOVOU X0, 120(R11)
	MOVOU X1, 136(R11)
	MOVOU X2, 152(R11)
	MOVOU X3, 168(R11)
	MOVOU X4, 184(R11)
	MOVOU X5, 200(R11)
	MOVOU X6, 216(R11)
	MOVOU X7, 232(R11)
	MOVOU X8, 248(R11)
	MOVOU X9, 264(R11)
	MOVOU X10, 280(R11)
	MOVOU X11, 296(R11)
	MOVOU X12, 312(R11)
	MOVOU X13, 328(R11)
	MOVOU X14, 344(R11)
	MOVOU X15, 360(R11)
	STMXCSR 376(R11)
	FSTCW 384(R11)
	LDMXCSR 32(SP)
	FLDCW 36(SP)
	MOVQ 16(SP), R14
	MOVQ 24(SP), R15
	XORPS X15, X15	// Go's ABIInternal expects X15 zero
	RET

// ymmAcrossInterrupts checks what an interrupt must keep: every register,
// the upper halves of the YMM registers too (an entry by interrupt saves
// only XMM0-15 until the thread switches or takes a signal, and then the
// whole XSAVE image). System calls need not keep them: Go calls the
// kernel only where the vector registers are dead (docs/design.md,
// "Entering and leaving the kernel").

#include "textflag.h"

// func ymmAcrossInterrupts(in, out *[64]byte, n int)
//
// Loads Y3 and Y12 from in, turns n times round a loop that makes no call
// (so timer interrupts, thread switches and the runtime's SIGURG land in
// it: asynchronous preemption does not stop in assembly, so the handler
// returns through rt_sigreturn), and stores Y3 and Y12 to out.
TEXT ·ymmAcrossInterrupts(SB), NOSPLIT, $0-24
	MOVQ in+0(FP), SI
	MOVQ n+16(FP), BX
	VMOVDQU 0(SI), Y3
	VMOVDQU 32(SI), Y12
loop:
	DECQ BX
	JNZ  loop
	MOVQ out+8(FP), DI
	VMOVDQU Y3, 0(DI)
	VMOVDQU Y12, 32(DI)
	VZEROUPPER
	RET

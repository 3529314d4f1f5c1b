// The idle loop: what the CPU runs when no thread can. It is entered like a
// thread (a Frame with RIP here and IF set) and never calls Go code.

#include "textflag.h"

GLOBL ·idleStack(SB), NOPTR, $1024

TEXT ·idleLoop(SB), NOSPLIT|NOFRAME, $0
again:
	HLT	// sleep until the next interrupt (timer, serial)
	JMP again

TEXT ·idleLoopPC(SB), NOSPLIT, $0-8
	LEAQ ·idleLoop(SB), AX
	MOVQ AX, ret+0(FP)
	RET

TEXT ·idleStackTop(SB), NOSPLIT, $0-8
	LEAQ ·idleStack+1024(SB), AX
	MOVQ AX, ret+0(FP)
	RET

// The halt a waiter for a lock sleeps in: the check that the lock is still
// held and the HLT, with nothing between them that an NMI handler could
// not step over (SkipSleep moves a CPU interrupted anywhere from the
// function's first instruction to the HLT past the HLT).

#include "textflag.h"

// sleepWhile(held *uint32) halts, interrupts off, unless *held is 0.
TEXT ·sleepWhile(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ held+0(FP), AX
	CMPL (AX), $0
	JEQ  done
	HLT
done:
	RET

// sleepWhilePC returns sleepWhile's address.
TEXT ·sleepWhilePC(SB), NOSPLIT, $0-8
	LEAQ ·sleepWhile(SB), AX
	MOVQ AX, ret+0(FP)
	RET

// The halt a waiter for a lock sleeps in. Interrupts stay off in kernel
// code, but a HLT with interrupts off could only end by an NMI; instead
// the waiter raises its task priority so that only the lock's wake-up
// (and the APIC's spurious vector) can come in, then halts with
// interrupts on.

#include "textflag.h"

// wakeOnlyPriority is the task priority a sleeping waiter holds in CR8:
// the local APIC delivers no fixed interrupt of priority class (vector >>
// 4) 14 or below, so only class 15 gets through (SDM Vol. 3A §10.8.3.1,
// §10.8.6.1: CR8 is the TPR's bits 7:4).
#define wakeOnlyPriority 14

// sleepWhile(held *uint32) halts, unless *held is 0, until the lock's
// wake-up interrupt (trap.VectorLockWake, sent by Release) or an NMI.
// STI enables interrupts only after the instruction that follows it (SDM
// Vol. 2B, STI), the HLT: a wake-up sent after the check is held pending
// until the CPU halts, and then ends the halt. Every other interrupt waits
// in the APIC until the waiter, with the lock, leaves the kernel.
TEXT ·sleepWhile(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ held+0(FP), AX
	MOVQ $wakeOnlyPriority, CX
	MOVQ CX, CR8
	CMPL (AX), $0
	JEQ  done
	STI
	HLT
	CLI
done:
	XORL CX, CX
	MOVQ CX, CR8	// every interrupt class again
	RET

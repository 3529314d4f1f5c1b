// ymmAcrossSyscalls checks what the kernel's cheap entry relies on: the
// upper halves of the YMM registers (which an entry does not save unless
// the thread switches or takes a signal) survive system calls.

#include "textflag.h"

// func ymmAcrossSyscalls(in, out *[64]byte, n int)
//
// Loads Y3 and Y12 from in, makes n getpid calls through SYSCALL, and
// stores Y3 and Y12 to out.
TEXT ·ymmAcrossSyscalls(SB), NOSPLIT, $0-24
	MOVQ in+0(FP), SI
	MOVQ n+16(FP), BX
	VMOVDQU 0(SI), Y3
	VMOVDQU 32(SI), Y12
loop:
	MOVQ $39, AX	// SYS_getpid
	SYSCALL
	DECQ BX
	JNZ  loop
	MOVQ out+8(FP), DI
	VMOVDQU Y3, 0(DI)
	VMOVDQU Y12, 32(DI)
	VZEROUPPER
	RET

// vdsoClockGettime is __vdso_clock_gettime for gobare's vDSO (kernel/vdso):
// the program calls it directly, with the C calling convention, instead of
// making the clock_gettime system call. It computes what sysClockGettime
// does: nanoseconds from the TSC, plus the boot epoch for the real-time
// clocks.
//
// In: DI = clock id, SI = *struct timespec. Out: AX = 0. Clobbers only
// registers the C ABI lets a callee clobber (AX, CX, DX, R8).

#include "textflag.h"

TEXT ·vdsoClockGettime(SB), NOSPLIT|NOFRAME, $0
	RDTSC
	SHLQ $32, DX
	ORQ  DX, AX
	SUBQ ·tscBoot(SB), AX	// cycles since calibration
	MULQ ·nanosPerCycle(SB)	// DX:AX = cycles * (1e9/tscHz as 32.32 fixed point)
	SHRQ $32, AX
	SHLQ $32, DX
	ORQ  DX, AX	// AX = nanoseconds
	CMPQ DI, $0	// CLOCK_REALTIME
	JEQ  realtime
	CMPQ DI, $5	// CLOCK_REALTIME_COARSE
	JNE  split
realtime:
	ADDQ ·bootEpochNanos(SB), AX
split:
	XORL DX, DX
	MOVQ $1000000000, R8
	DIVQ R8	// AX = seconds, DX = nanoseconds
	MOVQ AX, 0(SI)
	MOVQ DX, 8(SI)
	XORL AX, AX
	RET

// VDSOClockGettimePC returns vdsoClockGettime's address.
TEXT ·VDSOClockGettimePC(SB), NOSPLIT, $0-8
	LEAQ ·vdsoClockGettime(SB), AX
	MOVQ AX, ret+0(FP)
	RET

// Entering and leaving the kernel. Interrupts, exceptions and system calls
// all build the same Frame (frame.go) at the top of the kernel stack, call
// dispatch in Go, and leave through frameExit with IRETQ, which restores
// RIP, CS, RFLAGS, RSP and SS in one instruction (SDM Vol. 3A §6.14.3).
// The program runs in ring 0 too, so SYSRET (which always returns to
// ring 3) cannot be used.

#include "textflag.h"

#define MSR_FS_BASE 0xC0000100
#define KERNEL_CS 0x08
#define KERNEL_SS 0x10
#define VECTOR_SYSCALL 256
#define FP_AREA 2752	// Frame.FX: trap.FPAreaSize

// trapCommon: the CPU has switched to the vector's IST stack (the kernel
// stack top for everything but NMI, #DF and #MC) and pushed SS, RSP,
// RFLAGS, CS, RIP; the stub pushed the error code and the vector.
TEXT ·trapCommon(SB), NOSPLIT|NOFRAME, $0
	// The general-purpose registers, in Frame's order (R15 lowest).
	PUSHQ AX
	PUSHQ BX
	PUSHQ CX
	PUSHQ DX
	PUSHQ SI
	PUSHQ DI
	PUSHQ BP
	PUSHQ R8
	PUSHQ R9
	PUSHQ R10
	PUSHQ R11
	PUSHQ R12
	PUSHQ R13
	PUSHQ R14
	PUSHQ R15
	JMP ·frameSave(SB)

// syscallEntry is the target of SYSCALL (IA32_LSTAR). SYSCALL put the
// return address in RCX and RFLAGS in R11, cleared IF/DF/TF/AC (IA32_FMASK)
// and did not touch RSP (SDM Vol. 2B, SYSCALL). We must not push on the
// program's stack: a goroutine may be in a nosplit function with little
// room. So switch to the kernel stack at once and build the frame an
// interrupt would have built.
TEXT ·syscallEntry(SB), NOSPLIT|NOFRAME, $0
	MOVQ SP, ·syscallProgramSP(SB)
	MOVQ ·kernelStackTop(SB), SP
	PUSHQ $KERNEL_SS
	PUSHQ ·syscallProgramSP(SB)
	PUSHQ R11	// RFLAGS
	PUSHQ $KERNEL_CS
	PUSHQ CX	// RIP: the instruction after SYSCALL
	PUSHQ $0	// error code
	PUSHQ $VECTOR_SYSCALL
	JMP ·trapCommon(SB)

// frameSave finishes the frame: FS base and the FP/SSE state, then makes FS
// point at the kernel's TLS (Go code loads g from %fs:-8) and calls
// dispatch(frame).
TEXT ·frameSave(SB), NOSPLIT|NOFRAME, $0
	SUBQ $16, SP	// FSBase and padding
	SUBQ $FP_AREA, SP	// the FP state's area, 64-byte aligned here
	CMPB ·useXSAVE(SB), $0
	JEQ  fxsave
	// XSAVE the components in EDX:EAX (= XCR0) (SDM Vol. 1 §13.7).
	MOVL ·xsaveMask(SB), AX
	MOVL ·xsaveMask+4(SB), DX
	XSAVE64 (SP)
	JMP  fpsaved
fxsave:
	FXSAVE64 (SP)	// x87, MXCSR and XMM0-15 (SDM Vol. 1 §10.5)
fpsaved:
	MOVL $MSR_FS_BASE, CX
	RDMSR
	SHLQ $32, DX
	ORQ  DX, AX
	MOVQ AX, FP_AREA(SP)	// Frame.FSBase
	MOVQ ·kernelFSBase(SB), AX
	MOVQ AX, DX
	SHRQ $32, DX
	WRMSR
	CLD	// the Go ABI expects the direction flag clear
	MOVQ SP, AX
	SUBQ $16, SP
	MOVQ AX, 0(SP)	// dispatch's argument
	CALL ·dispatch(SB)
	ADDQ $16, SP
	JMP ·frameExit(SB)

// frameExit leaves through the frame at SP: FS base, FP/SSE state,
// registers, then IRETQ. dispatch may have replaced the frame's contents
// with another thread's: that is how threads switch.
TEXT ·frameExit(SB), NOSPLIT|NOFRAME, $0
	MOVQ FP_AREA(SP), AX	// Frame.FSBase
	MOVQ AX, DX
	SHRQ $32, DX
	MOVL $MSR_FS_BASE, CX
	WRMSR
	CMPB ·useXSAVE(SB), $0
	JEQ  fxrstor
	MOVL ·xsaveMask(SB), AX
	MOVL ·xsaveMask+4(SB), DX
	XRSTOR64 (SP)
	JMP  fprestored
fxrstor:
	FXRSTOR64 (SP)
fprestored:
	ADDQ $(FP_AREA+16), SP
	POPQ R15
	POPQ R14
	POPQ R13
	POPQ R12
	POPQ R11
	POPQ R10
	POPQ R9
	POPQ R8
	POPQ BP
	POPQ DI
	POPQ SI
	POPQ DX
	POPQ CX
	POPQ BX
	POPQ AX
	ADDQ $16, SP	// vector and error code
	IRETQ

// enterFrame(frame) starts executing a frame that Go code prepared at the
// top of the kernel stack (the first thread); it does not return.
TEXT ·enterFrame(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ frame+0(FP), SP
	JMP ·frameExit(SB)

// readFSBase returns the FS base in effect now (the kernel's).
TEXT ·readFSBase(SB), NOSPLIT, $0-8
	MOVL $MSR_FS_BASE, CX
	RDMSR
	SHLQ $32, DX
	ORQ  DX, AX
	MOVQ AX, ret+0(FP)
	RET


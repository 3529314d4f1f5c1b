// The instructions behind cpu.go, one function each. Arguments arrive on the
// stack (ABI0): name+offset(FP) is the Go parameter of that name.

#include "textflag.h"

TEXT ·Outb(SB), NOSPLIT, $0-3
	MOVW port+0(FP), DX
	MOVB v+2(FP), AL
	OUTB	// OUT DX, AL
	RET

TEXT ·Inb(SB), NOSPLIT, $0-9
	MOVW port+0(FP), DX
	INB	// IN AL, DX
	MOVB AL, ret+8(FP)
	RET

TEXT ·Outw(SB), NOSPLIT, $0-4
	MOVW port+0(FP), DX
	MOVW v+2(FP), AX
	OUTW	// OUT DX, AX
	RET

TEXT ·Outl(SB), NOSPLIT, $0-8
	MOVW port+0(FP), DX
	MOVL v+4(FP), AX
	OUTL	// OUT DX, EAX
	RET

TEXT ·Rdmsr(SB), NOSPLIT, $0-16
	MOVL msr+0(FP), CX
	RDMSR	// EDX:EAX = MSR[ECX]
	SHLQ $32, DX
	ORQ  DX, AX
	MOVQ AX, ret+8(FP)
	RET

TEXT ·Wrmsr(SB), NOSPLIT, $0-16
	MOVL msr+0(FP), CX
	MOVQ v+8(FP), AX
	MOVQ AX, DX
	SHRQ $32, DX
	WRMSR	// MSR[ECX] = EDX:EAX
	RET

TEXT ·ReadCR0(SB), NOSPLIT, $0-8
	MOVQ CR0, AX
	MOVQ AX, ret+0(FP)
	RET

TEXT ·ReadCR2(SB), NOSPLIT, $0-8
	MOVQ CR2, AX
	MOVQ AX, ret+0(FP)
	RET

TEXT ·ReadCR3(SB), NOSPLIT, $0-8
	MOVQ CR3, AX
	MOVQ AX, ret+0(FP)
	RET

TEXT ·WriteCR3(SB), NOSPLIT, $0-8
	MOVQ v+0(FP), AX
	MOVQ AX, CR3	// also flushes non-global TLB entries
	RET

TEXT ·ReadCR4(SB), NOSPLIT, $0-8
	MOVQ CR4, AX
	MOVQ AX, ret+0(FP)
	RET

TEXT ·WriteCR4(SB), NOSPLIT, $0-8
	MOVQ v+0(FP), AX
	MOVQ AX, CR4
	RET

TEXT ·Invlpg(SB), NOSPLIT, $0-8
	MOVQ addr+0(FP), AX
	INVLPG (AX)
	RET

TEXT ·Cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

TEXT ·Rdtsc(SB), NOSPLIT, $0-8
	RDTSC	// EDX:EAX = TSC
	SHLQ $32, DX
	ORQ  DX, AX
	MOVQ AX, ret+0(FP)
	RET

TEXT ·Rdrand(SB), NOSPLIT, $0-9
	RDRANDQ AX	// CF=1 when AX holds a random value
	SETCS ok+8(FP)
	MOVQ AX, v+0(FP)
	RET

TEXT ·Lgdt(SB), NOSPLIT, $0-8
	MOVQ pointer+0(FP), AX
	LGDT (AX)
	RET

TEXT ·Lidt(SB), NOSPLIT, $0-8
	MOVQ pointer+0(FP), AX
	LIDT (AX)
	RET

TEXT ·Ltr(SB), NOSPLIT, $0-2
	MOVW selector+0(FP), AX
	LTR AX
	RET

TEXT ·Halt(SB), NOSPLIT, $0-0
	HLT
	RET

TEXT ·DisableInterrupts(SB), NOSPLIT, $0-0
	CLI
	RET

TEXT ·Breakpoint(SB), NOSPLIT, $0-0
	INT $3
	RET

TEXT ·EnableInterruptsAndHalt(SB), NOSPLIT, $0-0
	STI
	HLT
	CLI
	RET

TEXT ·EnableInterrupts(SB), NOSPLIT, $0-0
	STI
	RET

TEXT ·Pause(SB), NOSPLIT, $0-0
	PAUSE	// a spin-wait hint (SDM Vol. 2B, PAUSE)
	RET

TEXT ·Inl(SB), NOSPLIT, $0-12
	MOVW port+0(FP), DX
	INL	// IN EAX, DX
	MOVL AX, ret+8(FP)
	RET

// Xsetbv writes XCR0, the extended control register that enables XSAVE
// state components (SDM Vol. 2C, XSETBV). The Go assembler has no
// mnemonic for it: 0F 01 D1.
TEXT ·Xsetbv(SB), NOSPLIT, $0-8
	MOVQ v+0(FP), AX
	MOVQ AX, DX
	SHRQ $32, DX
	XORL CX, CX	// XCR0
	BYTE $0x0F; BYTE $0x01; BYTE $0xD1
	RET

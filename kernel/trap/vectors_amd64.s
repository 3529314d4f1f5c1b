// One small entry stub per interrupt vector (SDM Vol. 3A §6.12.1): each
// makes the stack look the same (an error code, then the vector number) and
// jumps to trapCommon in entry_amd64.s. Vectors 0-31 are CPU exceptions
// (§6.15; 8, 10-14, 17, 21, 29 and 30 push an error code themselves),
// 32-47 the remapped 8259 PIC interrupt lines (the local APIC timer uses
// 32 too), 48 the kernel's wake-up inter-processor interrupt.
//
// The stubs are written out one by one because Go assembly has no loops;
// two macros say the two shapes they come in.

#include "textflag.h"

// NO_ERROR_CODE(n): a vector whose exception pushes no error code (or an
// interrupt): push a zero in its place, then the vector number.
#define NO_ERROR_CODE(n) PUSHQ $0; PUSHQ $n; JMP ·trapCommon(SB)

// ERROR_CODE(n): the CPU pushed an error code; push the vector number.
#define ERROR_CODE(n) PUSHQ $n; JMP ·trapCommon(SB)

TEXT ·vector0(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(0)

TEXT ·vector1(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(1)

TEXT ·vector2(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(2)

TEXT ·vector3(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(3)

TEXT ·vector4(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(4)

TEXT ·vector5(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(5)

TEXT ·vector6(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(6)

TEXT ·vector7(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(7)

TEXT ·vector8(SB), NOSPLIT|NOFRAME, $0
	ERROR_CODE(8)

TEXT ·vector9(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(9)

TEXT ·vector10(SB), NOSPLIT|NOFRAME, $0
	ERROR_CODE(10)

TEXT ·vector11(SB), NOSPLIT|NOFRAME, $0
	ERROR_CODE(11)

TEXT ·vector12(SB), NOSPLIT|NOFRAME, $0
	ERROR_CODE(12)

TEXT ·vector13(SB), NOSPLIT|NOFRAME, $0
	ERROR_CODE(13)

TEXT ·vector14(SB), NOSPLIT|NOFRAME, $0
	ERROR_CODE(14)

TEXT ·vector15(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(15)

TEXT ·vector16(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(16)

TEXT ·vector17(SB), NOSPLIT|NOFRAME, $0
	ERROR_CODE(17)

TEXT ·vector18(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(18)

TEXT ·vector19(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(19)

TEXT ·vector20(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(20)

TEXT ·vector21(SB), NOSPLIT|NOFRAME, $0
	ERROR_CODE(21)

TEXT ·vector22(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(22)

TEXT ·vector23(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(23)

TEXT ·vector24(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(24)

TEXT ·vector25(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(25)

TEXT ·vector26(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(26)

TEXT ·vector27(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(27)

TEXT ·vector28(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(28)

TEXT ·vector29(SB), NOSPLIT|NOFRAME, $0
	ERROR_CODE(29)

TEXT ·vector30(SB), NOSPLIT|NOFRAME, $0
	ERROR_CODE(30)

TEXT ·vector31(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(31)

TEXT ·vector32(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(32)

TEXT ·vector33(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(33)

TEXT ·vector34(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(34)

TEXT ·vector35(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(35)

TEXT ·vector36(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(36)

TEXT ·vector37(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(37)

TEXT ·vector38(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(38)

TEXT ·vector39(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(39)

TEXT ·vector40(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(40)

TEXT ·vector41(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(41)

TEXT ·vector42(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(42)

TEXT ·vector43(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(43)

TEXT ·vector44(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(44)

TEXT ·vector45(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(45)

TEXT ·vector46(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(46)

TEXT ·vector47(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(47)

// 48: the wake-up inter-processor interrupt (VectorWake).
TEXT ·vector48(SB), NOSPLIT|NOFRAME, $0
	NO_ERROR_CODE(48)

TEXT ·vectorOther(SB), NOSPLIT|NOFRAME, $0
	PUSHQ $0
	PUSHQ $255	// any other vector (none is programmed)
	JMP  ·trapCommon(SB)

// lockWakeEntry is the wake-up of a CPU halted for the big kernel lock
// (VectorLockWake, spin.sleepWhile): it only ends the HLT. It runs on the
// CPU's small wake stack (IST3), wherever the CPU was, since a wake-up can
// also come late, after the waiter got the lock and went on: it
// acknowledges the interrupt (the EOI, SDM Vol. 3A §10.8.5) and returns,
// and the waiter looks at the lock again.
TEXT ·lockWakeEntry(SB), NOSPLIT|NOFRAME, $0
	PUSHQ AX
	MOVQ ·eoiRegister(SB), AX
	MOVL $0, (AX)
	POPQ AX
	IRETQ

// spuriousEntry is the local APIC's spurious vector (§10.9), which needs
// no EOI. Like the wake-up it is of priority class 15, so it can come
// while a waiter halts with interrupts on, its entry's Frame at the top
// of the kernel stack: it too runs on the wake stack, and only returns.
TEXT ·spuriousEntry(SB), NOSPLIT|NOFRAME, $0
	IRETQ

// entryTable lists the entry points' addresses: the stubs of vectors 0-48,
// the stub for every other vector, syscallEntry, lockWakeEntry and
// spuriousEntry. DATA with a symbol address is filled in by the linker
// with the ABI0 (assembly) address.
DATA ·entryTable+0(SB)/8, $·vector0(SB)
DATA ·entryTable+8(SB)/8, $·vector1(SB)
DATA ·entryTable+16(SB)/8, $·vector2(SB)
DATA ·entryTable+24(SB)/8, $·vector3(SB)
DATA ·entryTable+32(SB)/8, $·vector4(SB)
DATA ·entryTable+40(SB)/8, $·vector5(SB)
DATA ·entryTable+48(SB)/8, $·vector6(SB)
DATA ·entryTable+56(SB)/8, $·vector7(SB)
DATA ·entryTable+64(SB)/8, $·vector8(SB)
DATA ·entryTable+72(SB)/8, $·vector9(SB)
DATA ·entryTable+80(SB)/8, $·vector10(SB)
DATA ·entryTable+88(SB)/8, $·vector11(SB)
DATA ·entryTable+96(SB)/8, $·vector12(SB)
DATA ·entryTable+104(SB)/8, $·vector13(SB)
DATA ·entryTable+112(SB)/8, $·vector14(SB)
DATA ·entryTable+120(SB)/8, $·vector15(SB)
DATA ·entryTable+128(SB)/8, $·vector16(SB)
DATA ·entryTable+136(SB)/8, $·vector17(SB)
DATA ·entryTable+144(SB)/8, $·vector18(SB)
DATA ·entryTable+152(SB)/8, $·vector19(SB)
DATA ·entryTable+160(SB)/8, $·vector20(SB)
DATA ·entryTable+168(SB)/8, $·vector21(SB)
DATA ·entryTable+176(SB)/8, $·vector22(SB)
DATA ·entryTable+184(SB)/8, $·vector23(SB)
DATA ·entryTable+192(SB)/8, $·vector24(SB)
DATA ·entryTable+200(SB)/8, $·vector25(SB)
DATA ·entryTable+208(SB)/8, $·vector26(SB)
DATA ·entryTable+216(SB)/8, $·vector27(SB)
DATA ·entryTable+224(SB)/8, $·vector28(SB)
DATA ·entryTable+232(SB)/8, $·vector29(SB)
DATA ·entryTable+240(SB)/8, $·vector30(SB)
DATA ·entryTable+248(SB)/8, $·vector31(SB)
DATA ·entryTable+256(SB)/8, $·vector32(SB)
DATA ·entryTable+264(SB)/8, $·vector33(SB)
DATA ·entryTable+272(SB)/8, $·vector34(SB)
DATA ·entryTable+280(SB)/8, $·vector35(SB)
DATA ·entryTable+288(SB)/8, $·vector36(SB)
DATA ·entryTable+296(SB)/8, $·vector37(SB)
DATA ·entryTable+304(SB)/8, $·vector38(SB)
DATA ·entryTable+312(SB)/8, $·vector39(SB)
DATA ·entryTable+320(SB)/8, $·vector40(SB)
DATA ·entryTable+328(SB)/8, $·vector41(SB)
DATA ·entryTable+336(SB)/8, $·vector42(SB)
DATA ·entryTable+344(SB)/8, $·vector43(SB)
DATA ·entryTable+352(SB)/8, $·vector44(SB)
DATA ·entryTable+360(SB)/8, $·vector45(SB)
DATA ·entryTable+368(SB)/8, $·vector46(SB)
DATA ·entryTable+376(SB)/8, $·vector47(SB)
DATA ·entryTable+384(SB)/8, $·vector48(SB)
DATA ·entryTable+392(SB)/8, $·vectorOther(SB)
DATA ·entryTable+400(SB)/8, $·syscallEntry(SB)
DATA ·entryTable+408(SB)/8, $·lockWakeEntry(SB)
DATA ·entryTable+416(SB)/8, $·spuriousEntry(SB)
GLOBL ·entryTable(SB), NOPTR|RODATA, $424

// entryPCs returns &entryTable.
TEXT ·entryPCs(SB), NOSPLIT, $0-8
	LEAQ ·entryTable(SB), AX
	MOVQ AX, ret+0(FP)
	RET

// The one instruction pci.go needs that kernel/cpu lacks.

#include "textflag.h"

TEXT ·inl(SB), NOSPLIT, $0-12
	MOVW port+0(FP), DX
	INL	// IN EAX, DX
	MOVL AX, ret+8(FP)
	RET

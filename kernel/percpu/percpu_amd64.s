// The one per-CPU load Go code makes: the CPU's index at %gs:16
// (Block.ID). A load through a segment register adds the segment's base,
// here this CPU's Block (SDM Vol. 3A §3.4.4).

#include "textflag.h"

TEXT ·ID(SB), NOSPLIT, $0-8
	MOVQ 16(GS), AX
	MOVQ AX, ret+0(FP)
	RET

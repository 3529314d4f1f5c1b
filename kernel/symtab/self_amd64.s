#include "textflag.h"

// func selfTable() (pclntab []byte, text uint64)
//
// runtime·pclntab, runtime·epclntab and runtime·text are symbols the linker
// defines (cmd/link/internal/ld/data.go: (*Link).address brackets the
// .gopclntab section, (*Link).textaddress marks the start of .text). Taking
// their addresses here is a plain relocation: no //go:linkname, no runtime
// code.
// The result is a slice header: base, len, cap (ABI0 results on the stack).
TEXT ·selfTable(SB), NOSPLIT|NOFRAME, $0-32
	MOVQ	$runtime·pclntab(SB), AX
	MOVQ	$runtime·epclntab(SB), CX
	SUBQ	AX, CX
	MOVQ	AX, pclntab_base+0(FP)
	MOVQ	CX, pclntab_len+8(FP)
	MOVQ	CX, pclntab_cap+16(FP)
	MOVQ	$runtime·text(SB), AX
	MOVQ	AX, text+24(FP)
	RET

package explain

import (
	"fmt"
	"io"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// An inst is one decoded instruction and where it sits.
type inst struct {
	addr uint64
	raw  []byte
	x86asm.Inst
	bad    bool // the bytes do not decode; Inst is empty
	tlsArg int  // 1 + the index of the operand that is the g slot FS:-8; 0 if none (see markTLS)
}

// next is the address of the following instruction.
func (in inst) next() uint64 { return in.addr + uint64(len(in.raw)) }

// A function is a disassembled range of code.
type function struct {
	name  string // from the symbol table or .gopclntab; "" when unnamed
	addr  uint64
	sized bool // the end came from a table, not from guessing
	insts []inst
}

// maxGuess bounds the disassembly of a function whose size is unknown.
const maxGuess = 256

// functionAt disassembles the function starting at (or holding) addr. With a
// known size it decodes exactly that range (trailing INT3 padding dropped);
// without one it decodes until the code cannot fall through any more (see
// decodeUntilEnd). It returns nil if addr is not in the program's image.
func (b *binary) functionAt(addr uint64) *function {
	fn := &function{addr: addr}
	if s := b.symAt(addr); s != nil {
		fn.name, fn.addr = s.name, s.addr
		if s.size > 0 {
			code := b.read(s.addr, int(s.size))
			if code == nil {
				return nil
			}
			fn.sized = true
			fn.insts = decode(code, s.addr)
			markTLS(fn.insts)
			for len(fn.insts) > 0 && isInt3(fn.insts[len(fn.insts)-1]) {
				fn.insts = fn.insts[:len(fn.insts)-1]
			}
			return fn
		}
	}
	fn.insts = b.decodeUntilEnd(fn.addr)
	if fn.insts == nil {
		return nil
	}
	markTLS(fn.insts)
	return fn
}

// decode decodes all of code, which starts at addr.
func decode(code []byte, addr uint64) []inst {
	var out []inst
	for off := 0; off < len(code); {
		in, err := x86asm.Decode(code[off:], 64)
		n := in.Len
		if err != nil || n == 0 {
			in, n = x86asm.Inst{}, 1
		}
		out = append(out, inst{addr: addr + uint64(off), raw: code[off : off+n], Inst: in, bad: err != nil})
		off += n
	}
	return out
}

// decodeUntilEnd decodes from addr when the function's size is unknown. It
// stops at a RET, INT3 or UD2, or at an unconditional JMP, unless an earlier
// conditional branch jumped to a later address within the next KiB (then the
// code continues there, as it does after rt0_go's JMP ok).
func (b *binary) decodeUntilEnd(addr uint64) []inst {
	var out []inst
	var reach uint64 // highest nearby branch target seen
	for len(out) < maxGuess {
		code := b.read(addr, 16)
		if code == nil {
			code = b.read(addr, 1)
			if code == nil {
				break
			}
		}
		ins := decode(code, addr)
		if len(ins) == 0 {
			break
		}
		in := ins[0]
		out = append(out, in)
		if t, ok := branchTarget(in); ok && isJcc(in.Op) && t > in.addr && t-in.addr <= 1024 {
			reach = max(reach, t)
		}
		addr = in.next()
		switch {
		case in.Op == x86asm.RET, in.Op == x86asm.UD2, in.Op == x86asm.JMP, isInt3(in):
			if reach < addr {
				return out
			}
		}
		if in.bad {
			return out
		}
	}
	return out
}

// isJcc reports whether op is a conditional jump.
func isJcc(op x86asm.Op) bool {
	switch op {
	case x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JE, x86asm.JG, x86asm.JGE, x86asm.JL,
		x86asm.JLE, x86asm.JNE, x86asm.JNO, x86asm.JNP, x86asm.JNS, x86asm.JO, x86asm.JP, x86asm.JS,
		x86asm.JCXZ, x86asm.JECXZ, x86asm.JRCXZ:
		return true
	}
	return false
}

// isInt3 reports whether in is INT3 (0xCC), the padding between functions.
func isInt3(in inst) bool { return len(in.raw) == 1 && in.raw[0] == 0xcc }

// branchTarget is the destination of a direct JMP, Jcc or CALL.
func branchTarget(in inst) (uint64, bool) {
	if in.bad {
		return 0, false
	}
	if rel, ok := in.Args[0].(x86asm.Rel); ok {
		return uint64(int64(in.next()) + int64(rel)), true
	}
	return 0, false
}

// memAddr is the absolute address of a RIP-relative or absolute memory
// operand of in, if it has one.
func memAddr(in inst) (uint64, bool) {
	for _, a := range in.Args {
		m, ok := a.(x86asm.Mem)
		if !ok {
			continue
		}
		switch {
		case m.Base == x86asm.RIP && m.Index == 0:
			return uint64(int64(in.next()) + m.Disp), true
		case m.Base == 0 && m.Index == 0 && m.Segment == 0:
			return uint64(m.Disp), true
		}
	}
	return 0, false
}

// goSyntax and gnuSyntax print in with symbol names where b has them.
func (b *binary) goSyntax(in inst) string {
	if in.bad {
		return fmt.Sprintf("?? (%#02x)", in.raw[0])
	}
	return x86asm.GoSyntax(in.Inst, in.addr, b.lookup)
}

func (b *binary) gnuSyntax(in inst) string {
	if in.bad {
		return "(bad)"
	}
	// No symbol lookup here: the GNU column shows the raw operands
	// (0x106e5a(%rip)) next to the Go column's names (runtime.g0(SB)).
	return x86asm.GNUSyntax(in.Inst, in.addr, nil)
}

// show is the short form used in explanation lines: "0x47d4e0 MOVQ DI, AX".
// Its spaces are non-breaking (nbsp) so that wrap keeps it on one line.
func (b *binary) show(in inst) string {
	return strings.ReplaceAll(fmt.Sprintf("%#x %s", in.addr, b.goSyntax(in)), " ", nbsp)
}

// printListing prints fn address by address, Go syntax and GNU syntax side
// by side.
func (b *binary) printListing(w io.Writer, fn *function) {
	name := fn.name
	if name == "" {
		name = "(no name)"
	}
	size := "size unknown: decoded up to the first instruction that cannot fall through"
	if fn.sized {
		size = fmt.Sprintf("%d bytes", fn.insts[len(fn.insts)-1].next()-fn.addr)
	}
	fmt.Fprintf(w, "\n  %s at %#x (%s)\n", name, fn.addr, size)
	fmt.Fprintf(w, "    %-10s %-26s %-44s %s\n", "address", "bytes", "Go syntax", "GNU syntax")
	for _, in := range fn.insts {
		fmt.Fprintf(w, "    %-10s %-26x %-44s %s\n",
			fmt.Sprintf("%#x", in.addr), in.raw, b.goSyntax(in), b.gnuSyntax(in))
	}
}

// isReg reports whether a is the register r in any width (AX, EAX, RAX).
func isReg(a x86asm.Arg, r x86asm.Reg) bool {
	g, ok := a.(x86asm.Reg)
	return ok && canon(g) == canon(r)
}

// canon maps 16- and 32-bit register names to their 64-bit register.
func canon(r x86asm.Reg) x86asm.Reg {
	switch {
	case r >= x86asm.AX && r <= x86asm.R15W:
		return x86asm.RAX + (r - x86asm.AX)
	case r >= x86asm.EAX && r <= x86asm.R15L:
		return x86asm.RAX + (r - x86asm.EAX)
	}
	return r
}

// regName is the Go assembler's name for a register: RDI → "DI".
func regName(r x86asm.Reg) string {
	r = canon(r)
	if r >= x86asm.RAX && r <= x86asm.RDI {
		return strings.TrimPrefix(r.String(), "R")
	}
	return r.String()
}

package explain

import (
	"fmt"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// A step is one recognised piece of the bootstrap, ready to print.
type step struct {
	name  string
	found bool
	text  string // what the code does, with the addresses and instructions seen; or why it was not found
}

// analyzer recognises the steps of rt0_go in a disassembled function by the
// shape of the code (which registers, constants and memory operands the
// instructions use), never by fixed offsets, so small differences between Go
// releases (MOVQ or MOVL for a constant, m.tls at +136 or +128) do not matter.
// Symbol names, when the binary has them, only label what was found.
type analyzer struct {
	b     *binary
	fn    *function
	ins   []inst
	chain []*function
	lay   *layoutInfo
	cache map[uint64]*function

	steps      []step
	mismatches int // offsets or addresses in the code that disagree with DWARF/.symtab

	// Learnt from the code.
	g0, m0     uint64    // addresses of runtime.g0 and runtime.m0, as the code uses them
	settls     *function // the function making the FS-base system call
	abort      uint64    // the function called when the TLS self-test fails
	wiredAt    int       // index of the instruction after the g0/m0 wiring; -1 if not found
	callTarget []uint64  // direct CALL targets of the bootstrap, in order (for the wrapper note)
}

func newAnalyzer(b *binary, fn *function, chain []*function, lay *layoutInfo) *analyzer {
	a := &analyzer{b: b, fn: fn, ins: fn.insts, chain: chain, lay: lay,
		cache: map[uint64]*function{}, wiredAt: -1}
	if s := b.named("runtime.g0"); s != nil && !s.isFunc {
		a.g0 = s.addr
	}
	if s := b.named("runtime.m0"); s != nil && !s.isFunc {
		a.m0 = s.addr
	}
	return a
}

// add records a found step; miss records one that was looked for in vain.
func (a *analyzer) add(name, format string, args ...any) {
	a.steps = append(a.steps, step{name, true, fmt.Sprintf(format, args...)})
}

func (a *analyzer) miss(name, why string) {
	a.steps = append(a.steps, step{name, false, why})
}

// function disassembles (once) the function at addr.
func (a *analyzer) function(addr uint64) *function {
	if fn, ok := a.cache[addr]; ok {
		return fn
	}
	fn := a.b.functionAt(addr)
	a.cache[addr] = fn
	return fn
}

// find returns the index of the first instruction at or after from that
// satisfies pred, or -1.
func find(ins []inst, from int, pred func(inst) bool) int {
	for i := max(from, 0); i < len(ins); i++ {
		if !ins[i].bad && pred(ins[i]) {
			return i
		}
	}
	return -1
}

// value reports the constant or address that in puts into a register:
// MOV reg, $imm; LEA reg, sym(RIP); XOR reg, reg.
func value(in inst) (x86asm.Reg, uint64, bool) {
	dst, ok := in.Args[0].(x86asm.Reg)
	if in.bad || !ok {
		return 0, 0, false
	}
	switch in.Op {
	case x86asm.MOV:
		if imm, ok := in.Args[1].(x86asm.Imm); ok {
			return canon(dst), uint64(imm), true
		}
	case x86asm.LEA:
		if m, ok := in.Args[1].(x86asm.Mem); ok && m.Base == x86asm.RIP && m.Index == 0 {
			return canon(dst), uint64(int64(in.next()) + m.Disp), true
		}
	case x86asm.XOR:
		if isReg(in.Args[1], dst) {
			return canon(dst), 0, true
		}
	}
	return 0, 0, false
}

// regBefore finds the constant or address held by reg just before ins[i],
// looking back a few instructions. It returns the value and the index of
// the instruction that set it.
func regBefore(ins []inst, i int, reg x86asm.Reg) (uint64, int, bool) {
	for j := i - 1; j >= 0 && j >= i-8; j-- {
		in := ins[j]
		if in.bad || in.Op == x86asm.CALL || in.Op == x86asm.JMP {
			return 0, -1, false
		}
		if r, v, ok := value(in); ok && r == canon(reg) {
			return v, j, true
		}
		if writes(in, reg) {
			return 0, -1, false
		}
	}
	return 0, -1, false
}

// writes reports whether in (probably) changes reg.
func writes(in inst, reg x86asm.Reg) bool {
	switch in.Op {
	case x86asm.CMP, x86asm.TEST, x86asm.PUSH:
		return false
	}
	return isReg(in.Args[0], reg)
}

// storeTo matches MOV [base+disp], src and returns base, disp and src.
func storeTo(in inst) (base x86asm.Reg, disp int64, src x86asm.Arg, ok bool) {
	if in.bad || in.Op != x86asm.MOV {
		return 0, 0, nil, false
	}
	m, ok := in.Args[0].(x86asm.Mem)
	if !ok || m.Segment != 0 || m.Index != 0 || m.Base == 0 || m.Base == x86asm.RIP {
		return 0, 0, nil, false
	}
	return canon(m.Base), m.Disp, in.Args[1], true
}

// markTLS finds, in each instruction, the operand that is the g slot: the
// memory at FS-8, which every Go function on linux/amd64 reaches either
// directly (FS:0xfffffff8) or, in position-independent code, through a
// register holding -8 (MOVQ $-0x8, BX; MOVQ CX, FS:0(BX)).
func markTLS(ins []inst) {
	for i := range ins {
		for k, a := range ins[i].Args {
			m, ok := a.(x86asm.Mem)
			if !ok || m.Segment != x86asm.FS || m.Index != 0 {
				continue
			}
			off := int64(int32(m.Disp))
			if m.Base != 0 {
				v, _, ok := regBefore(ins, i, m.Base)
				if !ok {
					continue
				}
				off += int64(v)
			}
			if off == -8 {
				ins[i].tlsArg = k + 1
			}
		}
	}
}

// tlsVia explains a g slot reached through a register (position-independent
// code): " (BX = -8: 0x47d87e MOVQ $-0x8, BX)"; "" for FS:0xfffffff8.
func (a *analyzer) tlsVia(ins []inst, i int) string {
	in := ins[i]
	if in.tlsArg == 0 {
		return ""
	}
	m := in.Args[in.tlsArg-1].(x86asm.Mem)
	if m.Base == 0 {
		return ""
	}
	_, j, _ := regBefore(ins, i, m.Base)
	return fmt.Sprintf(" (%s = -8: %s)", regName(m.Base), a.shows(ins, j))
}

// isTLSSlot reports whether operand k of in is the g slot (see markTLS).
func (in inst) isTLSSlot(k int) bool { return in.tlsArg == k+1 }

// shows joins the short forms of some instructions: "0x1 MOVQ ...; 0x5 ...".
func (a *analyzer) shows(ins []inst, idx ...int) string {
	var parts []string
	for _, i := range idx {
		if i >= 0 && i < len(ins) {
			parts = append(parts, a.b.show(ins[i]))
		}
	}
	return strings.Join(parts, "; ")
}

// checkOff compares an offset seen in the code with DWARF's and says so.
func (a *analyzer) checkOff(field string, got, want int64) string {
	if !a.lay.offsets {
		return ""
	}
	if got == want {
		return fmt.Sprintf(" [DWARF: %s +%d, agrees]", field, want)
	}
	a.mismatches++
	return fmt.Sprintf(" [MISMATCH: DWARF says %s is at +%d]", field, want)
}

// checkAddr compares an address seen in the code with the symbol table's.
func (a *analyzer) checkAddr(name string, got, want uint64) string {
	if want == 0 {
		return ""
	}
	if got == want {
		return ""
	}
	a.mismatches++
	return fmt.Sprintf(" [MISMATCH: the symbol table puts %s at %#x]", name, want)
}

// gField names a field of g0 by its offset, using DWARF when present:
// "g0.stackguard0", or "g0+16" without DWARF.
func (a *analyzer) gField(off int64) string {
	if a.lay.offsets {
		l := a.lay.Layout
		for _, f := range []struct {
			name string
			off  int64
		}{{"stack.lo", l.GStackLo}, {"stack.hi", l.GStackHi},
			{"stackguard0", l.GStackguard0}, {"stackguard1", l.GStackguard1}, {"m", l.GM}} {
			if f.off == off {
				return "g0." + f.name
			}
		}
	}
	return fmt.Sprintf("g0+%d", off)
}

// isOp returns a find predicate for the instruction op.
func isOp(op x86asm.Op) func(inst) bool {
	return func(in inst) bool { return in.Op == op }
}

// funcName names fn for the text, by symbol or by address.
func (a *analyzer) funcName(fn *function) string {
	return nameOr(fn.name, fmt.Sprintf("the function at %#x", fn.addr))
}

// nameOr returns name, or alt when name is empty.
func nameOr(name, alt string) string {
	if name == "" {
		return alt
	}
	return name
}

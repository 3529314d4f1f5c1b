package explain

import (
	"fmt"
	"io"

	"golang.org/x/arch/x86/x86asm"
)

// prologueLen is how many instructions of main.main count as its prologue.
const prologueLen = 6

// explainPrologue says how compiled Go code finds the current goroutine g,
// from the stack check at the top of main.main:
//
//   - register ABI (Go 1.17 and later): g is kept in R14, and the check is
//     CMPQ SP, 0x10(R14) (g.stackguard0);
//   - stack ABI (before Go 1.17): g is loaded from the TLS slot,
//     MOVQ FS:0xfffffffffffffff8, CX, then CMPQ SP, 0x10(CX).
//
// It also shows an ABI0 wrapper reloading R14 from FS:-8, which is why FS
// must stay valid whenever Go code runs.
func (b *binary) explainPrologue(w io.Writer, lay *layoutInfo, wrappers []uint64) {
	s := b.named("main.main")
	if s == nil || !s.isFunc {
		say(w, "cannot find main.main: %s", b.whyNoFuncNames())
		return
	}
	fn := b.functionAt(s.addr)
	if fn == nil {
		say(w, "cannot read main.main at %#x: not in a loaded segment", s.addr)
		return
	}
	ins := fn.insts[:min(len(fn.insts), prologueLen)]
	fmt.Fprintf(w, "    %-10s %-44s %s\n", "address", "Go syntax", "GNU syntax")
	for _, in := range ins {
		fmt.Fprintf(w, "    %-10s %-44s %s\n", fmt.Sprintf("%#x", in.addr), b.goSyntax(in), b.gnuSyntax(in))
	}
	say(w, "%s", b.prologueVerdict(ins, lay))
	if i := find(fn.insts, 0, usesFS); i >= 0 {
		say(w, "main.main uses FS at %s", b.show(fn.insts[i]))
	} else {
		say(w, "main.main never uses FS (checked all %d instructions)", len(fn.insts))
	}
	for _, t := range wrappers {
		wr := b.functionAt(t)
		if wr == nil {
			continue
		}
		if i := find(wr.insts, 0, func(in inst) bool {
			return in.Op == x86asm.MOV && isReg(in.Args[0], x86asm.R14) && in.isTLSSlot(1)
		}); i >= 0 {
			via := ""
			if m := wr.insts[i].Args[1].(x86asm.Mem); m.Base != 0 {
				if _, j, ok := regBefore(wr.insts, i, m.Base); ok {
					via = b.show(wr.insts[j]) + "; "
				}
			}
			say(w, "ABI0 wrappers (assembly calling Go) load g into R14 from the TLS slot: %s %s%s; "+
				"so FS must point at a valid TLS block whenever Go code runs",
				nameOr(wr.name, "a wrapper"), via, b.show(wr.insts[i]))
			return
		}
	}
}

// prologueVerdict is the one-line explanation of main.main's stack check.
func (b *binary) prologueVerdict(ins []inst, lay *layoutInfo) string {
	guard := func(disp int64) string {
		if !lay.offsets {
			return fmt.Sprintf("g+%d (g.stackguard0; no DWARF to confirm)", disp)
		}
		if disp == lay.GStackguard0 {
			return fmt.Sprintf("g.stackguard0 (+%d, as DWARF says)", disp)
		}
		return fmt.Sprintf("g+%d [MISMATCH: DWARF puts g.stackguard0 at +%d]", disp, lay.GStackguard0)
	}
	for i, in := range ins {
		if in.Op == x86asm.CMP {
			if m, ok := in.Args[1].(x86asm.Mem); ok && m.Base == x86asm.R14 {
				return fmt.Sprintf("register ABI (Go 1.17+): g lives in R14; %s compares the stack pointer with %s "+
					"and calls runtime.morestack when the stack is short", b.show(in), guard(m.Disp))
			}
		}
		if in.Op == x86asm.MOV && in.isTLSSlot(1) {
			r, _ := in.Args[0].(x86asm.Reg)
			for _, c := range ins[i+1:] {
				if m, ok := c.Args[1].(x86asm.Mem); ok && c.Op == x86asm.CMP && canon(m.Base) == canon(r) {
					return fmt.Sprintf("stack ABI (before Go 1.17): g is loaded from the TLS slot by %s, then %s compares SP with %s",
						b.show(in), b.show(c), guard(m.Disp))
				}
			}
			return fmt.Sprintf("stack ABI (before Go 1.17): g is loaded from the TLS slot by %s", b.show(in))
		}
	}
	return "no stack check in the prologue: main.main is a small leaf function (the compiler made it NOSPLIT), so it never needs g"
}

// usesFS reports whether in has an FS-relative memory operand.
func usesFS(in inst) bool {
	for _, a := range in.Args {
		if m, ok := a.(x86asm.Mem); ok && m.Segment == x86asm.FS {
			return true
		}
	}
	return false
}

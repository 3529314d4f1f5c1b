package explain

import (
	bin "encoding/binary"
	"fmt"
	"sort"

	"golang.org/x/arch/x86/x86asm"
)

// run recognises every step, in the order rt0_go performs them.
func (a *analyzer) run() {
	w := a.findWiring() // first, so g0 and m0 are known even without symbols
	a.stepArgs()
	a.stepG0Stack()
	a.stepCPUID()
	a.stepCgo()
	a.stepFSBase()
	a.stepTLSTest()
	a.stepWiring(w)
	a.stepCalls()
}

// stepArgs: the entry stub puts argc in DI and argv in SI; rt0_go copies
// them. A custom entry such as gobare's rt.rt0 may read them from the stack
// itself, into any registers.
func (a *analyzer) stepArgs() {
	const name = "argc/argv"
	var where string
	for _, link := range a.chain {
		i := find(link.insts, 0, func(in inst) bool {
			m, ok := in.Args[1].(x86asm.Mem)
			_, reg := in.Args[0].(x86asm.Reg)
			return in.Op == x86asm.MOV && reg && ok && m.Base == x86asm.RSP && m.Disp == 0
		})
		j := find(link.insts, 0, func(in inst) bool {
			m, ok := in.Args[1].(x86asm.Mem)
			_, reg := in.Args[0].(x86asm.Reg)
			return in.Op == x86asm.LEA && reg && ok && m.Base == x86asm.RSP && m.Disp == 8
		})
		if i >= 0 && j >= 0 && link == a.fn && !isReg(link.insts[i].Args[0], x86asm.RDI) {
			a.add(name, "the bootstrap itself takes argc from 0(SP) and argv = SP+8 from the stack the kernel built (%s)",
				a.shows(link.insts, i, j))
			return
		}
		if i >= 0 && j >= 0 {
			where = fmt.Sprintf("%s took them from the stack the kernel built (%s): argc at 0(SP), argv right above it; ",
				nameOr(link.name, "the entry"), a.shows(link.insts, i, j))
		}
		if link == a.fn {
			break
		}
	}
	copyOf := func(src x86asm.Reg) int {
		return find(a.ins, 0, func(in inst) bool {
			_, ok := in.Args[0].(x86asm.Reg)
			return in.Op == x86asm.MOV && ok && isReg(in.Args[1], src)
		})
	}
	di, si := copyOf(x86asm.RDI), copyOf(x86asm.RSI)
	if di < 0 || si < 0 {
		a.miss(name, "no MOV from DI and SI (argc, argv) in the bootstrap function")
		return
	}
	text := fmt.Sprintf("%sthe bootstrap reads argc from DI and argv from SI (%s)", where, a.shows(a.ins, di, si))
	if k := find(a.ins, si, func(in inst) bool {
		imm, ok := in.Args[1].(x86asm.Imm)
		return in.Op == x86asm.AND && isReg(in.Args[0], x86asm.RSP) && ok && imm == -16
	}); k >= 0 && k < si+4 {
		text += fmt.Sprintf(", aligns SP to 16 bytes (%s)", a.shows(a.ins, k))
	}
	var saves []int
	for _, c := range []int{di, si} {
		r := a.ins[c].Args[0].(x86asm.Reg)
		if k := find(a.ins, c+1, func(in inst) bool {
			base, _, src, ok := storeTo(in)
			return ok && base == x86asm.RSP && isReg(src, r)
		}); k >= 0 && k < c+8 {
			saves = append(saves, k)
		}
	}
	if len(saves) == 2 {
		text += fmt.Sprintf(" and keeps them in its frame for runtime.args (%s)", a.shows(a.ins, saves...))
	}
	a.add(name, "%s", text)
}

// stepG0Stack: g0 gets the 64 KiB below the OS stack pointer as its stack.
func (a *analyzer) stepG0Stack() {
	const name = "g0 stack"
	i := find(a.ins, 0, func(in inst) bool {
		m, ok := in.Args[1].(x86asm.Mem)
		return in.Op == x86asm.LEA && ok && m.Base == x86asm.RSP && m.Index == 0 && int32(m.Disp) <= -4096
	})
	if i < 0 {
		a.miss(name, "no LEAQ -N(SP) computing the low end of the g0 stack")
		return
	}
	lo := canon(a.ins[i].Args[0].(x86asm.Reg))
	size := -int64(int32(a.ins[i].Args[1].(x86asm.Mem).Disp)) // x86asm keeps disp32 unsigned
	var gReg x86asm.Reg
	var bound, hi []int
	for k := i + 1; k < len(a.ins) && k <= i+8; k++ {
		base, _, src, ok := storeTo(a.ins[k])
		if !ok || (gReg != 0 && base != gReg) {
			continue
		}
		switch {
		case isReg(src, lo):
			bound = append(bound, k)
		case isReg(src, x86asm.RSP):
			hi = append(hi, k)
		default:
			continue
		}
		gReg = base
	}
	if len(bound) == 0 || len(hi) != 1 {
		a.miss(name, fmt.Sprintf("%s computes SP-%d but no stores of it and of SP into one struct follow",
			a.b.show(a.ins[i]), size))
		return
	}
	text := fmt.Sprintf("%s: g0's stack is the %d KiB below SP", a.b.show(a.ins[i]), size/1024)
	if g0, j, ok := regBefore(a.ins, i, gReg); ok {
		text += fmt.Sprintf("; %s loads %s into %s", a.shows(a.ins, j), a.g0Name(g0), regName(gReg))
		text += a.checkAddr("runtime.g0", g0, a.g0)
		if a.g0 == 0 {
			a.g0 = g0
		}
	}
	var offs []int64
	text += "; stores:"
	for _, k := range bound {
		_, off, _, _ := storeTo(a.ins[k])
		offs = append(offs, off)
		text += fmt.Sprintf(" %s → %s = SP-%d,", a.b.show(a.ins[k]), a.gField(off), size)
	}
	_, hiOff, _, _ := storeTo(a.ins[hi[0]])
	text += fmt.Sprintf(" %s → %s = SP", a.b.show(a.ins[hi[0]]), a.gField(hiOff))
	if a.lay.offsets {
		l := a.lay.Layout
		want := []int64{l.GStackLo, l.GStackguard0, l.GStackguard1}
		sort.Slice(offs, func(i, j int) bool { return offs[i] < offs[j] })
		sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
		if fmt.Sprint(offs) == fmt.Sprint(want) && hiOff == l.GStackHi {
			text += fmt.Sprintf(" [DWARF: stack.lo +%d, stack.hi +%d, stackguard0 +%d, stackguard1 +%d, agrees]",
				l.GStackLo, l.GStackHi, l.GStackguard0, l.GStackguard1)
		} else {
			a.mismatches++
			text += fmt.Sprintf(" [MISMATCH: DWARF says stack.lo +%d, stack.hi +%d, stackguard0 +%d, stackguard1 +%d]",
				l.GStackLo, l.GStackHi, l.GStackguard0, l.GStackguard1)
		}
	}
	a.add(name, "%s", text)
}

// g0Name names the g0 address for the text, even without a symbol table.
func (a *analyzer) g0Name(addr uint64) string {
	if s := a.b.symAt(addr); s != nil && s.addr == addr {
		return fmt.Sprintf("%s (%#x)", s.name, addr)
	}
	return fmt.Sprintf("%#x (runtime.g0, by its role)", addr)
}

// stepCPUID: leaf 0 for the vendor, leaf 1 for the processor version.
func (a *analyzer) stepCPUID() {
	var leaf0, leaf1 bool
	var extra []int
	for i := find(a.ins, 0, isOp(x86asm.CPUID)); i >= 0; i = find(a.ins, i+1, isOp(x86asm.CPUID)) {
		leaf, j, ok := regBefore(a.ins, i, x86asm.RAX)
		switch {
		case ok && leaf == 0 && !leaf0:
			leaf0 = true
			a.cpuidVendor(i, j)
		case ok && leaf == 1 && !leaf1:
			leaf1 = true
			a.cpuidVersion(i, j)
		default:
			extra = append(extra, i)
		}
	}
	if !leaf0 {
		a.miss("CPUID vendor", "no CPUID with AX=0")
	}
	if !leaf1 {
		a.miss("CPUID version", "no CPUID with AX=1")
	}
	if len(extra) > 0 {
		a.add("CPUID features", "%s: more CPUID leaves, the GOAMD64 level check (the program refuses to run on an older CPU)",
			a.shows(a.ins, extra...))
	}
}

func (a *analyzer) cpuidVendor(i, j int) {
	text := fmt.Sprintf("%s: leaf 0 returns the highest leaf in AX and the vendor string in BX, DX, CX", a.shows(a.ins, j, i))
	vendor := map[x86asm.Reg][]byte{}
	var cmps []int
	for k := i + 1; k < len(a.ins) && k <= i+12; k++ {
		in := a.ins[k]
		r, rok := in.Args[0].(x86asm.Reg)
		imm, iok := in.Args[1].(x86asm.Imm)
		if in.Op == x86asm.CMP && rok && iok && imm > 0xffff {
			b := bin.LittleEndian.AppendUint32(nil, uint32(imm))
			vendor[canon(r)] = b
			cmps = append(cmps, k)
		}
		if addr, ok := memAddr(in); ok && in.Op == x86asm.MOV && len(cmps) > 0 {
			if imm, ok := in.Args[1].(x86asm.Imm); ok && imm == 1 {
				text += fmt.Sprintf("; compared with %q (%s), and if it matches %s sets %s",
					string(vendor[x86asm.RBX])+string(vendor[x86asm.RDX])+string(vendor[x86asm.RCX]),
					a.shows(a.ins, cmps...), a.b.show(in), a.b.nameOf(addr))
				break
			}
		}
	}
	a.add("CPUID vendor", "%s", text)
}

func (a *analyzer) cpuidVersion(i, j int) {
	text := fmt.Sprintf("%s: leaf 1 returns the processor version information in AX", a.shows(a.ins, j, i))
	if k := find(a.ins, i+1, func(in inst) bool {
		_, ok := memAddr(in)
		return in.Op == x86asm.MOV && ok && isReg(in.Args[1], x86asm.RAX)
	}); k >= 0 && k <= i+3 {
		addr, _ := memAddr(a.ins[k])
		text += fmt.Sprintf(", saved by %s in %s (family/model, used to pick memmove strategies)", a.b.show(a.ins[k]), a.b.nameOf(addr))
	}
	a.add("CPUID version", "%s", text)
}

// stepCgo: a cgo program's C runtime would set TLS up; a static one does it
// itself. Reported only when the check is there.
func (a *analyzer) stepCgo() {
	for i := 0; i+2 < len(a.ins); i++ {
		ld, test, jz := a.ins[i], a.ins[i+1], a.ins[i+2]
		addr, ok := memAddr(ld)
		r, rok := ld.Args[0].(x86asm.Reg)
		if !ok || !rok || ld.Op != x86asm.MOV || test.Op != x86asm.TEST || !isReg(test.Args[0], r) ||
			!isReg(test.Args[1], r) || jz.Op != x86asm.JE {
			continue
		}
		text := fmt.Sprintf("%s: the cgo hook", a.shows(a.ins, i, i+1, i+2))
		if v, ok := a.b.readUint64(addr); ok && v == 0 {
			t, _ := branchTarget(jz)
			text += fmt.Sprintf(" %s is nil in this static program, so the code jumps to %#x and sets up TLS itself", a.b.nameOf(addr), t)
		} else {
			text += fmt.Sprintf(" %s is set: a cgo program, whose C runtime sets up TLS", a.b.nameOf(addr))
		}
		a.add("cgo check", "%s", text)
		return
	}
}

package explain

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// Constants the bootstrap uses, as the Linux and x86 manuals define them.
const (
	sysArchPrctl = 158        // arch_prctl system call number on x86-64
	archSetFS    = 0x1002     // ARCH_SET_FS
	msrFSBase    = 0xC0000100 // IA32_FS_BASE
)

// stepFSBase: point the FS base at m0.tls, either through runtime.settls
// (the arch_prctl system call) or, in a bare-metal rt0, with WRMSR.
func (a *analyzer) stepFSBase() {
	if i := a.findWRMSR(a.ins); i >= 0 {
		a.describeWRMSR(a.ins, i)
		return
	}
	for i := find(a.ins, 0, isOp(x86asm.CALL)); i >= 0; i = find(a.ins, i+1, isOp(x86asm.CALL)) {
		t, ok := branchTarget(a.ins[i])
		if !ok {
			continue
		}
		callee := a.function(t)
		if callee == nil {
			continue
		}
		sys := a.findSyscall(callee.insts, sysArchPrctl)
		msr := a.findWRMSR(callee.insts)
		if sys < 0 && msr < 0 {
			continue
		}
		a.settls = callee
		a.describeSettlsCall(i)
		if sys >= 0 {
			a.describeArchPrctl(callee, sys)
		} else {
			a.describeWRMSR(callee.insts, msr)
		}
		return
	}
	a.miss("settls", "no CALL whose callee makes the arch_prctl(ARCH_SET_FS) system call, and no WRMSR to IA32_FS_BASE")
}

func (a *analyzer) describeSettlsCall(i int) {
	text := a.b.show(a.ins[i])
	tls, j, ok := regBefore(a.ins, i, x86asm.RDI)
	if !ok {
		a.add("settls", "%s: sets the FS base (argument in DI not recognised)", text)
		return
	}
	text = fmt.Sprintf("%s: DI=%#x, the address of m0.tls", a.shows(a.ins, j, i), tls)
	if a.m0 != 0 && tls > a.m0 {
		off := int64(tls - a.m0)
		text += fmt.Sprintf(" (runtime.m0 %#x + %d, so m.tls is at +%d)", a.m0, off, off)
		text += a.checkOff("m.tls", off, a.lay.MTls)
	}
	a.add("settls", "%s", text)
}

func (a *analyzer) describeArchPrctl(fn *function, sys int) {
	ins := fn.insts
	_, ax, _ := regBefore(ins, sys, x86asm.RAX)
	text := fmt.Sprintf("%s: %s with AX=%d (%s) = arch_prctl", a.funcName(fn),
		a.b.show(ins[sys]), sysArchPrctl, a.shows(ins, ax))
	if v, k, ok := regBefore(ins, sys, x86asm.RDI); ok {
		text += fmt.Sprintf(", DI=%#x (%s)", v, a.shows(ins, k))
		if v == archSetFS {
			text += " = ARCH_SET_FS"
		}
	}
	mov := find(ins, 0, func(in inst) bool {
		return in.Op == x86asm.MOV && isReg(in.Args[0], x86asm.RSI) && isReg(in.Args[1], x86asm.RDI)
	})
	add := find(ins, 0, func(in inst) bool {
		imm, ok := in.Args[1].(x86asm.Imm)
		return in.Op == x86asm.ADD && isReg(in.Args[0], x86asm.RDI) && ok && imm == 8
	})
	if mov >= 0 && add >= 0 && add < mov {
		text += fmt.Sprintf(", SI = DI+8 (%s): the FS base becomes &m0.tls[1], so -8(FS) is m0.tls[0], the g slot",
			a.shows(ins, add, mov))
	}
	a.add("arch_prctl", "%s; gobare's kernel traps this system call and does WRMSR IA32_FS_BASE", text)
}

// describeWRMSR explains a WRMSR to IA32_FS_BASE, the way a bare-metal rt0
// sets the FS base: EDX:EAX is the new base, &m0.tls[1].
func (a *analyzer) describeWRMSR(ins []inst, i int) {
	_, cx, _ := regBefore(ins, i, x86asm.RCX)
	text := fmt.Sprintf("%s: WRMSR to IA32_FS_BASE (%#x) sets the FS base directly, no system call",
		a.shows(ins, cx, i), msrFSBase)
	if base, k, ok := regBefore(ins, i, x86asm.RAX); ok {
		text += fmt.Sprintf("; the new base (EDX:EAX) is %#x = %s (%s)", base, a.b.nameOf(base), a.shows(ins, k))
		if a.m0 != 0 && base >= a.m0+8 {
			off := int64(base-a.m0) - 8
			text += fmt.Sprintf(", &m0.tls[1] if m.tls is at +%d%s", off, a.checkOff("m.tls", off, a.lay.MTls))
		}
	}
	a.add("FS base (WRMSR)", "%s", text)
}

// findSyscall returns the index of a SYSCALL made with AX = nr, or -1.
func (a *analyzer) findSyscall(ins []inst, nr uint64) int {
	for i := find(ins, 0, isOp(x86asm.SYSCALL)); i >= 0; i = find(ins, i+1, isOp(x86asm.SYSCALL)) {
		if v, _, ok := regBefore(ins, i, x86asm.RAX); ok && v == nr {
			return i
		}
	}
	return -1
}

// findWRMSR returns the index of a WRMSR to IA32_FS_BASE, or -1.
func (a *analyzer) findWRMSR(ins []inst) int {
	for i := find(ins, 0, isOp(x86asm.WRMSR)); i >= 0; i = find(ins, i+1, isOp(x86asm.WRMSR)) {
		if v, _, ok := regBefore(ins, i, x86asm.RCX); ok && uint32(v) == msrFSBase {
			return i
		}
	}
	return -1
}

// stepTLSTest: store a marker through FS, read it back through m0.tls.
func (a *analyzer) stepTLSTest() {
	st := find(a.ins, 0, func(in inst) bool {
		_, ok := in.Args[1].(x86asm.Imm)
		return in.Op == x86asm.MOV && in.isTLSSlot(0) && ok
	})
	if st < 0 {
		a.miss("TLS self-test", "no store of a constant to FS:-8")
		return
	}
	marker := int64(a.ins[st].Args[1].(x86asm.Imm))
	text := fmt.Sprintf("%s%s writes %#x through FS into the g slot", a.b.show(a.ins[st]), a.tlsVia(a.ins, st), marker)
	cmp := find(a.ins, st+1, func(in inst) bool {
		imm, ok := in.Args[1].(x86asm.Imm)
		return in.Op == x86asm.CMP && ok && int64(imm) == marker
	})
	if cmp < 0 || cmp > st+4 {
		a.add("TLS self-test", "%s (no read-back found)", text)
		return
	}
	if ld := cmp - 1; ld > st {
		if addr, ok := memAddr(a.ins[ld]); ok {
			text += fmt.Sprintf("; %s reads %s back", a.b.show(a.ins[ld]), a.b.nameOf(addr))
		}
	}
	text += fmt.Sprintf("; %s", a.b.show(a.ins[cmp]))
	if c := cmp + 2; c < len(a.ins) && a.ins[c].Op == x86asm.CALL {
		a.abort, _ = branchTarget(a.ins[c])
		text += fmt.Sprintf("; if it differs, %s (FS does not work: stop at once)", a.b.show(a.ins[c]))
	}
	a.add("TLS self-test", "%s", text)
}

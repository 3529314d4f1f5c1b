package explain

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// wiring is the code that makes g0 current and links g0 and m0.
type wiring struct {
	ok             bool
	tls, gLd, mLd  int // the store into FS:-8, the loads of g0 and m0
	mg0, gm        int // the stores m0.g0 = g0 and g0.m = m0 (-1 if absent)
	g0, m0         uint64
	offMG0, offGM  int64
	end            int // index after the wiring
	gReg, mReg     x86asm.Reg
	haveG0, haveM0 bool
}

// findWiring finds MOVQ g0, FS:-8 then, nearby, the two stores that link
// g0 and m0. It also learns their addresses when no symbol names them.
func (a *analyzer) findWiring() wiring {
	w := wiring{mg0: -1, gm: -1, gLd: -1, mLd: -1}
	w.tls = find(a.ins, 0, func(in inst) bool {
		_, ok := in.Args[1].(x86asm.Reg)
		return in.Op == x86asm.MOV && in.isTLSSlot(0) && ok
	})
	if w.tls < 0 {
		return w
	}
	w.ok = true
	w.end = w.tls + 1
	w.gReg = canon(a.ins[w.tls].Args[1].(x86asm.Reg))
	w.g0, w.gLd, w.haveG0 = regBefore(a.ins, w.tls, w.gReg)
	for k := w.tls + 1; k < len(a.ins) && k <= w.tls+6; k++ {
		in := a.ins[k]
		if r, v, ok := value(in); ok && w.mLd < 0 && r != w.gReg {
			w.mReg, w.m0, w.mLd, w.haveM0 = r, v, k, true
			continue
		}
		base, off, src, ok := storeTo(in)
		switch {
		case !ok || w.mReg == 0:
		case base == w.mReg && isReg(src, w.gReg):
			w.mg0, w.offMG0, w.end = k, off, k+1
		case base == w.gReg && isReg(src, w.mReg):
			w.gm, w.offGM, w.end = k, off, k+1
		}
	}
	if a.g0 == 0 && w.haveG0 {
		a.g0 = w.g0
	}
	if a.m0 == 0 && w.haveM0 && w.mg0 >= 0 {
		a.m0 = w.m0
	}
	a.wiredAt = w.end
	return w
}

func (a *analyzer) stepWiring(w wiring) {
	if !w.ok {
		a.miss("g0 into TLS", "no store of a register into FS:-8")
		a.miss("m0.g0 = g0", "not found (it follows the store of g0 into FS:-8)")
		a.miss("g0.m = m0", "not found (it follows the store of g0 into FS:-8)")
		return
	}
	via := a.tlsVia(a.ins, w.tls)
	text := fmt.Sprintf("%s%s: g is now g0", a.shows(a.ins, w.gLd, w.tls), via)
	if w.haveG0 {
		text = fmt.Sprintf("%s%s: the g slot -8(FS) holds %s, so g is now g0", a.shows(a.ins, w.gLd, w.tls), via, a.g0Name(w.g0))
		text += a.checkAddr("runtime.g0", w.g0, a.g0)
	}
	a.add("g0 into TLS", "%s", text)
	m0 := fmt.Sprintf("%#x", w.m0)
	if s := a.b.symAt(w.m0); s != nil && s.addr == w.m0 {
		m0 = s.name
	}
	if w.mg0 >= 0 {
		a.add("m0.g0 = g0", "%s: %s = m0 (%s), store %s → m.g0 at +%d%s%s", a.shows(a.ins, w.mLd, w.mg0),
			regName(w.mReg), m0, regName(w.gReg), w.offMG0, a.checkOff("m.g0", w.offMG0, a.lay.MG0),
			a.checkAddr("runtime.m0", w.m0, a.m0))
	} else {
		a.miss("m0.g0 = g0", "no store of g0 into the struct loaded after it")
	}
	if w.gm >= 0 {
		a.add("g0.m = m0", "%s: g.m at +%d%s", a.b.show(a.ins[w.gm]), w.offGM, a.checkOff("g.m", w.offGM, a.lay.GM))
	} else {
		a.miss("g0.m = m0", "no store of m0 into g0")
	}
}

package explain

import "golang.org/x/arch/x86/x86asm"

// maxChain bounds the number of functions followed from the entry.
const maxChain = 8

// chain follows the program's entry: each link is a function, and the next
// link is where its unconditional JMP out of the function goes (a tail jump,
// as _rt0_amd64_linux → _rt0_amd64 → runtime.rt0_go). If the last link is
// not runtime.rt0_go but calls it, the call is followed too. A custom entry
// (gobare's rt.rt0) is simply the first link.
func (b *binary) chain(entry uint64) []*function {
	var links []*function
	seen := map[uint64]bool{}
	for addr := entry; len(links) < maxChain && !seen[addr]; {
		seen[addr] = true
		fn := b.functionAt(addr)
		if fn == nil {
			break
		}
		links = append(links, fn)
		next, ok := tailJump(fn)
		if !ok {
			next, ok = b.callOf(fn, "runtime.rt0_go")
		}
		if !ok {
			break
		}
		addr = next
	}
	return links
}

// tailJump finds fn's first unconditional JMP to an address outside fn.
func tailJump(fn *function) (uint64, bool) {
	end := fn.insts[len(fn.insts)-1].next()
	for _, in := range fn.insts {
		if in.Op != x86asm.JMP {
			continue
		}
		if t, ok := branchTarget(in); ok && (t < fn.addr || t >= end) {
			return t, true
		}
	}
	return 0, false
}

// callOf finds a direct CALL in fn to the function called name (with or
// without its .abi0 suffix), unless fn is that function.
func (b *binary) callOf(fn *function, name string) (uint64, bool) {
	if baseName(fn.name) == name {
		return 0, false
	}
	for _, in := range fn.insts {
		if in.Op != x86asm.CALL {
			continue
		}
		if t, ok := branchTarget(in); ok {
			if s := b.symAt(t); s != nil && s.addr == t && baseName(s.name) == name {
				return t, true
			}
		}
	}
	return 0, false
}

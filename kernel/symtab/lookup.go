package symtab

// Lookup finds the function containing pc. It returns the function's name (a
// sub-slice of the table, without the NUL) and pc's offset from the
// function's entry. ok is false when pc is outside the table's text or the
// table is damaged where pc leads.
//
// The search is a binary search of the functab; the runtime's findfunc
// reaches the same entry faster through runtime.findfunctab, a bucket index
// this package does not need.
func (t *Table) Lookup(pc uint64) (name []byte, offset uint64, ok bool) {
	if pc < t.text || t.nfunc == 0 {
		return nil, 0, false
	}
	off := pc - t.text
	if off >= 1<<32 {
		return nil, 0, false // functab offsets are uint32
	}
	pcOff := uint32(off)

	// The entry after the last function holds the end of text.
	first, ok1 := t.entry(0)
	end, ok2 := t.entry(t.nfunc)
	if !ok1 || !ok2 || pcOff < first || pcOff >= end {
		return nil, 0, false
	}

	// Find the last function i with entry(i) <= pcOff. Invariant:
	// entry(lo) <= pcOff, and hi is past every such function or is nfunc.
	lo, hi := uint64(0), t.nfunc
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		e, ok := t.entry(mid)
		if !ok {
			return nil, 0, false
		}
		if e <= pcOff {
			lo = mid
		} else {
			hi = mid
		}
	}

	// An unsorted (damaged) functab can mislead the search: check the
	// answer instead of trusting it.
	start, ok1 := t.entry(lo)
	next, ok2 := t.entry(lo + 1)
	if !ok1 || !ok2 || start > pcOff || pcOff >= next {
		return nil, 0, false
	}

	name, ok = t.funcName(lo, start)
	if !ok {
		return nil, 0, false
	}
	return name, uint64(pcOff - start), true
}

// entry returns functab[i].entryoff; i == nfunc gives the end of text.
func (t *Table) entry(i uint64) (uint32, bool) {
	if i > t.nfunc {
		return 0, false
	}
	return u32(t.ftab, i*8)
}

// funcName returns the name of function i, whose functab entry is start,
// reading its _func record: {entryOff uint32; nameOff int32; ...}.
func (t *Table) funcName(i uint64, start uint32) ([]byte, bool) {
	if i >= t.nfunc {
		return nil, false
	}
	funcoff, ok := u32(t.ftab, i*8+4)
	if !ok {
		return nil, false
	}
	entryOff, ok1 := u32(t.ftab, uint64(funcoff))
	nameOff, ok2 := u32(t.ftab, uint64(funcoff)+4)
	// The record repeats the entry offset: a cheap check that funcoff
	// really leads to this function's record.
	if !ok1 || !ok2 || entryOff != start || int32(nameOff) < 0 {
		return nil, false
	}
	name, ok := cstring(t.names, uint64(nameOff))
	if !ok || len(name) == 0 {
		return nil, false
	}
	return name, true
}

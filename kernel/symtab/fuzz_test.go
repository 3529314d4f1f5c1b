package symtab_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gobare/gobare/kernel/symtab"
)

// fakeFunc is one function of a synthetic table: its entry offset from the
// text start and its name.
type fakeFunc struct {
	entry uint32
	name  string
}

// makeTable builds a minimal Go 1.20+ pclntab (see doc.go): the header, the
// funcnametab, the functab with its end entry, and a truncated _func record
// per function holding just entryOff and nameOff, which is all Lookup reads.
// The cutab, filetab and pctab are empty.
func makeTable(text uint64, funcs []fakeFunc, end uint32) []byte {
	const hdr = 8 + 8*8
	var names []byte
	nameOff := make([]uint32, len(funcs))
	for i, f := range funcs {
		nameOff[i] = uint32(len(names))
		names = append(append(names, f.name...), 0)
	}
	pcln := uint64(hdr + len(names))

	b := binary.LittleEndian.AppendUint32(nil, 0xfffffff1)
	b = append(b, 0, 0, 1, 8) // pad1, pad2, minLC, ptrSize
	for _, v := range []uint64{uint64(len(funcs)), 0, text, hdr, pcln, pcln, pcln, pcln} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	b = append(b, names...)

	recs := uint32(len(funcs)*8 + 4)
	for i, f := range funcs {
		b = binary.LittleEndian.AppendUint32(b, f.entry)
		b = binary.LittleEndian.AppendUint32(b, recs+uint32(i)*8)
	}
	b = binary.LittleEndian.AppendUint32(b, end)
	for i, f := range funcs {
		b = binary.LittleEndian.AppendUint32(b, f.entry)
		b = binary.LittleEndian.AppendUint32(b, nameOff[i])
	}
	return b
}

// checkLookup runs Lookup and checks what must hold even for garbage input:
// no panic, and a found name is a non-empty, NUL-free sub-slice of tab.
func checkLookup(t *testing.T, st *symtab.Table, tab []byte, pc uint64) {
	name, _, ok := st.Lookup(pc)
	if !ok {
		if name != nil {
			t.Fatalf("Lookup(%#x): not found but name %q", pc, name)
		}
		return
	}
	if len(name) == 0 || !within(name, tab) || bytes.IndexByte(name, 0) >= 0 {
		t.Fatalf("Lookup(%#x) = %q: not a NUL-free sub-slice of the table", pc, name)
	}
}

// FuzzNew parses arbitrary bytes as a table, seeded with small valid ones.
func FuzzNew(f *testing.F) {
	f.Add(makeTable(0x1000, []fakeFunc{{0, "a"}, {0x10, "main.main"}}, 0x20), uint64(0), uint64(0x1010))
	f.Add(makeTable(0x401000, []fakeFunc{{0, "runtime.text"}, {4, "x"}, {4, "y"}, {9, "z"}}, 0x10), uint64(0x401000), uint64(0x401005))
	f.Add(makeTable(1, []fakeFunc{{0, ""}}, 1), uint64(0), uint64(1))
	f.Fuzz(func(t *testing.T, tab []byte, text, pc uint64) {
		st, ok := symtab.NewText(tab, text)
		if !ok {
			return
		}
		checkLookup(t, &st, tab, pc)
		start := st.TextStart()
		for _, d := range []uint64{0, 1, 0x10, pc & 0xffff, pc >> 32} {
			checkLookup(t, &st, tab, start+d)
		}
	})
}

// FuzzLookup damages a copy of the test binary's own (real, full-size) table
// at two places, one anywhere and one in the functab and _func records, and
// looks up addresses through it.
func FuzzLookup(f *testing.F) {
	self, ok := symtab.Self()
	if !ok {
		f.Fatal("Self failed")
	}
	tab := selfBytes(f) // a private copy, damaged and repaired in each run
	pcln := int(binary.LittleEndian.Uint64(tab[64:]))
	f.Add(uint32(0), byte(0), uint32(0), byte(0), uint64(0x1234))
	f.Add(uint32(8), byte(0xff), uint32(100), byte(0), uint64(0))
	f.Add(uint32(len(tab)/2), byte(0x7f), uint32(len(tab)/3), byte(0x80), uint64(0x40000))
	f.Fuzz(func(t *testing.T, off1 uint32, v1 byte, off2 uint32, v2 byte, pcOff uint64) {
		i := int(off1) % len(tab)
		j := pcln + int(off2)%(len(tab)-pcln)
		old1, old2 := tab[i], tab[j]
		tab[i], tab[j] = v1, v2
		defer func() { tab[j], tab[i] = old2, old1 }()

		st, ok := symtab.NewText(tab, self.TextStart())
		if !ok {
			return
		}
		checkLookup(t, &st, tab, st.TextStart()+pcOff)
		checkLookup(t, &st, tab, st.TextStart()+pcOff%(1<<20))
		checkLookup(t, &st, tab, pcOff)
	})
}

package acpi

import (
	"encoding/binary"
	"testing"
)

// FuzzParse hands Parse (and FindRSDP) arbitrary memory: the bytes of the
// input placed over a valid machine's tables, so that the fuzzer starts
// from structures that get past the checksums. Parse must not panic (the
// kernel runs without bounds checks: an index the parser failed to check
// would read wild memory there) and must keep its counts within its arrays.
func FuzzParse(f *testing.F) {
	m := newMachine()
	dsdt := m.table("DSDT", 2, s5([]byte{0x0A, 0x05}, []byte{0x00}))
	fa := m.table("FACP", 6, fadt(276, uint32(dsdt), 0x604, 0, FlagResetRegSup))
	apic := m.table("APIC", 5, []byte{0, 0, 0xE0, 0xFE, 1, 0, 0, 0, 0, 8, 0, 0, 1, 0, 0, 0})
	xsdt := m.root(true, fa, apic)
	rsdt := m.root(false, fa, apic)
	m.rsdp(0xE0000, uint32(rsdt), xsdt)
	base := m.mem[:m.next]
	// The seed: the tables region (from 0x100000) and the RSDP.
	f.Add(append(append([]byte{}, base[0xE0000:0xE0024]...), base[0x100000:]...), uint16(0))
	f.Add([]byte("RSD PTR "), uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, fix uint16) {
		mem := make([]byte, len(base))
		copy(mem, base)
		// The first 36 bytes go over the RSDP, the rest over the tables.
		n := copy(mem[0xE0000:0xE0024], data)
		copy(mem[0x100000:], data[n:])
		// Fix checksums in some inputs so the parser gets past them.
		if fix&1 != 0 {
			m2 := &machine{mem: mem}
			m2.fix(0xE0000, 20, 8)
		}
		if fix&2 != 0 {
			for _, a := range []uint64{dsdt, fa, apic, xsdt, rsdt} {
				l := uint64(binary.LittleEndian.Uint32(mem[a+4:]))
				if l >= 36 && a+l <= uint64(len(mem)) {
					(&machine{mem: mem}).fix(a, int(l), 9)
				}
			}
		}
		a, e := FindRSDP(mem)
		if e == ErrNone && a != 0xE0000 {
			t.Fatalf("RSDP at %#x", a)
		}
		tb, _ := Parse(mem, 0xE0000)
		if tb.NSigs > MaxTables || tb.MADT.NCPUs > MaxCPUs || tb.MADT.NIOAPICs > MaxIOAPICs || tb.MADT.NOverrides > MaxOverrides {
			t.Fatalf("counts past the arrays: %d %d %d %d", tb.NSigs, tb.MADT.NCPUs, tb.MADT.NIOAPICs, tb.MADT.NOverrides)
		}
		if tb.HasS5 && (tb.SLPTypA > 7 || tb.SLPTypB > 7) {
			t.Fatalf("S5 {%d, %d}", tb.SLPTypA, tb.SLPTypB)
		}
	})
}

// FuzzFindS5 runs the AML scanner over arbitrary byte code: it must not
// panic and may only return 3-bit values.
func FuzzFindS5(f *testing.F) {
	f.Add(s5([]byte{0x0A, 0x05}, []byte{0x0A, 0x05}))
	f.Add([]byte{0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x02, 0x0A, 0x03, 0x0A, 0x04})
	f.Add([]byte{0x08, '_', 'S', '5', '_', 0x12, 0xC0})
	f.Fuzz(func(t *testing.T, aml []byte) {
		a, b, ok := FindS5(aml)
		if ok && (a > 7 || b > 7) {
			t.Fatalf("FindS5 = %d, %d", a, b)
		}
		if !ok && (a != 0 || b != 0) {
			t.Fatalf("FindS5 = %d, %d with ok false", a, b)
		}
	})
}

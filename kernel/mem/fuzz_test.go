//go:build unix

package mem

import (
	"fmt"
	"sync"
	"testing"
)

// The fuzz target drives a page table with operations decoded from the
// input and checks each result, and the whole address space it can reach,
// against a model made of Go maps.
//
// Addresses come from a small universe so that operations collide: a few
// PML4 slots (both halves, plus non-canonical ones), two PDPT entries,
// four PD entries and eight pages in each, at byte offsets that are
// sometimes misaligned.

// fuzzRegions are the 512 GiB regions (PML4 slots) addresses are taken
// from; the last two are non-canonical.
var fuzzRegions = []uintptr{
	0,                     // slot 0: the program's half
	1 << 39,               // slot 1
	255 << 39,             // slot 255, top of the low half
	0xffff_8000_0000_0000, // slot 256, the direct map
	0xffff_ff80_0000_0000, // slot 511, kernel stacks
	0x0000_8000_0000_0000, // non-canonical: slot 256 without sign extension
	0x1234_0000_0000_0000, // non-canonical
}

const (
	fuzzCanonical = 5 // regions before this index are canonical
	fuzzPDPTs     = 2
	fuzzPDs       = 4
	fuzzPages     = 8
	fuzzMaxOps    = 400
	// Enough frames for every table the universe can need (1 + 5 PDPTs +
	// 10 PDs + 40 PTs), plus one PT per operation: a PT replaced by a
	// 2 MiB page is not freed.
	fuzzFrames = 1 + fuzzCanonical*(1+fuzzPDPTs*(1+fuzzPDs)) + fuzzMaxOps
)

// fuzzFlags are the leaf flags operations may set.
var fuzzFlags = []uint64{Writable, User, Accessed, Dirty, Global, NoExec, 1 << 9, 1 << 52}

type leaf struct {
	phys  uintptr
	flags uint64
}

// model is what the page table should hold.
type model struct {
	small map[uintptr]leaf // 4 KiB pages by virtual address
	huge  map[uintptr]leaf // 2 MiB pages by virtual address
	// Tables: PDPTs by PML4 slot base, PDs by 1 GiB base, PTs by 2 MiB
	// base (present while the PD entry points to a table).
	pdpt, pd, pt map[uintptr]bool
	tables       int // frames taken for tables, the PML4 included
}

func newModel() *model {
	return &model{
		small: map[uintptr]leaf{}, huge: map[uintptr]leaf{},
		pdpt: map[uintptr]bool{}, pd: map[uintptr]bool{}, pt: map[uintptr]bool{},
		tables: 1,
	}
}

// createPath records the PDPT and PD that a walk to virt creates.
func (m *model) createPath(virt uintptr) {
	for _, t := range []struct {
		set  map[uintptr]bool
		size uintptr
	}{{m.pdpt, 1 << 39}, {m.pd, 1 << 30}} {
		if k := virt &^ (t.size - 1); !t.set[k] {
			t.set[k] = true
			m.tables++
		}
	}
}

func (m *model) lookup(virt uintptr) (uintptr, uint64, bool) {
	if l, ok := m.huge[virt&^(HugePageSize-1)]; ok {
		return l.phys + virt&(HugePageSize-1), l.flags | Present | Huge, true
	}
	if l, ok := m.small[virt&^(PageSize-1)]; ok {
		return l.phys + virt&(PageSize-1), l.flags | Present, true
	}
	return 0, 0, false
}

// fuzzInput reads the operation stream.
type fuzzInput struct{ b []byte }

func (in *fuzzInput) byte() byte {
	if len(in.b) == 0 {
		return 0
	}
	c := in.b[0]
	in.b = in.b[1:]
	return c
}

// addr returns an address of the universe and whether it is canonical.
func (in *fuzzInput) addr() (uintptr, bool) {
	a, b := in.byte(), in.byte()
	r := int(a>>4) % len(fuzzRegions)
	v := fuzzRegions[r] +
		uintptr(a>>3&1)<<30 + // PDPT entry 0 or 1
		uintptr(a&3)<<21 + // PD entry 0..3
		uintptr(b&7)<<12 // page 0..7
	switch b >> 6 { // usually aligned
	case 1:
		v += uintptr(b>>3&7) * 0x111 // inside the page
	case 2:
		if b&0x20 != 0 {
			v &^= HugePageSize - 1 // 2 MiB-aligned
		}
	}
	return v, r < fuzzCanonical
}

func (in *fuzzInput) flags() uint64 {
	c := in.byte()
	var f uint64
	for i, fl := range fuzzFlags {
		if c&(1<<i) != 0 {
			f |= fl
		}
	}
	return f
}

// phys returns a physical address, 4 KiB-aligned unless the byte says
// otherwise, below 2^40; huge asks for 2 MiB alignment.
func (in *fuzzInput) phys(huge bool) uintptr {
	c, d := in.byte(), in.byte()
	p := (uintptr(c)<<8 | uintptr(d)) << 21 >> 1 // some 1 MiB multiple
	if !huge {
		p += uintptr(d&0xf) << 12
	}
	if c == 0xff {
		p += 8 // misaligned
	}
	return p
}

// fuzzArena is shared by all fuzz inputs (each starts with a fresh
// allocator over it) and never unmapped.
var fuzzArena = sync.OnceValues(func() (*arena, error) {
	return mapArena(fuzzFrames)
})

func FuzzPageTable(f *testing.F) {
	f.Add([]byte{})
	// Map, look up, unmap one page.
	f.Add([]byte{0, 0x00, 0x01, 3, 0x10, 0x00, 2, 0x00, 0x01, 4, 0x00, 0x01})
	// A 2 MiB page in the direct map, a 4 KiB page inside it (refused),
	// then one next to it.
	f.Add([]byte{1, 0x31, 0xa0, 0x07, 0x00, 0x12, 0, 0x31, 0x02, 0x01, 0x00, 0x10, 0, 0x32, 0x00, 0x41, 0x02, 0x00, 0x04, 0x32, 0x40})
	// Non-canonical and misaligned attempts.
	f.Add([]byte{0, 0x50, 0x00, 0, 0x00, 0, 0x60, 0x48, 0, 0, 0, 0, 0x00, 0x48, 0, 1, 0, 1, 0x00, 0x40, 1, 0x02, 0x00, 0xff, 0, 0})
	// SetFlags on pages in every slot.
	f.Add([]byte{0, 0x40, 0x03, 0xff, 0x01, 0x00, 3, 0x40, 0x03, 0x00, 0, 0x20, 0x07, 0x33, 0x44, 0x21, 3, 0x20, 0x07, 0x7f})

	a, err := fuzzArena()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fa := new(FrameAllocator)
		fa.Init(make([]uint64, BitmapWords(a.top())), a.top(), a.base())
		fa.Release(0, a.top())
		pt, ok := NewPageTable(fa)
		if !ok {
			t.Fatal("NewPageTable failed")
		}
		m := newModel()
		in := &fuzzInput{b: data}
		var log []string
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("after:\n\t%s\n%s", joinLines(log), fmt.Sprintf(format, args...))
		}
		checkAddr := func(v uintptr) {
			t.Helper()
			gp, gf, gok := pt.Lookup(v)
			wp, wf, wok := m.lookup(v)
			if gp != wp || gf != wf || gok != wok {
				fail("Lookup(%#x) = %#x, %#x, %v; model says %#x, %#x, %v", v, gp, gf, gok, wp, wf, wok)
			}
		}
		for ops := 0; len(in.b) > 0 && ops < fuzzMaxOps; ops++ {
			op := in.byte() % 5
			v, canon := in.addr()
			switch op {
			case 0: // Map
				p, fl := in.phys(false), in.flags()
				got := pt.Map(v, p, fl)
				want := MapOK
				switch {
				case v%PageSize != 0 || p%PageSize != 0:
					want = MapMisaligned
				case !canon:
					want = MapNonCanonical
				default:
					if _, ok := m.huge[v&^(HugePageSize-1)]; ok {
						want = MapHugeInTheWay
						break
					}
					m.createPath(v)
					if k := v &^ (HugePageSize - 1); !m.pt[k] {
						m.pt[k] = true
						m.tables++
					}
					m.small[v] = leaf{p, fl}
				}
				log = append(log, fmt.Sprintf("Map(%#x, %#x, %#x) = %v", v, p, fl, got))
				if got != want {
					fail("want %v", want)
				}
			case 1: // MapHuge
				p, fl := in.phys(true), in.flags()
				k := v &^ (HugePageSize - 1)
				if m.pt[k] && v%HugePageSize == 0 && p%HugePageSize == 0 && canon {
					// A 2 MiB page over a page table is outside
					// the contract (MapHuge drops the table and
					// its mappings without freeing the frame);
					// the kernel never does it.
					continue
				}
				got := pt.MapHuge(v, p, fl)
				want := MapOK
				switch {
				case v%HugePageSize != 0 || p%HugePageSize != 0:
					want = MapMisaligned
				case !canon:
					want = MapNonCanonical
				default:
					m.createPath(v)
					m.huge[v] = leaf{p, fl}
				}
				log = append(log, fmt.Sprintf("MapHuge(%#x, %#x, %#x) = %v", v, p, fl, got))
				if got != want {
					fail("want %v", want)
				}
			case 2: // Unmap
				gp, gok := pt.Unmap(v)
				log = append(log, fmt.Sprintf("Unmap(%#x) = %#x, %v", v, gp, gok))
				var wp uintptr
				wok := false
				if _, huge := m.huge[v&^(HugePageSize-1)]; !huge && canon {
					if l, ok := m.small[v&^(PageSize-1)]; ok {
						wp, wok = l.phys, true
						delete(m.small, v&^(PageSize-1))
					}
				}
				if gp != wp || gok != wok {
					fail("want %#x, %v", wp, wok)
				}
			case 3: // SetFlags
				fl := in.flags()
				got := pt.SetFlags(v, fl)
				log = append(log, fmt.Sprintf("SetFlags(%#x, %#x) = %v", v, fl, got))
				want := false
				if _, huge := m.huge[v&^(HugePageSize-1)]; !huge && canon {
					if l, ok := m.small[v&^(PageSize-1)]; ok {
						want = true
						m.small[v&^(PageSize-1)] = leaf{l.phys, fl}
					}
				}
				if got != want {
					fail("want %v", want)
				}
			case 4: // Lookup
				log = append(log, fmt.Sprintf("Lookup(%#x)", v))
			}
			checkAddr(v)
			if fa.Free() != a.frames-m.tables {
				fail("%d frames free; the model's %d tables leave %d", fa.Free(), m.tables, a.frames-m.tables)
			}
		}
		// The whole universe, every page and a byte inside it.
		for _, r := range fuzzRegions {
			for i := range uintptr(fuzzPDPTs * fuzzPDs * fuzzPages) {
				v := r + (i/(fuzzPDs*fuzzPages))<<30 + (i/fuzzPages%fuzzPDs)<<21 + (i%fuzzPages)<<12
				checkAddr(v)
				checkAddr(v + 0x7ff)
			}
		}
	})
}

func joinLines(l []string) string {
	if len(l) > 20 {
		l = append([]string{fmt.Sprintf("(%d earlier operations)", len(l)-20)}, l[len(l)-20:]...)
	}
	s := ""
	for i, x := range l {
		if i > 0 {
			s += "\n\t"
		}
		s += x
	}
	return s
}

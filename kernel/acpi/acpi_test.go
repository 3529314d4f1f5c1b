package acpi

import (
	"encoding/binary"
	"testing"

	"github.com/gobare/gobare/kernel/multiboot"
)

// TestQEMUTables reads the tables QEMU's SeaBIOS built (see dump_test.go)
// and checks them against what QEMU's machines are documented to have: the
// PIIX4/ICH9 power-management block at 0x600 (PM1a_CNT 0x604, PM timer
// 0x608), the CMOS century at index 0x32, the local APIC at 0xFEE00000, an
// I/O APIC at 0xFEC00000 serving GSI 0 up, ISA IRQ 0 routed to GSI 2, the
// HPET at 0xFED00000, \_S5_ = {0, 0} (QEMU powers off on SLP_TYP 0), and on
// q35 the reset register at I/O port 0xCF9.
func TestQEMUTables(t *testing.T) {
	for _, tc := range []struct {
		file      string
		resetPort uint64 // 0: no reset register (the pc machine's FADT is ACPI 1.0)
	}{
		{"testdata/qemu-pc.tables", 0},
		{"testdata/qemu-q35.tables", 0xCF9},
	} {
		t.Run(tc.file, func(t *testing.T) {
			mem := loadDump(t, tc.file)
			a, e := FindRSDP(mem)
			if e != ErrNone {
				t.Fatalf("FindRSDP: %v", e)
			}
			if a < 0xE0000 || a >= 0x100000 || a%16 != 0 {
				t.Errorf("RSDP at %#x, want a 16-byte boundary in the BIOS area", a)
			}
			tb, e := Parse(mem, a)
			if e != ErrNone {
				t.Fatalf("Parse: %v", e)
			}
			if string(tb.OEMID[:]) != "BOCHS " {
				t.Errorf("OEM ID %q", tb.OEMID)
			}
			if !tb.HasFADT || !tb.HasMADT || !tb.HasHPET || !tb.HasS5 || tb.Skipped != 0 {
				t.Fatalf("FADT %v MADT %v HPET %v S5 %v, %d skipped", tb.HasFADT, tb.HasMADT, tb.HasHPET, tb.HasS5, tb.Skipped)
			}
			f := tb.FADT
			if f.PM1aCnt != (GAS{Space: SpaceIO, BitWidth: 16, Addr: 0x604}) || f.PM1bCnt.Addr != 0 {
				t.Errorf("PM1a_CNT %+v PM1b_CNT %+v", f.PM1aCnt, f.PM1bCnt)
			}
			if f.PMTimer.Space != SpaceIO || f.PMTimer.Addr != 0x608 {
				t.Errorf("PM timer %+v", f.PMTimer)
			}
			if f.Century != 0x32 || f.SCIInt != 9 {
				t.Errorf("century %#x SCI %d", f.Century, f.SCIInt)
			}
			if tc.resetPort == 0 && f.ResetUsable {
				t.Errorf("reset register %+v in an ACPI 1.0 FADT", f.Reset)
			}
			if tc.resetPort != 0 && (!f.ResetUsable || f.Reset.Space != SpaceIO || f.Reset.Addr != tc.resetPort) {
				t.Errorf("reset register %+v usable %v, want I/O %#x", f.Reset, f.ResetUsable, tc.resetPort)
			}
			if !checkTable(mem, f.DSDT, "DSDT") {
				t.Errorf("DSDT at %#x is not valid", f.DSDT)
			}
			m := tb.MADT
			if m.LocalAPIC != 0xFEE00000 || m.NCPUs != 1 || m.CPUs[0].Flags&1 == 0 || m.BadEntry {
				t.Errorf("MADT: local APIC %#x, %d CPUs %v, bad %v", m.LocalAPIC, m.NCPUs, m.CPUs[:m.NCPUs], m.BadEntry)
			}
			if m.NIOAPICs != 1 || m.IOAPICs[0].Addr != 0xFEC00000 || m.IOAPICs[0].GSIBase != 0 {
				t.Errorf("I/O APICs %v", m.IOAPICs[:m.NIOAPICs])
			}
			if m.NOverrides == 0 || m.Overrides[0].Source != 0 || m.Overrides[0].GSI != 2 {
				t.Errorf("overrides %v: want ISA IRQ 0 on GSI 2 first", m.Overrides[:m.NOverrides])
			}
			if tb.HPET.Space != SpaceMemory || tb.HPET.Addr != 0xFED00000 {
				t.Errorf("HPET %+v", tb.HPET)
			}
			if tb.SLPTypA != 0 || tb.SLPTypB != 0 {
				t.Errorf("_S5_ = {%d, %d}, want {0, 0}", tb.SLPTypA, tb.SLPTypB)
			}
		})
	}
}

// machine builds ACPI tables in a fake physical memory for tests.
type machine struct {
	mem  []byte
	next uint64
}

func newMachine() *machine { return &machine{mem: make([]byte, 2<<20), next: 0x100000} }

func (m *machine) alloc(n int) uint64 {
	m.next = (m.next + 15) &^ 15
	a := m.next
	m.next += uint64(n)
	return a
}

// fix sets the checksum byte at a+off so that n bytes from a sum to 0.
func (m *machine) fix(a uint64, n int, off int) {
	m.mem[a+uint64(off)] = 0
	var s byte
	for _, b := range m.mem[a : a+uint64(n)] {
		s += b
	}
	m.mem[a+uint64(off)] = -s
}

// table places a table with the given signature and body.
func (m *machine) table(sig string, rev byte, body []byte) uint64 {
	n := 36 + len(body)
	a := m.alloc(n)
	copy(m.mem[a:], sig)
	binary.LittleEndian.PutUint32(m.mem[a+4:], uint32(n))
	m.mem[a+8] = rev
	copy(m.mem[a+10:], "GOBARE")
	copy(m.mem[a+36:], body)
	m.fix(a, n, 9)
	return a
}

// root places an RSDT (entry 4) or XSDT (entry 8) listing tables.
func (m *machine) root(xsdt bool, tables ...uint64) uint64 {
	var body []byte
	for _, t := range tables {
		if xsdt {
			body = binary.LittleEndian.AppendUint64(body, t)
		} else {
			body = binary.LittleEndian.AppendUint32(body, uint32(t))
		}
	}
	if xsdt {
		return m.table("XSDT", 1, body)
	}
	return m.table("RSDT", 1, body)
}

// rsdp places an RSDP at a (revision 0 if xsdt is 0, else 2).
func (m *machine) rsdp(a uint64, rsdt uint32, xsdt uint64) {
	copy(m.mem[a:], "RSD PTR ")
	copy(m.mem[a+9:], "GOBARE")
	binary.LittleEndian.PutUint32(m.mem[a+16:], rsdt)
	if xsdt != 0 {
		m.mem[a+15] = 2
		binary.LittleEndian.PutUint32(m.mem[a+20:], 36)
		binary.LittleEndian.PutUint64(m.mem[a+24:], xsdt)
	}
	m.fix(a, 20, 8)
	if xsdt != 0 {
		m.fix(a, 36, 32) // the extended checksum covers the first one too
	}
}

// fadt makes an FADT body of n bytes (116 for ACPI 1.0, 276 for 6.x).
func fadt(n int, dsdt uint32, pm1a, pm1b uint32, flags uint32) []byte {
	b := make([]byte, n-36)
	le := binary.LittleEndian
	le.PutUint32(b[40-36:], dsdt)
	le.PutUint32(b[64-36:], pm1a)
	le.PutUint32(b[68-36:], pm1b)
	le.PutUint32(b[76-36:], 0xB008)
	b[89-36] = 2
	b[91-36] = 4
	b[108-36] = 0x32
	le.PutUint32(b[112-36:], flags)
	if n >= 129 {
		// RESET_REG: I/O port 0xCF9, 8 bits; RESET_VALUE 6.
		b[116-36] = SpaceIO
		b[117-36] = 8
		le.PutUint64(b[120-36:], 0xCF9)
		b[128-36] = 6
	}
	return b
}

// s5 is the AML of Name (\_S5, Package (4) { a, b, Zero, Zero }) with a
// and b as the given encodings, surrounded by other byte code.
func s5(a, b []byte) []byte {
	aml := []byte{0x10, 0x05, '_', 'S', 'B', '_'} // a Scope before it
	pkg := append([]byte{4}, a...)
	pkg = append(pkg, b...)
	pkg = append(pkg, 0x00, 0x00)
	aml = append(aml, 0x08, '\\', '_', 'S', '5', '_', 0x12, byte(len(pkg)+1))
	aml = append(aml, pkg...)
	return append(aml, 0x14, 0x08, '_', 'P', 'T', 'S', 0x01, 0x70, 0x0A, 0x05) // and a method after
}

func TestSyntheticRSDTInEBDA(t *testing.T) {
	m := newMachine()
	dsdt := m.table("DSDT", 2, s5([]byte{0x0A, 0x05}, []byte{0x0A, 0x05}))
	f := m.table("FACP", 1, fadt(116, uint32(dsdt), 0x404, 0, FlagResetRegSup))
	root := m.root(false, f)
	// The EBDA at segment 0x9FC0 (the BDA's word at 0x40E), RSDP 0x40 in.
	binary.LittleEndian.PutUint16(m.mem[0x40E:], 0x9FC0)
	m.rsdp(0x9FC40, uint32(root), 0)
	a, e := FindRSDP(m.mem)
	if e != ErrNone || a != 0x9FC40 {
		t.Fatalf("FindRSDP = %#x, %v", a, e)
	}
	tb, e := Parse(m.mem, a)
	if e != ErrNone {
		t.Fatal(e)
	}
	if tb.XSDT || !tb.HasFADT || tb.HasMADT || tb.HasHPET {
		t.Fatalf("%+v", tb)
	}
	if !tb.HasS5 || tb.SLPTypA != 5 || tb.SLPTypB != 5 {
		t.Errorf("S5 %v {%d, %d}, want {5, 5}", tb.HasS5, tb.SLPTypA, tb.SLPTypB)
	}
	if tb.FADT.PM1aCnt.Addr != 0x404 || tb.FADT.PMTimer.Addr != 0xB008 || tb.FADT.PMTimer.BitWidth != 32 {
		t.Errorf("FADT %+v", tb.FADT)
	}
	// An ACPI 1.0 FADT is too short for RESET_REG, whatever its flags say.
	if tb.FADT.ResetUsable {
		t.Errorf("reset register from a 116-byte FADT: %+v", tb.FADT.Reset)
	}
}

func TestSyntheticXSDT(t *testing.T) {
	m := newMachine()
	dsdt := m.table("DSDT", 2, []byte{0x10, 0x00}) // no _S5_
	ssdt := m.table("SSDT", 2, s5([]byte{0x01}, []byte{0x0B, 0x07, 0x00}))
	f := m.table("FACP", 6, fadt(276, uint32(dsdt), 0x1804, 0x1904, FlagResetRegSup|FlagTmrValExt))
	// MADT: local APIC at 0xFEE00000, then a local APIC, an x2APIC, an
	// I/O APIC, an override, an NMI entry to skip, and an address override.
	var madt []byte
	madt = binary.LittleEndian.AppendUint32(madt, 0xFEE00000)
	madt = binary.LittleEndian.AppendUint32(madt, 1)
	madt = append(madt, 0, 8, 1, 0, 1, 0, 0, 0)
	madt = append(madt, 9, 16, 0, 0, 0x00, 0x01, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0)
	madt = append(madt, 1, 12, 2, 0, 0, 0, 0xC0, 0xFE, 0, 0, 0, 0)
	madt = append(madt, 2, 10, 0, 0, 2, 0, 0, 0, 0, 0)
	madt = append(madt, 4, 6, 0xFF, 5, 0, 1)
	madt = append(madt, 5, 12, 0, 0, 0, 0, 0xE0, 0xFE, 1, 0, 0, 0)
	apic := m.table("APIC", 5, madt)
	hpetBody := make([]byte, 20)
	hpetBody[4] = SpaceMemory
	binary.LittleEndian.PutUint64(hpetBody[8:], 0xFED00000)
	hpet := m.table("HPET", 1, hpetBody)
	bad := m.table("BAD!", 1, []byte{1, 2, 3})
	m.mem[bad+37]++ // breaks its checksum
	xsdt := m.root(true, f, apic, hpet, ssdt, bad, 0x7FFFFFFF_00000000)
	rsdt := m.root(false, f) // an RSDT with less in it, which must not be used
	m.rsdp(0xE1230, uint32(rsdt), xsdt)

	a, e := FindRSDP(m.mem)
	if e != ErrNone || a != 0xE1230 {
		t.Fatalf("FindRSDP = %#x, %v", a, e)
	}
	tb, e := Parse(m.mem, a)
	if e != ErrNone {
		t.Fatal(e)
	}
	if !tb.XSDT || tb.Root != xsdt || tb.Revision != 2 {
		t.Fatalf("root %#x XSDT %v revision %d", tb.Root, tb.XSDT, tb.Revision)
	}
	if tb.NSigs != 4 || tb.Skipped != 2 {
		t.Errorf("%d tables, %d skipped; want 4 and 2 (a bad checksum, an address outside memory)", tb.NSigs, tb.Skipped)
	}
	f6 := tb.FADT
	if f6.PM1aCnt.Addr != 0x1804 || f6.PM1bCnt.Addr != 0x1904 || !f6.PMTimer32 {
		t.Errorf("FADT %+v", f6)
	}
	if !f6.ResetUsable || f6.Reset.Addr != 0xCF9 || f6.ResetValue != 6 {
		t.Errorf("reset %+v %d %v", f6.Reset, f6.ResetValue, f6.ResetUsable)
	}
	if !tb.HasS5 || tb.SLPTypA != 1 || tb.SLPTypB != 7 {
		t.Errorf("S5 from the SSDT: %v {%d, %d}, want {1, 7}", tb.HasS5, tb.SLPTypA, tb.SLPTypB)
	}
	md := tb.MADT
	if md.LocalAPIC != 0x1FEE00000 {
		t.Errorf("local APIC %#x: the type 5 override was not applied", md.LocalAPIC)
	}
	if md.NCPUs != 2 || md.CPUs[1] != (CPU{UID: 7, APICID: 0x100, Flags: 1, X2APIC: true}) || md.CPUs[0].APICID != 0 || md.CPUs[0].UID != 1 {
		t.Errorf("CPUs %+v", md.CPUs[:md.NCPUs])
	}
	if md.NIOAPICs != 1 || md.IOAPICs[0] != (IOAPIC{ID: 2, Addr: 0xFEC00000}) {
		t.Errorf("I/O APICs %+v", md.IOAPICs[:md.NIOAPICs])
	}
	if md.NOverrides != 1 || md.Overrides[0] != (Override{Source: 0, GSI: 2}) || md.BadEntry {
		t.Errorf("overrides %+v bad %v", md.Overrides[:md.NOverrides], md.BadEntry)
	}
	if !tb.HasHPET || tb.HPET.Addr != 0xFED00000 {
		t.Errorf("HPET %+v", tb.HPET)
	}

	// A broken XSDT: the RSDT is used instead.
	m.mem[xsdt+9]++
	tb, e = Parse(m.mem, a)
	if e != ErrNone || tb.XSDT || tb.Root != rsdt || tb.HasMADT {
		t.Errorf("with a bad XSDT: %v, root %#x XSDT %v", e, tb.Root, tb.XSDT)
	}
}

func TestRSDPErrors(t *testing.T) {
	m := newMachine()
	if _, e := FindRSDP(m.mem); e != ErrNoRSDP {
		t.Errorf("empty memory: %v", e)
	}
	m.rsdp(0xE0000, 0x100000, 0)
	m.mem[0xE0000+8]++ // checksum
	if _, e := FindRSDP(m.mem); e != ErrNoRSDP {
		t.Errorf("bad checksum: %v", e)
	}
	m.mem[0xE0000+8]--
	if _, e := Parse(m.mem, 0xE0000); e != ErrRootRange {
		t.Errorf("RSDT with no table: %v", e)
	}
	if _, e := Parse(m.mem[:0xE0010], 0xE0000); e != ErrRSDPRange {
		t.Errorf("RSDP cut by the end of memory: %v", e)
	}
	// A RSDT with a wrong checksum.
	r := m.root(false)
	m.mem[r+20]++
	m.rsdp(0xE0000, uint32(r), 0)
	if _, e := Parse(m.mem, 0xE0000); e != ErrRootChecksum {
		t.Errorf("bad RSDT checksum: %v", e)
	}
	// Memory smaller than the BIOS area and the BDA.
	if _, e := FindRSDP(make([]byte, 0x100)); e != ErrNoRSDP {
		t.Errorf("tiny memory: %v", e)
	}
}

func TestMADTBadEntry(t *testing.T) {
	m := newMachine()
	body := []byte{0, 0, 0xE0, 0xFE, 1, 0, 0, 0, 0, 8, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0}
	apic := m.table("APIC", 1, body) // a zero-length entry after one CPU
	var md MADT
	parseMADT(m.mem, apic, &md)
	if !md.BadEntry || md.NCPUs != 1 {
		t.Errorf("bad %v, %d CPUs", md.BadEntry, md.NCPUs)
	}
}

func TestFindS5(t *testing.T) {
	for _, tc := range []struct {
		name   string
		aml    []byte
		a, b   uint8
		wantOK bool
	}{
		{"zero zero", s5([]byte{0x00}, []byte{0x00}), 0, 0, true},
		{"bytes", s5([]byte{0x0A, 7}, []byte{0x0A, 6}), 7, 6, true},
		{"one word", s5([]byte{0x01}, []byte{0x0B, 5, 0}), 1, 5, true},
		{"dword qword", s5([]byte{0x0C, 3, 0, 0, 0}, []byte{0x0E, 2, 0, 0, 0, 0, 0, 0, 0}), 3, 2, true},
		{"no root prefix", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0A, 0x05, 0x0A, 0x05, 0, 0}, 5, 5, true},
		{"two-byte PkgLength", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x02, 0x0A, 0x03, 0x0A, 0x04}, 3, 4, true},
		{"one element", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x0A, 0x02}, 2, 2, true},
		{"a method", []byte{0x14, 0x0A, '_', 'S', '5', '_', 0x00, 0xA4, 0x12, 0x04, 0x02, 0x00, 0x00}, 0, 0, false},
		{"a reference, then the name", []byte{0x70, '_', 'S', '5', '_', 0x60, 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x0A, 0x05, 0x00}, 5, 0, true},
		{"too large", s5([]byte{0x0A, 8}, []byte{0x00}), 0, 0, false},
		{"ones", s5([]byte{0xFF}, []byte{0x00}), 0, 0, false},
		{"truncated", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0A}, 0, 0, false},
		{"truncated word", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0B, 0x01}, 0, 0, false},
		{"empty package", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x01, 0x00}, 0, 0, false},
		{"nothing", []byte("_S5"), 0, 0, false},
	} {
		a, b, ok := FindS5(tc.aml)
		if ok != tc.wantOK || (ok && (a != tc.a || b != tc.b)) {
			t.Errorf("%s: FindS5 = %d, %d, %v; want %d, %d, %v", tc.name, a, b, ok, tc.a, tc.b, tc.wantOK)
		}
	}
}

// TestInitUEFI: with no RSDP in the BIOS areas (a UEFI machine), Init finds
// it in a region the memory map marks as ACPI memory, and not in RAM.
func TestInitUEFI(t *testing.T) {
	m := newMachine()
	dsdt := m.table("DSDT", 2, s5([]byte{0x0A, 0x05}, []byte{0x0A, 0x05}))
	f := m.table("FACP", 1, fadt(116, uint32(dsdt), 0x404, 0, 0))
	root := m.root(false, f)
	inRAM := m.alloc(36)
	m.rsdp(inRAM, uint32(root), 0)
	var info multiboot.Info
	info.Regions[0] = multiboot.Region{Base: 0, Length: inRAM + 64, Type: multiboot.RegionUsable}
	info.NRegions = 1
	Found = false
	if e := Init(m.mem, &info); e != ErrNoRSDP || Found {
		t.Fatalf("an RSDP in usable RAM was taken: %v", e)
	}
	m.next = 0x180000 // a page of its own
	inACPI := m.alloc(36)
	m.rsdp(inACPI, uint32(root), 0)
	info.Regions[1] = multiboot.Region{Base: inACPI &^ 0xFFF, Length: 0x1000, Type: multiboot.RegionACPINVS}
	info.Regions[2] = multiboot.Region{Base: 1 << 40, Length: 0x1000, Type: multiboot.RegionACPIReclaimable} // outside memory
	info.NRegions = 3
	if e := Init(m.mem, &info); e != ErrNone || !Found || Machine.RSDP != inACPI || !Machine.HasS5 || Machine.SLPTypA != 5 {
		t.Fatalf("Init = %v, found %v, RSDP %#x (want %#x), S5 %v", e, Found, Machine.RSDP, inACPI, Machine.HasS5)
	}
}

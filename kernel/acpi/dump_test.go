package acpi

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"sort"
	"testing"
)

// Real tables: testdata/qemu-*.tables hold the ACPI tables QEMU 7.2's
// SeaBIOS built for `-M pc -m 32` and `-M q35 -m 32`, cut out of a
// physical memory dump (the monitor's pmemsave) by TestExtractTables. A
// dump file is a list of records: u64 physical address, u32 length, bytes.

// dumpMemSize is the guest RAM the dumps were taken with.
const dumpMemSize = 32 << 20

// loadDump rebuilds a physical memory from a testdata dump.
func loadDump(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	mem := make([]byte, dumpMemSize)
	for len(b) > 0 {
		if len(b) < 12 {
			t.Fatalf("%s: truncated record", name)
		}
		addr := binary.LittleEndian.Uint64(b)
		n := binary.LittleEndian.Uint32(b[8:])
		b = b[12:]
		if uint64(len(b)) < uint64(n) || addr+uint64(n) > dumpMemSize {
			t.Fatalf("%s: bad record at %#x+%d", name, addr, n)
		}
		copy(mem[addr:], b[:n])
		b = b[n:]
	}
	return mem
}

// TestExtractTables writes a testdata dump from a full memory image. It
// runs only when GOBARE_ACPI_DUMP=MEMFILE:OUTFILE is set, e.g. after
//
//	(sleep 4; echo 'pmemsave 0 0x2000000 "/tmp/pc.mem"'; sleep 3; echo quit) |
//	  qemu-system-x86_64 -M pc -m 32 -display none -monitor stdio -net none
func TestExtractTables(t *testing.T) {
	spec := os.Getenv("GOBARE_ACPI_DUMP")
	if spec == "" {
		t.Skip("set GOBARE_ACPI_DUMP=MEMFILE:OUTFILE to extract tables from a memory dump")
	}
	in, out, _ := bytes.Cut([]byte(spec), []byte(":"))
	mem, err := os.ReadFile(string(in))
	if err != nil {
		t.Fatal(err)
	}
	type rec struct{ addr, n uint64 }
	var recs []rec
	// The BIOS data area's EBDA pointer and the EBDA's first KiB: where
	// FindRSDP looks first.
	recs = append(recs, rec{0x40E, 2})
	if seg := binary.LittleEndian.Uint16(mem[0x40E:]); seg != 0 {
		recs = append(recs, rec{uint64(seg) << 4, 1024})
	}
	rsdp, e := FindRSDP(mem)
	if e != ErrNone {
		t.Fatal(e)
	}
	recs = append(recs, rec{rsdp, 36})
	tb, e := Parse(mem, rsdp)
	if e != ErrNone {
		t.Fatal(e)
	}
	tableLen := func(a uint64) uint64 { return uint64(binary.LittleEndian.Uint32(mem[a+4:])) }
	recs = append(recs, rec{tb.Root, tableLen(tb.Root)})
	entry := uint64(4)
	if tb.XSDT {
		entry = 8
	}
	for p := tb.Root + 36; p < tb.Root+tableLen(tb.Root); p += entry {
		a := uint64(binary.LittleEndian.Uint32(mem[p:]))
		if entry == 8 {
			a = binary.LittleEndian.Uint64(mem[p:])
		}
		recs = append(recs, rec{a, tableLen(a)})
	}
	if tb.HasFADT {
		recs = append(recs, rec{tb.FADT.DSDT, tableLen(tb.FADT.DSDT)})
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].addr < recs[j].addr })
	var w bytes.Buffer
	for _, r := range recs {
		binary.Write(&w, binary.LittleEndian, r.addr)
		binary.Write(&w, binary.LittleEndian, uint32(r.n))
		w.Write(mem[r.addr : r.addr+r.n])
	}
	if err := os.WriteFile(string(out), w.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%s: %d records, %d bytes\n", out, len(recs), w.Len())
}

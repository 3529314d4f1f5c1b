package multiboot

import (
	"bytes"
	"testing"
	"unsafe"
)

func TestQEMULike(t *testing.T) {
	mem, infoAddr, module := qemuLike()
	in, e := Parse(mem, infoAddr)
	if e != ErrNone {
		t.Fatalf("Parse: %v", e)
	}
	if in.Flags != FlagMem|FlagBootDevice|FlagCmdline|FlagMods|FlagMmap|FlagBootloaderName {
		t.Errorf("Flags = %#x", in.Flags)
	}
	if in.MemLowerKiB != 639 || in.MemUpperKiB != 130944 {
		t.Errorf("mem = %d/%d KiB, want 639/130944", in.MemLowerKiB, in.MemUpperKiB)
	}
	if string(in.Cmdline) != "console=ttyS0 trace" {
		t.Errorf("Cmdline = %q", in.Cmdline)
	}
	if string(in.BootloaderName) != "qemu" {
		t.Errorf("BootloaderName = %q", in.BootloaderName)
	}
	if in.NModules != 1 || in.ModulesDropped != 0 {
		t.Fatalf("NModules = %d (dropped %d), want 1", in.NModules, in.ModulesDropped)
	}
	m := in.Modules[0]
	if string(m.String) != "prog arg1 arg2" {
		t.Errorf("module string = %q", m.String)
	}
	if got := mem[m.Start:m.End]; !bytes.Equal(got, module) {
		t.Errorf("module bytes = %q, want %q", got, module)
	}
	if in.NRegions != len(qemuRegions) || in.RegionsDropped != 0 {
		t.Fatalf("NRegions = %d (dropped %d), want %d", in.NRegions, in.RegionsDropped, len(qemuRegions))
	}
	for i, r := range qemuRegions {
		if in.Regions[i] != r {
			t.Errorf("Regions[%d] = %+v, want %+v", i, in.Regions[i], r)
		}
	}
	if top := in.UsableRAMTop(); top != 0x7fe0000 {
		t.Errorf("UsableRAMTop = %#x, want 0x7fe0000", top)
	}
	checkInvariants(t, mem, &in)
}

func TestCheckMagic(t *testing.T) {
	if e := CheckMagic(BootloaderMagic); e != ErrNone {
		t.Errorf("CheckMagic(good) = %v", e)
	}
	if e := CheckMagic(0x36d76289); e != ErrMagic { // the Multiboot 2 magic
		t.Errorf("CheckMagic(mb2) = %v, want ErrMagic", e)
	}
}

func TestNoFlags(t *testing.T) {
	b := newBuilder(4096, 0x100)
	a := b.info(infoFields{cmdline: 0xdeadbeef, mmapAddr: 0xffffffff, mmapLength: 100})
	in, e := Parse(b.mem, a)
	if e != ErrNone {
		t.Fatalf("Parse: %v", e)
	}
	if in.Cmdline != nil || in.BootloaderName != nil || in.NModules != 0 || in.NRegions != 0 {
		t.Errorf("fields without flags were read: %+v", in)
	}
	if top := in.UsableRAMTop(); top != 0 {
		t.Errorf("UsableRAMTop = %#x, want 0", top)
	}
}

func TestUsableRAMTopFromMemUpper(t *testing.T) {
	b := newBuilder(4096, 0x100)
	a := b.info(infoFields{flags: FlagMem, memLower: 639, memUpper: 31 << 10})
	in, e := Parse(b.mem, a)
	if e != ErrNone {
		t.Fatalf("Parse: %v", e)
	}
	if top := in.UsableRAMTop(); top != 32<<20 {
		t.Errorf("UsableRAMTop = %#x, want 32 MiB", top)
	}
}

func TestEmptyAndAbsentStrings(t *testing.T) {
	b := newBuilder(4096, 0x100)
	empty := b.str("")
	start, end := b.blob([]byte("x"))
	table := b.mods([]mod{{start, end, 0}})
	a := b.info(infoFields{flags: FlagCmdline | FlagMods, cmdline: empty, modsCount: 1, modsAddr: table})
	in, e := Parse(b.mem, a)
	if e != ErrNone {
		t.Fatalf("Parse: %v", e)
	}
	if in.Cmdline == nil || len(in.Cmdline) != 0 {
		t.Errorf("empty command line = %#v, want empty and non-nil", in.Cmdline)
	}
	if in.Modules[0].String != nil {
		t.Errorf("module string at address 0 = %q, want nil", in.Modules[0].String)
	}
	checkInvariants(t, b.mem, &in) // the empty command line still points at its NUL
}

func TestOddEntrySize(t *testing.T) {
	// A size of 21 is legal: the spec only sets a minimum of 20. The next
	// entry starts 25 bytes on, unaligned.
	b := newBuilder(4096, 0x100)
	addr, length := b.mmap(21, qemuRegions[:3])
	a := b.info(infoFields{flags: FlagMmap, mmapAddr: addr, mmapLength: length})
	in, e := Parse(b.mem, a)
	if e != ErrNone {
		t.Fatalf("Parse: %v", e)
	}
	if in.NRegions != 3 || in.Regions[2] != qemuRegions[2] {
		t.Errorf("got %d regions, last %+v", in.NRegions, in.Regions[in.NRegions-1])
	}
}

func TestTooMany(t *testing.T) {
	b := newBuilder(16<<10, 0x100)
	var rs []Region
	for i := 0; i < MaxRegions+6; i++ {
		rs = append(rs, Region{Base: uint64(i) << 20, Length: 1 << 20, Type: RegionUsable})
	}
	addr, length := b.mmap(20, rs)
	var ms []mod
	for i := 0; i < MaxModules+4; i++ {
		s, e := b.blob([]byte{byte(i)})
		ms = append(ms, mod{s, e, b.str("m")})
	}
	table := b.mods(ms)
	a := b.info(infoFields{flags: FlagMmap | FlagMods, mmapAddr: addr, mmapLength: length,
		modsCount: uint32(len(ms)), modsAddr: table})
	in, e := Parse(b.mem, a)
	if e != ErrNone {
		t.Fatalf("Parse: %v", e)
	}
	if in.NRegions != MaxRegions || in.RegionsDropped != 6 {
		t.Errorf("NRegions = %d, dropped %d; want %d, 6", in.NRegions, in.RegionsDropped, MaxRegions)
	}
	if in.NModules != MaxModules || in.ModulesDropped != 4 {
		t.Errorf("NModules = %d, dropped %d; want %d, 4", in.NModules, in.ModulesDropped, MaxModules)
	}
	// Only the kept regions count.
	if top := in.UsableRAMTop(); top != MaxRegions<<20 {
		t.Errorf("UsableRAMTop = %#x, want %#x", top, MaxRegions<<20)
	}
	checkInvariants(t, b.mem, &in)
}

func TestErrors(t *testing.T) {
	type tc struct {
		name  string
		build func(b *builder) uint32 // returns infoAddr
		want  Err
	}
	good := func(b *builder) (mod, uint32, uint32) {
		s, e := b.blob([]byte("module"))
		addr, length := b.mmap(20, qemuRegions)
		return mod{s, e, b.str("prog")}, addr, length
	}
	tests := []tc{
		{"info past end", func(b *builder) uint32 { return uint32(len(b.mem) - 2) }, ErrInfoRange},
		{"info far past end", func(b *builder) uint32 { return 0xfffffffc }, ErrInfoRange},
		{"mem fields past end", func(b *builder) uint32 {
			a := uint32(len(b.mem) - 6)
			b.put32(a, FlagMem)
			return a
		}, ErrInfoRange},
		{"name field past end", func(b *builder) uint32 {
			a := uint32(len(b.mem) - 40)
			b.put32(a, FlagBootloaderName)
			return a
		}, ErrInfoRange},
		{"cmdline outside", func(b *builder) uint32 {
			return b.info(infoFields{flags: FlagCmdline, cmdline: uint32(len(b.mem))})
		}, ErrCmdline},
		{"cmdline unterminated", func(b *builder) uint32 {
			a := b.info(infoFields{flags: FlagCmdline, cmdline: uint32(len(b.mem) - 3)})
			copy(b.mem[len(b.mem)-3:], "abc")
			return a
		}, ErrCmdline},
		{"cmdline too long", func(b *builder) uint32 {
			s := b.str(string(bytes.Repeat([]byte{'a'}, MaxString)))
			return b.info(infoFields{flags: FlagCmdline, cmdline: s})
		}, ErrCmdline},
		{"name outside", func(b *builder) uint32 {
			return b.info(infoFields{flags: FlagBootloaderName, bootloaderName: 0xffffffff})
		}, ErrBootloaderName},
		{"mods table outside", func(b *builder) uint32 {
			return b.info(infoFields{flags: FlagMods, modsCount: 2, modsAddr: uint32(len(b.mem) - 16)})
		}, ErrModsRange},
		{"mods count huge", func(b *builder) uint32 {
			return b.info(infoFields{flags: FlagMods, modsCount: 0xffffffff, modsAddr: 0x100})
		}, ErrModsRange},
		{"module end before start", func(b *builder) uint32 {
			m, _, _ := good(b)
			m.start, m.end = m.end, m.start
			return b.info(infoFields{flags: FlagMods, modsCount: 1, modsAddr: b.mods([]mod{m})})
		}, ErrModuleRange},
		{"module outside", func(b *builder) uint32 {
			m, _, _ := good(b)
			m.end = uint32(len(b.mem) + 1)
			return b.info(infoFields{flags: FlagMods, modsCount: 1, modsAddr: b.mods([]mod{m})})
		}, ErrModuleRange},
		{"module string outside", func(b *builder) uint32 {
			m, _, _ := good(b)
			m.str = 0x80000000
			return b.info(infoFields{flags: FlagMods, modsCount: 1, modsAddr: b.mods([]mod{m})})
		}, ErrModuleString},
		{"mmap outside", func(b *builder) uint32 {
			_, addr, length := good(b)
			return b.info(infoFields{flags: FlagMmap, mmapAddr: addr, mmapLength: length + uint32(len(b.mem))})
		}, ErrMmapRange},
		{"mmap size zero", func(b *builder) uint32 {
			addr, length := b.mmap(0, make([]Region, 8))
			return b.info(infoFields{flags: FlagMmap, mmapAddr: addr, mmapLength: length})
		}, ErrMmapEntry},
		{"mmap size 19", func(b *builder) uint32 {
			addr, _ := b.mmap(20, qemuRegions)
			b.put32(addr+24, 19) // second entry
			return b.info(infoFields{flags: FlagMmap, mmapAddr: addr, mmapLength: 24 * 6})
		}, ErrMmapEntry},
		{"mmap entry crosses end", func(b *builder) uint32 {
			_, addr, length := good(b)
			return b.info(infoFields{flags: FlagMmap, mmapAddr: addr, mmapLength: length - 1})
		}, ErrMmapEntry},
		{"mmap trailing bytes", func(b *builder) uint32 {
			_, addr, length := good(b)
			return b.info(infoFields{flags: FlagMmap, mmapAddr: addr, mmapLength: length + 2})
		}, ErrMmapEntry},
		{"mmap size huge", func(b *builder) uint32 {
			addr, _ := b.mmap(0xffffffff, qemuRegions[:1])
			return b.info(infoFields{flags: FlagMmap, mmapAddr: addr, mmapLength: 24})
		}, ErrMmapEntry},
		{"region wraps", func(b *builder) uint32 {
			addr, length := b.mmap(20, []Region{{Base: 1 << 63, Length: 1 << 63, Type: RegionUsable}})
			return b.info(infoFields{flags: FlagMmap, mmapAddr: addr, mmapLength: length})
		}, ErrRegionWraps},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder(MaxString+8192, 0x100)
			a := tt.build(b)
			in, e := Parse(b.mem, a)
			if e != tt.want {
				t.Errorf("Parse = %v, want %v", e, tt.want)
			}
			checkInvariants(t, b.mem, &in)
		})
	}
}

func TestErrStrings(t *testing.T) {
	for e := ErrNone; e <= ErrRegionWraps; e++ {
		if e.String() == "unknown Multiboot error" || e.Error() != e.String() {
			t.Errorf("Err(%d) has no message", e)
		}
	}
	if Err(200).String() != "unknown Multiboot error" {
		t.Errorf("Err(200).String() = %q", Err(200).String())
	}
}

// inside reports whether s is nil or lies entirely within mem's backing
// array between mem[0] and mem[len(mem)].
func inside(mem, s []byte) bool {
	if s == nil {
		return true
	}
	if len(mem) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(mem)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return p >= lo && p+uintptr(cap(s)) <= lo+uintptr(len(mem))
}

// checkString checks a string Parse returned: inside mem, no NUL in it, and
// followed by the NUL that ended it.
func checkString(t *testing.T, what string, mem, s []byte) {
	t.Helper()
	if s == nil {
		return
	}
	if !inside(mem, s) {
		t.Fatalf("%s lies outside mem", what)
	}
	if bytes.IndexByte(s, 0) >= 0 {
		t.Fatalf("%s contains a NUL", what)
	}
	off := uintptr(unsafe.Pointer(unsafe.SliceData(s))) - uintptr(unsafe.Pointer(unsafe.SliceData(mem)))
	if end := int(off) + len(s); end >= len(mem) || mem[end] != 0 {
		t.Fatalf("%s is not followed by its NUL", what)
	}
}

// checkInvariants checks what Parse promises about any Info it returns,
// valid or not: every slice inside mem, counts within the arrays, modules
// inside mem, regions not wrapping.
func checkInvariants(t *testing.T, mem []byte, in *Info) {
	t.Helper()
	checkString(t, "Cmdline", mem, in.Cmdline)
	checkString(t, "BootloaderName", mem, in.BootloaderName)
	if in.NModules < 0 || in.NModules > MaxModules || in.NRegions < 0 || in.NRegions > MaxRegions {
		t.Fatalf("counts out of range: %d modules, %d regions", in.NModules, in.NRegions)
	}
	for i := 0; i < in.NModules; i++ {
		m := in.Modules[i]
		checkString(t, "module string", mem, m.String)
		if m.End < m.Start || int(m.End) > len(mem) {
			t.Fatalf("module %d [%#x, %#x) outside mem of %#x", i, m.Start, m.End, len(mem))
		}
	}
	for i := 0; i < in.NRegions; i++ {
		if r := in.Regions[i]; r.End() < r.Base {
			t.Fatalf("region %d wraps: %+v", i, r)
		}
	}
	_ = in.UsableRAMTop()
}

// compact builds a small but complete structure, a good fuzzing seed.
func compact(mmapSize uint32) (mem []byte, infoAddr uint32) {
	b := newBuilder(1024, 0x10)
	start, end := b.blob([]byte("prog"))
	table := b.mods([]mod{{start, end, b.str("prog -v x")}, {end, end, 0}})
	addr, length := b.mmap(mmapSize, qemuRegions[:3])
	a := b.info(infoFields{
		flags:    FlagMem | FlagCmdline | FlagMods | FlagMmap | FlagBootloaderName,
		memLower: 639, memUpper: 1024,
		cmdline: b.str("trace"), modsCount: 2, modsAddr: table,
		mmapLength: length, mmapAddr: addr, bootloaderName: b.str("GRUB 0.97"),
	})
	return b.mem[:b.next], a
}

func FuzzParse(f *testing.F) {
	mem, a := compact(20)
	f.Add(mem, a)
	mem, a = compact(21)
	f.Add(mem, a)
	mem, a = compact(0)
	f.Add(mem, a)
	f.Add([]byte{}, uint32(0))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, uint32(0))
	f.Add(bytes.Repeat([]byte{0xff}, 128), uint32(4))
	f.Fuzz(func(t *testing.T, mem []byte, infoAddr uint32) {
		in, _ := Parse(mem, infoAddr)
		checkInvariants(t, mem, &in)
	})
}

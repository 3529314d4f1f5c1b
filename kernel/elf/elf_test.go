package elf

import (
	"bytes"
	stdelf "debug/elf"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// kernelEnd is a plausible reservedEnd: a kernel at 1 MiB and its data
// below the 4 MiB where Go links programs.
const kernelEnd = 0x400000

func TestHello(t *testing.T) {
	data := hello(t)
	p, e := Check(data, kernelEnd)
	if e != ErrNone {
		t.Fatalf("Check: %v: %s", e, Describe("hello", p, e))
	}
	checkInvariants(t, data, &p, e)

	f, err := stdelf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if p.Entry != f.Entry || p.Type != uint16(f.Type) || p.Phnum != uint16(len(f.Progs)) {
		t.Errorf("entry %#x type %d phnum %d; debug/elf says %#x %d %d", p.Entry, p.Type, p.Phnum, f.Entry, f.Type, len(f.Progs))
	}
	var loads []Segment
	for _, pr := range f.Progs {
		switch pr.Type {
		case stdelf.PT_LOAD:
			loads = append(loads, Segment{Vaddr: pr.Vaddr, Memsz: pr.Memsz, Offset: pr.Off, Filesz: pr.Filesz, Flags: uint32(pr.Flags)})
		case stdelf.PT_PHDR:
			if p.PhdrVaddr != pr.Vaddr {
				t.Errorf("PhdrVaddr = %#x, PT_PHDR says %#x", p.PhdrVaddr, pr.Vaddr)
			}
		}
	}
	if p.NSegments != len(loads) {
		t.Fatalf("NSegments = %d, debug/elf finds %d PT_LOADs", p.NSegments, len(loads))
	}
	for i, s := range loads {
		if p.Segments[i] != s {
			t.Errorf("Segments[%d] = %+v, debug/elf says %+v", i, p.Segments[i], s)
		}
	}
	if want := goVersion(t); string(p.GoVersion) != want {
		t.Errorf("GoVersion = %q, want %q", p.GoVersion, want)
	}
	if p.Detail != nil {
		t.Errorf("Detail = %q, want nil", p.Detail)
	}
	if got, want := Describe("hello", p, e), "gobare: hello is a static x86-64 Linux executable"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

// goVersion returns the version of the go command that builds the tests.
func goVersion(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}

func TestOverlap(t *testing.T) {
	data := hello(t)
	const reserved = 0x800000
	p, e := Check(data, reserved)
	if e != ErrOverlap {
		t.Fatalf("Check = %v, want ErrOverlap", e)
	}
	msg := Describe("hello", p, e)
	t.Log(msg)
	if !strings.HasPrefix(msg, "gobare: hello is linked at 0x400000-0x") ||
		!strings.HasSuffix(msg, "which overlaps the kernel (below 0x800000); link it at or above 0x800000 with go build -ldflags=-T=0x801000") {
		t.Errorf("Describe = %q", msg)
	}
	// The advice works: linked as the message says, the program passes.
	var relinked built
	data, err := buildProgram(&relinked, "hello-high", helloSrc, "0", "-ldflags=-T=0x801000")
	if err != nil {
		t.Fatal(err)
	}
	if p, e := Check(data, reserved); e != ErrNone {
		t.Errorf("relinked with -T=0x801000: %s", Describe("hello", p, e))
	}
}

func TestDynamicSystemBinary(t *testing.T) {
	const path = "/bin/ls"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skip(err)
	}
	f, err := stdelf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Skip(err)
	}
	var interp string
	for _, pr := range f.Progs {
		if pr.Type == stdelf.PT_INTERP {
			b := make([]byte, pr.Filesz)
			pr.ReadAt(b, 0)
			interp = string(bytes.TrimRight(b, "\x00"))
		}
	}
	if interp == "" || f.Machine != stdelf.EM_X86_64 {
		t.Skipf("%s is not a dynamic x86-64 program", path)
	}
	p, e := Check(data, kernelEnd)
	checkInvariants(t, data, &p, e)
	if e != ErrDynamic || string(p.Detail) != interp {
		t.Fatalf("Check = %v, Detail %q; want ErrDynamic, %q", e, p.Detail, interp)
	}
	want := "gobare: /bin/ls is dynamically linked (asks for " + interp + "); build with CGO_ENABLED=0"
	if got := Describe(path, p, e); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	// The kernel's way: constant pieces around Detail.
	before, after := e.Text()
	if got := "gobare: " + path + " " + before + string(p.Detail) + after; got != want {
		t.Errorf("Text pieces give %q, want %q", got, want)
	}
}

func TestCgo(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc")
	}
	t.Run("dynamic", func(t *testing.T) {
		data, err := buildProgram(&cgoDynBin, "cgodyn", cgoSrc, "1")
		if err != nil {
			t.Fatal(err)
		}
		p, e := Check(data, kernelEnd)
		checkInvariants(t, data, &p, e)
		if e != ErrDynamic || !bytes.HasPrefix(p.Detail, []byte("/")) {
			t.Errorf("Check = %v, Detail %q; want ErrDynamic with the interpreter", e, p.Detail)
		}
		t.Log(Describe("cgodyn", p, e))
	})
	t.Run("static", func(t *testing.T) {
		data, err := buildProgram(&cgoStaticBin, "cgostatic", cgoSrc, "1", "-ldflags=-linkmode=external -extldflags=-static")
		if err != nil {
			t.Skipf("cannot build a static cgo binary here: %v", err)
		}
		p, e := Check(data, kernelEnd)
		checkInvariants(t, data, &p, e)
		if e != ErrTLS {
			t.Errorf("Check = %v, want ErrTLS", e)
		}
		if p.GoVersion == nil {
			t.Errorf("no Go build info found in a C-linked binary")
		}
		t.Log(Describe("cgostatic", p, e))
	})
	t.Run("pure Go with CGO_ENABLED=1", func(t *testing.T) {
		data, err := buildProgram(&helloCgoBin, "hellocgo", helloSrc, "1")
		if err != nil {
			t.Fatal(err)
		}
		// No package used cgo, so the program is static and runs.
		p, e := Check(data, kernelEnd)
		checkInvariants(t, data, &p, e)
		if e != ErrNone {
			t.Errorf("Check = %v (%s), want ErrNone: a pure Go program is static whatever CGO_ENABLED said", e, Describe("hellocgo", p, e))
		}
	})
}

// patch returns a copy of data with the first occurrence of old, at or
// after the Go build info, replaced by new (of the same length).
func patch(t *testing.T, data []byte, old, new string) []byte {
	t.Helper()
	bi := bytes.Index(data, []byte(biMagic))
	i := bytes.Index(data[bi:], []byte(old))
	if bi < 0 || i < 0 || len(old) != len(new) {
		t.Fatalf("cannot patch %q", old)
	}
	out := bytes.Clone(data)
	copy(out[bi+i:], new)
	return out
}

func TestBuildInfoPatched(t *testing.T) {
	data := hello(t)
	p, e := Check(patch(t, data, "build\tGOOS=linux\n", "build\tGOOS=plan9\n"), kernelEnd)
	if e != ErrGOOS || string(p.Detail) != "plan9" {
		t.Errorf("GOOS=plan9: Check = %v, Detail %q", e, p.Detail)
	}
	want := "gobare: prog is built for GOOS=plan9, not linux; build with GOOS=linux"
	if got := Describe("prog", p, e); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if _, e := Check(patch(t, data, "build\tCGO_ENABLED=0\n", "build\tCGO_ENABLED=1\n"), kernelEnd); e != ErrNone {
		t.Errorf("CGO_ENABLED=1 without cgo code: Check = %v, want ErrNone", e)
	}
	// Breaking the magic hides the build info: the program still passes.
	p, e = Check(patch(t, data, biMagic, "\xfe Go buildinf:"), kernelEnd)
	if e != ErrNone || p.GoVersion != nil {
		t.Errorf("no build info: Check = %v, GoVersion %q", e, p.GoVersion)
	}
}

func TestTruncated(t *testing.T) {
	data := hello(t)
	f, err := stdelf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var end uint64 // the end of the last segment's file bytes
	for _, pr := range f.Progs {
		if pr.Type == stdelf.PT_LOAD && pr.Off+pr.Filesz > end {
			end = pr.Off + pr.Filesz
		}
	}
	cases := []struct {
		n    int
		want Err
	}{
		{0, ErrNotELF}, {3, ErrNotELF}, {4, ErrTooShort}, {63, ErrTooShort},
		{64, ErrTruncated}, {100, ErrTruncated}, {0x1000, ErrTruncated},
		{int(end / 2), ErrTruncated}, {int(end - 1), ErrTruncated}, {int(end), ErrNone},
	}
	for _, c := range cases {
		p, e := Check(data[:c.n], kernelEnd)
		checkInvariants(t, data[:c.n], &p, e)
		if e != c.want {
			t.Errorf("cut at %#x: Check = %v, want %v (%s)", c.n, e, c.want, Describe("hello", p, e))
		}
	}
	p, e := Check(data[:0x1000], kernelEnd)
	want := fmt.Sprintf("gobare: hello is truncated: it needs %#x bytes at file offset 0x0, but the file has only 0x1000", p.Bad.Filesz)
	if got := Describe("hello", p, e); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

func TestRandom(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		b := make([]byte, r.Intn(4096))
		r.Read(b)
		if i%2 == 1 && len(b) >= 8 {
			// Give half of them a plausible identification so the
			// header and program header checks are reached.
			copy(b, "\x7fELF\x02\x01\x01\x00")
		}
		p, e := Check(b, kernelEnd)
		checkInvariants(t, b, &p, e)
		if e == ErrNone {
			t.Errorf("random file %d accepted", i)
		}
	}
}

func TestTiny(t *testing.T) {
	for _, settings := range []string{"", linuxSettings} {
		b := tinyELF(settings)
		p, e := Check(b, kernelEnd)
		checkInvariants(t, b, &p, e)
		if e != ErrNone {
			t.Fatalf("tinyELF(%q): %s", settings, Describe("tiny", p, e))
		}
		if p.NSegments != 2 || p.PhdrVaddr != 0x400040 {
			t.Errorf("NSegments %d, PhdrVaddr %#x", p.NSegments, p.PhdrVaddr)
		}
		if (settings != "") != (string(p.GoVersion) == "go1.26.8") {
			t.Errorf("GoVersion = %q", p.GoVersion)
		}
	}
	// Without PT_PHDR the table's address comes from the segment holding it.
	b := tinyELF("")
	b[64] = 0 // PT_PHDR -> PT_NULL
	if p, e := Check(b, kernelEnd); e != ErrNone || p.PhdrVaddr != 0x400040 {
		t.Errorf("no PT_PHDR: %v, PhdrVaddr %#x", e, p.PhdrVaddr)
	}
}

func TestHeaderErrors(t *testing.T) {
	text := phdr{typ: ptLoad, flags: PF_R | PF_X, off: 0, vaddr: 0x400000, filesz: 0x200, memsz: 0x200}
	mod := func(f func(h *elfHeader)) []byte {
		h := goodHeader
		f(&h)
		return mkELF(h, []phdr{text}, 0x200)
	}
	cases := []struct {
		name string
		file []byte
		want Err
		msg  string // the expected Describe("prog", ...), if not ""
	}{
		{"empty", nil, ErrNotELF, "gobare: prog is not an ELF executable"},
		{"script", []byte("#!/bin/sh\necho hi\n"), ErrNotELF, ""},
		{"short", []byte("\x7fELF\x02\x01\x01"), ErrTooShort, "gobare: prog is too short to be an ELF executable (7 bytes)"},
		{"32-bit", mod(func(h *elfHeader) { h.class = 1 }), ErrNot64,
			"gobare: prog is a 32-bit program; gobare runs 64-bit x86-64 programs (build with GOARCH=amd64)"},
		{"big-endian", mod(func(h *elfHeader) { h.data = 2 }), ErrBigEndian, ""},
		{"version", mod(func(h *elfHeader) { h.version = 2 }), ErrVersion, ""},
		{"freebsd", mod(func(h *elfHeader) { h.osabi = 9 }), ErrOSABI,
			"gobare: prog is built for FreeBSD (ELF OS/ABI 9), not Linux; build with GOOS=linux"},
		{"object", mod(func(h *elfHeader) { h.typ = TypeRel }), ErrNotExecutable,
			"gobare: prog is an object file (ELF type REL), not an executable program; link it with go build"},
		{"core", mod(func(h *elfHeader) { h.typ = TypeCore }), ErrNotExecutable, ""},
		{"arm64", mod(func(h *elfHeader) { h.machine = 183 }), ErrMachine,
			"gobare: prog is built for arm64 (ELF machine 183), not x86-64; build with GOARCH=amd64"},
		{"phentsize", mod(func(h *elfHeader) { h.phentsize = 32 }), ErrPhdr,
			"gobare: prog has a malformed program header table (entries of 32 bytes, not 56)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, e := Check(c.file, kernelEnd)
			checkInvariants(t, c.file, &p, e)
			if e != c.want {
				t.Fatalf("Check = %v, want %v", e, c.want)
			}
			msg := Describe("prog", p, e)
			if c.msg != "" && msg != c.msg {
				t.Errorf("Describe = %q, want %q", msg, c.msg)
			}
		})
	}
}

func TestSegmentErrors(t *testing.T) {
	text := phdr{typ: ptLoad, flags: PF_R | PF_X, off: 0, vaddr: 0x400000, filesz: 0x200, memsz: 0x200}
	with := func(phs ...phdr) []byte { return mkELF(goodHeader, phs, 0x200) }
	bad := func(f func(p *phdr)) []byte {
		p := text
		f(&p)
		return with(p)
	}
	many := make([]phdr, MaxSegments+1)
	for i := range many {
		many[i] = text
	}
	interp := mkELF(goodHeader, []phdr{text, {typ: ptInterp, flags: PF_R, off: 0x1c0, filesz: 28}}, 0x200)
	copy(interp[0x1c0:], "/lib64/ld-linux-x86-64.so.2\x00")
	cases := []struct {
		name string
		file []byte
		want Err
		msg  string // the expected Describe("prog", ...), if not ""
	}{
		{"phdr table truncated", mkELF(goodHeader, []phdr{text, text}, 0)[:64+56+10], ErrTruncated,
			"gobare: prog is truncated: it needs 0x70 bytes at file offset 0x40, but the file has only 0x82"},
		{"PN_XNUM", func() []byte { b := with(text); b[offPhnum], b[offPhnum+1] = 0xff, 0xff; return b }(), ErrPhdr,
			"gobare: prog has a malformed program header table (more than 65534 entries)"},
		{"interp", interp, ErrDynamic,
			"gobare: prog is dynamically linked (asks for /lib64/ld-linux-x86-64.so.2); build with CGO_ENABLED=0"},
		{"interp truncated", mkELF(goodHeader, []phdr{text, {typ: ptInterp, off: 0x1f0, filesz: 28}}, 0x200), ErrTruncated, ""},
		{"tls", with(text, phdr{typ: ptTLS, flags: PF_R, memsz: 8}), ErrTLS,
			"gobare: prog uses C thread-local storage (a cgo binary?); build with CGO_ENABLED=0"},
		{"memsz < filesz", bad(func(p *phdr) { p.memsz = 0x100 }), ErrSegmentSize,
			"gobare: prog has a segment at 0x400000 with 0x100 bytes in memory but 0x200 in the file"},
		{"segment truncated", bad(func(p *phdr) { p.filesz, p.memsz = 0x1000, 0x1000 }), ErrTruncated,
			"gobare: prog is truncated: it needs 0x1000 bytes at file offset 0x0, but the file has only 0x200"},
		{"offset huge", bad(func(p *phdr) { p.off = 1 << 63 }), ErrTruncated, ""},
		{"wraps", bad(func(p *phdr) { p.vaddr = 1<<64 - 0x100 }), ErrSegmentRange, ""},
		{"upper half", bad(func(p *phdr) { p.vaddr = UserTop - 0x100 }), ErrSegmentRange,
			"gobare: prog has a segment at 0x7fffffffff00 of 0x200 bytes, which wraps around or reaches above 0x800000000000"},
		{"misaligned", bad(func(p *phdr) { p.vaddr = 0x400010 }), ErrSegmentAlign,
			"gobare: prog has a segment at 0x400010 whose file offset 0x0 is not congruent to it modulo 4 KiB"},
		{"no load", with(phdr{typ: ptPhdr}), ErrNoLoad, "gobare: prog has no loadable segments"},
		{"too many", mkELF(goodHeader, many, 0x400), ErrTooManySegments,
			"gobare: prog has more than 16 loadable segments"},
		{"overlap", bad(func(p *phdr) { p.vaddr = 0x100000 }), ErrOverlap,
			"gobare: prog is linked at 0x100000-0x100200, which overlaps the kernel (below 0x400000); link it at or above 0x400000 with go build -ldflags=-T=0x401000"},
		{"bss after code", bad(func(p *phdr) { p.memsz = 0x2000 }), ErrNone, ""},
		{"entry in bss", func() []byte {
			h := goodHeader
			h.entry = 0x400300
			p := text
			p.memsz = 0x1000
			return mkELF(h, []phdr{p}, 0x200)
		}(), ErrEntry, "gobare: prog has its entry point 0x400300 outside its executable code"},
		{"entry not executable", bad(func(p *phdr) { p.flags = PF_R | PF_W }), ErrEntry, ""},
		{"static PIE at 0", func() []byte {
			h := goodHeader
			h.typ, h.entry = TypeDyn, 0x100
			p := text
			p.vaddr = 0
			return mkELF(h, []phdr{p}, 0x200)
		}(), ErrNone, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, e := Check(c.file, kernelEnd)
			checkInvariants(t, c.file, &p, e)
			if e != c.want {
				t.Fatalf("Check = %v, want %v (%s)", e, c.want, Describe("prog", p, e))
			}
			msg := Describe("prog", p, e)
			if c.msg != "" && msg != c.msg {
				t.Errorf("Describe = %q\n                  want %q", msg, c.msg)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	var p Program
	for e := ErrNone; e < errCount; e++ {
		before, after := e.Text()
		if e.String() == "unknown ELF error" || before == "cannot be run (unknown ELF error)" || e.Error() != e.String() {
			t.Errorf("Err(%d) lacks a message", e)
		}
		if (after != "") != (e == ErrGOOS || e == ErrDynamic) {
			t.Errorf("%v: after = %q", e, after)
		}
		// Format never writes past its buffer, whatever its size.
		full := Describe("prog", p, e)
		for n := 0; n <= len(full); n++ {
			buf := make([]byte, n, n+8)
			if got := Format(buf, "prog", &p, e); got != n {
				t.Fatalf("%v: Format into %d bytes wrote %d", e, n, got)
			}
			if string(buf) != full[:n] {
				t.Fatalf("%v: Format into %d bytes = %q", e, n, buf)
			}
			if buf[:n+8][n] != 0 {
				t.Fatalf("%v: Format wrote past its buffer", e)
			}
		}
	}
	if Err(errCount).String() != "unknown ELF error" {
		t.Errorf("unknown error has String %q", Err(errCount).String())
	}
}

// inside reports whether s is nil or lies entirely within file.
func inside(file, s []byte) bool {
	if s == nil {
		return true
	}
	if len(file) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(file)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return p >= lo && p+uintptr(len(s)) <= lo+uintptr(len(file))
}

// checkInvariants checks what Check promises for any input: its slices lie
// in the file, and on success the segments and entry are consistent.
func checkInvariants(t *testing.T, file []byte, p *Program, e Err) {
	t.Helper()
	if !inside(file, p.Detail) || !inside(file, p.GoVersion) {
		t.Fatalf("%v: Detail or GoVersion outside the file", e)
	}
	if p.Detail != nil && e != ErrGOOS && e != ErrDynamic {
		t.Fatalf("%v: unexpected Detail %q", e, p.Detail)
	}
	if e >= errCount {
		t.Fatalf("unknown error %d", e)
	}
	if p.NSegments < 0 || p.NSegments > MaxSegments {
		t.Fatalf("%v: NSegments = %d", e, p.NSegments)
	}
	var buf [64]byte
	Format(buf[:], "prog", p, e)
	if e != ErrNone {
		return
	}
	entryOK := false
	for i := 0; i < p.NSegments; i++ {
		s := p.Segments[i]
		if s.Memsz < s.Filesz || s.Offset+s.Filesz > uint64(len(file)) || s.Offset+s.Filesz < s.Offset ||
			s.Vaddr+s.Memsz > UserTop || s.Vaddr+s.Memsz < s.Vaddr {
			t.Fatalf("accepted bad segment %+v in a file of %#x bytes", s, len(file))
		}
		if s.Flags&PF_X != 0 && p.Entry >= s.Vaddr && p.Entry < s.Vaddr+s.Filesz {
			entryOK = true
		}
	}
	if !entryOK || p.NSegments == 0 {
		t.Fatalf("accepted a program whose entry %#x is in no executable segment", p.Entry)
	}
}

func FuzzCheck(f *testing.F) {
	data := hello(f)
	f.Add(data[:4096], uint64(kernelEnd))
	f.Add(data[:64+6*56], uint64(0))
	f.Add(tinyELF(linuxSettings), uint64(kernelEnd))
	f.Add(tinyELF(""), uint64(0))
	f.Add(tinyELF(strings.Replace(linuxSettings, "CGO_ENABLED=0", "CGO_ENABLED=1", 1)), uint64(kernelEnd))
	f.Add([]byte{}, uint64(0))
	f.Add([]byte("\x7fELF"), uint64(0))
	f.Fuzz(func(t *testing.T, file []byte, reservedEnd uint64) {
		p, e := Check(file, reservedEnd)
		checkInvariants(t, file, &p, e)
		if e == ErrNone && p.Type == TypeExec {
			for i := 0; i < p.NSegments; i++ {
				if s := p.Segments[i]; s.Memsz != 0 && s.Vaddr < reservedEnd {
					t.Fatalf("accepted segment %+v below %#x", s, reservedEnd)
				}
			}
		}
	})
}

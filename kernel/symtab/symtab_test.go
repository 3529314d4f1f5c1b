package symtab_test

import (
	"bytes"
	"debug/elf"
	"debug/gosym"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/gobare/gobare/kernel/symtab"
)

// The tests read the table of a real program, testdata/prog, built once per
// test process with the go command running the tests. Setting
// GOBARE_SYMTAB_GO to a list of other go binaries (separated by the OS path
// list separator, e.g. Go 1.21 and 1.24 toolchains) also checks their tables.

var (
	tmpOnce sync.Once
	tmpDir  string
	tmpErr  error
	builds  sync.Map // go binary → *builtProg
)

type builtProg struct {
	once sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

// buildProg builds testdata/prog with goBin, once, and returns the binary.
func buildProg(t testing.TB, goBin string) string {
	t.Helper()
	tmpOnce.Do(func() { tmpDir, tmpErr = os.MkdirTemp("", "symtab-test") })
	if tmpErr != nil {
		t.Fatal(tmpErr)
	}
	v, _ := builds.LoadOrStore(goBin, new(builtProg))
	b := v.(*builtProg)
	b.once.Do(func() { b.path, b.err = build(goBin) })
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

func build(goBin string) (string, error) {
	dir, err := os.MkdirTemp(tmpDir, "prog")
	if err != nil {
		return "", err
	}
	src, err := os.ReadFile(filepath.Join("testdata", "prog", "main.go"))
	if err != nil {
		return "", err
	}
	// A go.mod of its own, old enough for every toolchain from Go 1.21.
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module prog\n\ngo 1.21\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
		return "", err
	}
	cmd := exec.Command(goBin, "build", "-o", "prog", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=", "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{goBin, out, err}
	}
	return filepath.Join(dir, "prog"), nil
}

type buildError struct {
	goBin string
	out   []byte
	err   error
}

func (e *buildError) Error() string {
	return e.goBin + " build: " + e.err.Error() + "\n" + string(e.out)
}

// goBinaries is the current go command plus any listed in GOBARE_SYMTAB_GO.
func goBinaries() []string {
	bins := []string{"go"} // the go command on $PATH, as make test runs it
	for _, b := range filepath.SplitList(os.Getenv("GOBARE_SYMTAB_GO")) {
		if b != "" {
			bins = append(bins, b)
		}
	}
	return bins
}

// program is a binary's pclntab and symbols as read from the file.
type program struct {
	pclntab []byte
	text    *elf.Section
	syms    []elf.Symbol
	gosym   *gosym.Table
}

func readProgram(t testing.TB, path string) *program {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sec := f.Section(".gopclntab")
	text := f.Section(".text")
	if sec == nil || text == nil {
		t.Fatalf("%s: no .gopclntab or .text section", path)
	}
	pclntab, err := sec.Data()
	if err != nil {
		t.Fatal(err)
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	gt, err := gosym.NewTable(nil, gosym.NewLineTable(pclntab, text.Addr))
	if err != nil {
		t.Fatal(err)
	}
	return &program{pclntab, text, syms, gt}
}

// within reports whether name lies inside tab's memory, as Lookup promises.
func within(name, tab []byte) bool {
	if len(name) == 0 {
		return true
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(tab)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(name)))
	return p >= base && p-base <= uintptr(len(tab)) && uintptr(len(name)) <= uintptr(len(tab))-(p-base)
}

func TestAgainstGosym(t *testing.T) {
	for _, goBin := range goBinaries() {
		t.Run(goBin, func(t *testing.T) {
			p := readProgram(t, buildProg(t, goBin))
			tab, ok := symtab.NewText(p.pclntab, p.text.Addr)
			if !ok {
				t.Fatal("NewText failed")
			}
			// Headers before Go 1.26 record the text start themselves.
			if h, ok := symtab.New(p.pclntab); ok && h.TextStart() != p.text.Addr {
				t.Errorf("New: header text start %#x, .text at %#x", h.TextStart(), p.text.Addr)
			}
			if len(p.gosym.Funcs) != tab.NumFuncs() {
				t.Errorf("NumFuncs = %d, gosym has %d", tab.NumFuncs(), len(p.gosym.Funcs))
			}
			check := func(pc uint64, want string, wantOff uint64) {
				t.Helper()
				name, off, ok := tab.Lookup(pc)
				if !ok || string(name) != want || off != wantOff {
					t.Fatalf("Lookup(%#x) = %q+%#x, %v; want %q+%#x", pc, name, off, ok, want, wantOff)
				}
				if !within(name, p.pclntab) || bytes.IndexByte(name, 0) >= 0 {
					t.Fatalf("Lookup(%#x): name not a NUL-free sub-slice of the table", pc)
				}
			}
			for _, fn := range p.gosym.Funcs {
				check(fn.Entry, fn.Name, 0)
				check(fn.Entry+(fn.End-fn.Entry)/2, fn.Name, (fn.End-fn.Entry)/2)
				check(fn.End-1, fn.Name, fn.End-1-fn.Entry)
			}
		})
	}
}

func TestAgainstELFSymbols(t *testing.T) {
	p := readProgram(t, buildProg(t, goBinaries()[0]))
	tab, ok := symtab.NewText(p.pclntab, p.text.Addr)
	if !ok {
		t.Fatal("NewText failed")
	}
	n := 0
	for _, s := range p.syms {
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC || s.Size == 0 ||
			s.Value < p.text.Addr || s.Value >= p.text.Addr+p.text.Size {
			continue
		}
		// The ELF symbol table marks assembly (ABI0) functions with a
		// ".abi0" suffix and spells the middle dot '·' as '.'; the pclntab
		// does neither.
		want := strings.TrimSuffix(s.Name, ".abi0")
		for _, pc := range []uint64{s.Value, s.Value + s.Size/2, s.Value + s.Size - 1} {
			name, off, ok := tab.Lookup(pc)
			got := strings.ReplaceAll(string(name), "·", ".")
			if !ok || got != want || off != pc-s.Value {
				t.Errorf("Lookup(%#x) = %q+%#x, %v; ELF symbol %q at %#x", pc, name, off, ok, s.Name, s.Value)
			}
		}
		n++
	}
	if n < 1000 {
		t.Errorf("only %d ELF function symbols checked", n)
	}
}

func TestOutside(t *testing.T) {
	p := readProgram(t, buildProg(t, goBinaries()[0]))
	tab, ok := symtab.NewText(p.pclntab, p.text.Addr)
	if !ok {
		t.Fatal("NewText failed")
	}
	last := p.gosym.Funcs[len(p.gosym.Funcs)-1]
	for _, pc := range []uint64{0, 1, p.text.Addr - 1, last.End, last.End + 1, p.text.Addr + 1<<32, 1<<64 - 1} {
		if name, off, ok := tab.Lookup(pc); ok {
			t.Errorf("Lookup(%#x) = %q+%#x, want not found", pc, name, off)
		}
	}
	var zero symtab.Table
	if _, _, ok := zero.Lookup(p.text.Addr); ok {
		t.Error("zero Table found a function")
	}
}

func TestNewHeaderTextStart(t *testing.T) {
	p := readProgram(t, buildProg(t, goBinaries()[0]))
	// Go 1.26 stopped writing textStart into the header.
	stored := uint64(0)
	for i := 0; i < 8; i++ {
		stored |= uint64(p.pclntab[24+i]) << (8 * i)
	}
	tab, ok := symtab.New(p.pclntab)
	switch {
	case stored == 0 && ok:
		t.Error("New accepted a header without textStart")
	case stored != 0 && (!ok || tab.TextStart() != stored):
		t.Errorf("New = %#x, %v; header textStart %#x", tab.TextStart(), ok, stored)
	}
	tab, ok = symtab.NewText(p.pclntab, p.text.Addr)
	if !ok || tab.TextStart() != p.text.Addr {
		t.Errorf("NewText: TextStart = %#x, %v; want %#x", tab.TextStart(), ok, p.text.Addr)
	}
}

//go:noinline
func here() uintptr {
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	return pcs[0]
}

// TestSelf reads the test binary's own table, as the kernel reads its own.
func TestSelf(t *testing.T) {
	tab, ok := symtab.Self()
	if !ok {
		t.Fatal("Self failed")
	}
	pc := here() // a return address inside here
	entry := reflect.ValueOf(here).Pointer()
	const want = "github.com/gobare/gobare/kernel/symtab_test.here"
	name, off, ok := tab.Lookup(uint64(pc))
	if !ok || string(name) != want || off != uint64(pc-entry) || off == 0 {
		t.Errorf("Lookup(%#x) = %q+%#x, %v; want %s+%#x", pc, name, off, ok, want, pc-entry)
	}
}

func TestBadHeaders(t *testing.T) {
	good := makeTable(0x1000, []fakeFunc{{0, "a"}, {0x10, "b"}}, 0x20)
	if _, ok := symtab.New(good); !ok {
		t.Fatal("synthetic table refused")
	}
	set := func(off int, v ...byte) []byte {
		b := bytes.Clone(good)
		copy(b[off:], v)
		return b
	}
	for name, b := range map[string][]byte{
		"empty":          nil,
		"short":          good[:40],
		"magic":          set(0, 0xf0),
		"pad":            set(4, 1),
		"ptrsize":        set(7, 3),
		"nfunc zero":     set(8, 0),
		"nfunc huge":     set(8, 0xff, 0xff, 0xff, 0xff),
		"funcname<hdr":   set(32, 8),
		"cu<funcname":    set(40, 0),
		"pcln past end":  set(64, 0xff, 0xff),
		"pcln<pctab":     set(64, 1),
		"no text start":  set(24, 0, 0, 0, 0, 0, 0, 0, 0),
		"offsets wrap":   set(56, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
		"functab no end": good[:le64(good[64:])+2*8], // two pairs, no end entry
	} {
		if _, ok := symtab.New(b); ok {
			t.Errorf("%s: New accepted a bad header", name)
		}
	}
}

func le64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func TestSynthetic(t *testing.T) {
	tab, ok := symtab.New(makeTable(0x1000, []fakeFunc{{0, "a"}, {0x10, "bb"}, {0x10, "dup"}, {0x18, "c"}}, 0x20))
	if !ok {
		t.Fatal("New failed")
	}
	for _, c := range []struct {
		pc   uint64
		name string
		off  uint64
	}{
		{0x1000, "a", 0}, {0x100f, "a", 0xf}, {0x1010, "dup", 0}, {0x1017, "dup", 7}, {0x1018, "c", 0}, {0x101f, "c", 7},
		{0xfff, "", 0}, {0x1020, "", 0},
	} {
		name, off, ok := tab.Lookup(c.pc)
		if string(name) != c.name || off != c.off || ok != (c.name != "") {
			t.Errorf("Lookup(%#x) = %q+%#x, %v; want %q+%#x", c.pc, name, off, ok, c.name, c.off)
		}
	}
}

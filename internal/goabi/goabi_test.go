package goabi

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobare/gobare/internal/testbuild"
)

// TestMain removes the hello worlds the tests had testbuild make: by the
// host toolchain (plain, with -w and with -s -w) and, if GOBARE_TOOLCHAINS
// asks, by each release named.
func TestMain(m *testing.M) { testbuild.Main(m) }

// TestHostLayout checks the values DESIGN.md gives for Go 1.26, read from
// the DWARF of a binary built by the host toolchain.
func TestHostLayout(t *testing.T) {
	l, err := Read(testbuild.Hello(t, "local", ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", l)
	if l.G0Addr == 0 || l.M0Addr == 0 || l.G0Addr == l.M0Addr {
		t.Errorf("g0 at %#x, m0 at %#x: want two distinct non-zero addresses", l.G0Addr, l.M0Addr)
	}
	checkCommon(t, l)
	if strings.HasPrefix(l.GoVersion, "go1.26") {
		if l.MTls != 128 {
			t.Errorf("Go 1.26 m.tls at +%d, want +128", l.MTls)
		}
	}
}

// checkCommon checks the offsets that have not moved from Go 1.21 to 1.27.
func checkCommon(t *testing.T, l Layout) {
	t.Helper()
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"g.stack.lo", l.GStackLo, 0},
		{"g.stack.hi", l.GStackHi, 8},
		{"g.stackguard0", l.GStackguard0, 16},
		{"g.stackguard1", l.GStackguard1, 24},
		{"g.m", l.GM, 48},
		{"m.g0", l.MG0, 0},
		{"len(m.tls)*8", l.TlsSize, 48},
	} {
		if c.got != c.want {
			t.Errorf("%s %s: got %d, want %d", l.GoVersion, c.name, c.got, c.want)
		}
	}
	if l.MTls%8 != 0 || l.MTls < 8 || l.MCurg <= l.MTls {
		t.Errorf("%s: implausible m.tls +%d, m.curg +%d", l.GoVersion, l.MTls, l.MCurg)
	}
}

func TestNoDWARF(t *testing.T) {
	for _, ldflags := range []string{"-w", "-s -w"} {
		bin := testbuild.Hello(t, "local", ldflags)
		_, err := Read(bin)
		if !errors.Is(err, ErrNoDWARF) {
			t.Fatalf("-ldflags=%q: got error %v, want ErrNoDWARF", ldflags, err)
		}
		want := bin + " has no DWARF (built with -ldflags=-w?); cannot read runtime layout"
		if err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
	}
}

// TestNoSymtab hides the symbol table (its section type becomes PROGBITS)
// but keeps the DWARF: Read must still return the offsets.
func TestNoSymtab(t *testing.T) {
	data, err := os.ReadFile(testbuild.Hello(t, "local", ""))
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	shoff := binary.LittleEndian.Uint64(data[0x28:])
	shentsize := uint64(binary.LittleEndian.Uint16(data[0x3a:]))
	for i, sec := range f.Sections {
		if sec.Type == elf.SHT_SYMTAB {
			binary.LittleEndian.PutUint32(data[shoff+uint64(i)*shentsize+4:], uint32(elf.SHT_PROGBITS))
		}
	}
	bin := filepath.Join(t.TempDir(), "nosymtab")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := Read(bin)
	if !errors.Is(err, ErrNoSymtab) {
		t.Fatalf("got error %v, want ErrNoSymtab", err)
	}
	if l.G0Addr != 0 || l.M0Addr != 0 {
		t.Errorf("addresses without a symbol table: %+v", l)
	}
	checkCommon(t, l)
}

func TestNotGo(t *testing.T) {
	_, err := Read("/proc/self/status")
	if err == nil || !strings.Contains(err.Error(), "not a Go program") {
		t.Fatalf("got %v, want a 'not a Go program' error", err)
	}
}

// mTls is where m.tls sits in each release, as the releases' DWARF says
// (and as rt0_go's LEAQ runtime.m0+N(SB), DI confirms).
var mTls = map[string]int64{"go1.21": 136, "go1.24": 136, "go1.26": 128, "go1.27": 128}

func TestToolchains(t *testing.T) {
	tcs := testbuild.Toolchains()
	if len(tcs) == 0 {
		t.Skip("set GOBARE_TOOLCHAINS=1 to build and check hello with Go 1.21 to 1.27")
	}
	for _, tc := range tcs {
		t.Run(tc, func(t *testing.T) {
			l, err := Read(testbuild.Hello(t, tc, ""))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", l)
			if l.GoVersion != tc {
				t.Errorf("GoVersion %q, want %q", l.GoVersion, tc)
			}
			checkCommon(t, l)
			minor := strings.Join(strings.SplitN(tc, ".", 3)[:2], ".")
			if want, ok := mTls[minor]; ok && l.MTls != want {
				t.Errorf("m.tls at +%d, want +%d", l.MTls, want)
			}
		})
	}
}

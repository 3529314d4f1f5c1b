package elf

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Test programs are built with the go command once per run of the test
// binary, lazily, into a directory TestMain removes afterwards.

var workDir string // scratch directory for this run of the test binary

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "gobare-elf-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

const helloSrc = `package main

import "fmt"

func main() { fmt.Println("hello, world") }
`

const cgoSrc = `package main

// #include <stdio.h>
// static void hello(void) { printf("hello from C\n"); }
import "C"

func main() { C.hello() }
`

// built is one program built at most once.
type built struct {
	once sync.Once
	path string // the binary
	data []byte // its bytes
	err  error  // why it could not be built
}

var (
	helloBin     built // CGO_ENABLED=0: what gobare runs
	helloCgoBin  built // pure Go, but CGO_ENABLED=1 recorded in its build info
	cgoDynBin    built // imports "C", default (dynamic) linking
	cgoStaticBin built // imports "C", linked statically by the C linker
)

// buildProgram writes src into its own module under workDir and builds it
// for linux/amd64 with the given CGO_ENABLED and extra go build flags.
func buildProgram(b *built, name, src, cgo string, flags ...string) ([]byte, error) {
	b.once.Do(func() {
		dir := filepath.Join(workDir, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.err = err
			return
		}
		os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+name+"\n\ngo 1.21\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644)
		b.path = filepath.Join(dir, name)
		args := append([]string{"build", "-o", b.path}, flags...)
		cmd := exec.Command("go", append(args, ".")...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED="+cgo, "GOTOOLCHAIN=local", "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", name, err, out)
			return
		}
		b.data, b.err = os.ReadFile(b.path)
	})
	return b.data, b.err
}

// hello returns the bytes of a static Go hello world.
func hello(t testing.TB) []byte {
	t.Helper()
	data, err := buildProgram(&helloBin, "hello", helloSrc, "0")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// phdr is a program header for mkELF.
type phdr struct {
	typ, flags                uint32
	off, vaddr, filesz, memsz uint64
}

// elfHeader holds the header fields mkELF lets a test change.
type elfHeader struct {
	class, data, version, osabi byte
	typ, machine                uint16
	entry                       uint64
	phentsize                   uint16
}

// goodHeader is what a Go static executable has.
var goodHeader = elfHeader{class: 2, data: 1, version: 1, osabi: 0, typ: TypeExec, machine: 62, entry: 0x400100, phentsize: 56}

// mkELF makes a file of size bytes (at least big enough for the header and
// the program headers) with the header h and the program headers phs
// starting at offset 64.
func mkELF(h elfHeader, phs []phdr, size int) []byte {
	if n := 64 + 56*len(phs); size < n {
		size = n
	}
	b := make([]byte, size)
	copy(b, "\x7fELF")
	b[eiClass], b[eiData], b[eiVersion], b[eiOSABI] = h.class, h.data, h.version, h.osabi
	le := binary.LittleEndian
	le.PutUint16(b[offType:], h.typ)
	le.PutUint16(b[offMachine:], h.machine)
	le.PutUint32(b[offVersion:], uint32(h.version))
	le.PutUint64(b[offEntry:], h.entry)
	le.PutUint64(b[offPhoff:], 64)
	le.PutUint16(b[52:], 64) // e_ehsize
	le.PutUint16(b[offPhentsz:], h.phentsize)
	le.PutUint16(b[offPhnum:], uint16(len(phs)))
	for i, p := range phs {
		o := b[64+56*i:]
		le.PutUint32(o[phType:], p.typ)
		le.PutUint32(o[phFlags:], p.flags)
		le.PutUint64(o[phOffset:], p.off)
		le.PutUint64(o[phVaddr:], p.vaddr)
		le.PutUint64(o[24:], p.vaddr) // p_paddr
		le.PutUint64(o[phFilesz:], p.filesz)
		le.PutUint64(o[phMemsz:], p.memsz)
		le.PutUint64(o[48:], pageSize) // p_align
	}
	return b
}

// buildInfoBlob makes a Go 1.18+ build info block for the given version and
// settings text (lines ending in \n).
func buildInfoBlob(version, settings string) []byte {
	const sentinel = "0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6"
	b := []byte(biMagic)
	b = append(b, 8, biFlagInline)
	b = append(b, make([]byte, 16)...)
	b = binary.AppendUvarint(b, uint64(len(version)))
	b = append(b, version...)
	mod := sentinel + "path\tcommand-line-arguments\n" + settings + sentinel
	b = binary.AppendUvarint(b, uint64(len(mod)))
	return append(b, mod...)
}

// tinyELF makes a small valid program: a text segment holding the headers
// and the entry point at 0x400100, and a data segment at file offset 0x200
// (0x401200) holding a build info block with the given settings, or none if
// settings is "".
func tinyELF(settings string) []byte {
	var blob []byte
	if settings != "" {
		blob = buildInfoBlob("go1.26.8", settings)
	}
	phs := []phdr{
		{typ: ptPhdr, flags: PF_R, off: 64, vaddr: 0x400040, filesz: 3 * 56, memsz: 3 * 56},
		{typ: ptLoad, flags: PF_R | PF_X, off: 0, vaddr: 0x400000, filesz: 0x200, memsz: 0x200},
		{typ: ptLoad, flags: PF_R | PF_W, off: 0x200, vaddr: 0x401200, filesz: uint64(len(blob)), memsz: uint64(len(blob)) + 0x100},
	}
	b := mkELF(goodHeader, phs, 0x200+len(blob))
	copy(b[0x200:], blob)
	return b
}

// linuxSettings are the build settings of a CGO_ENABLED=0 linux/amd64 build.
const linuxSettings = "build\t-buildmode=exe\nbuild\t-compiler=gc\nbuild\tCGO_ENABLED=0\nbuild\tGOARCH=amd64\nbuild\tGOOS=linux\nbuild\tGOAMD64=v1\n"

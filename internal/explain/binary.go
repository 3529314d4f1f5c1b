package explain

import (
	"debug/elf"
	"debug/gosym"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// A symbol is a named address range: a function or a data object.
type symbol struct {
	name   string
	addr   uint64
	size   uint64 // 0 when unknown
	isFunc bool
}

// binary is an opened ELF program and the names we could find for its
// addresses.
type binary struct {
	path string
	f    *elf.File

	syms []symbol // sorted by addr

	// Where the names came from. The ELF symbol table (.symtab) names
	// functions and data; -ldflags=-s removes it. .gopclntab is the
	// runtime's own function table (tracebacks need it), so it survives
	// stripping, but it names functions only.
	symtab     bool
	symtabWhy  string // why there is no .symtab
	pclntab    bool
	pclntabWhy string // why .gopclntab could not be used
	dwarf      bool
}

// load opens path and gathers its symbols. Only a file that is not a
// readable x86-64 ELF file is an error; missing tables are recorded.
func load(path string) (*binary, error) {
	f, err := elf.Open(path)
	if fe := (*elf.FormatError)(nil); errors.As(err, &fe) {
		return nil, fmt.Errorf("%s is not an ELF file (%v)", path, err)
	}
	if err != nil {
		return nil, err
	}
	if f.Machine != elf.EM_X86_64 || f.Class != elf.ELFCLASS64 {
		f.Close()
		return nil, fmt.Errorf("%s: is a %v %v ELF file, not x86-64", path, f.Class, f.Machine)
	}
	b := &binary{path: path, f: f}
	b.dwarf = f.Section(".debug_info") != nil || f.Section(".zdebug_info") != nil

	syms, err := f.Symbols()
	switch {
	case errors.Is(err, elf.ErrNoSymbols):
		b.symtabWhy = "no .symtab section (stripped, e.g. -ldflags=-s)"
	case err != nil:
		b.symtabWhy = "unreadable .symtab: " + err.Error()
	default:
		b.symtab = true
		for _, s := range syms {
			t := elf.ST_TYPE(s.Info)
			if (t == elf.STT_FUNC || t == elf.STT_OBJECT) && s.Value != 0 && s.Name != "" {
				b.syms = append(b.syms, symbol{s.Name, s.Value, s.Size, t == elf.STT_FUNC})
			}
		}
	}
	if !b.symtab {
		b.loadPclntab()
	}
	sort.SliceStable(b.syms, func(i, j int) bool { return b.syms[i].addr < b.syms[j].addr })
	return b, nil
}

// loadPclntab names the functions from .gopclntab when .symtab is gone.
func (b *binary) loadPclntab() {
	sec := b.f.Section(".gopclntab")
	if sec == nil {
		b.pclntabWhy = "no .gopclntab section"
		return
	}
	data, err := sec.Data()
	if err != nil {
		b.pclntabWhy = "unreadable .gopclntab: " + err.Error()
		return
	}
	var text uint64
	if t := b.f.Section(".text"); t != nil {
		text = t.Addr
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text))
	if err != nil {
		b.pclntabWhy = "unreadable .gopclntab: " + err.Error()
		return
	}
	b.pclntab = true
	for _, fn := range tab.Funcs {
		b.syms = append(b.syms, symbol{fn.Name, fn.Entry, fn.End - fn.Entry, true})
	}
}

func (b *binary) close() { b.f.Close() }

// named returns the symbol called name, also accepting the ".abi0" suffix
// the linker gives assembly functions ("runtime.rt0_go.abi0").
func (b *binary) named(name string) *symbol {
	for i := range b.syms {
		if s := &b.syms[i]; s.name == name || s.name == name+".abi0" {
			return s
		}
	}
	return nil
}

// symAt returns the symbol whose range holds addr, or one starting exactly
// there when its size is unknown.
func (b *binary) symAt(addr uint64) *symbol {
	i := sort.Search(len(b.syms), func(i int) bool { return b.syms[i].addr > addr })
	for i--; i >= 0; i-- {
		s := &b.syms[i]
		if s.addr == addr || addr < s.addr+s.size {
			return s
		}
		if s.addr < addr {
			break
		}
	}
	return nil
}

// lookup is an x86asm.SymLookup: the name and start of the symbol holding addr.
func (b *binary) lookup(addr uint64) (string, uint64) {
	if s := b.symAt(addr); s != nil {
		return s.name, s.addr
	}
	return "", 0
}

// nameOf names addr for the explanation lines: "runtime.g0",
// "runtime.m0+128" or plain hex.
func (b *binary) nameOf(addr uint64) string {
	if s := b.symAt(addr); s != nil {
		if addr == s.addr {
			return s.name
		}
		return fmt.Sprintf("%s+%d", s.name, addr-s.addr)
	}
	return fmt.Sprintf("%#x", addr)
}

// baseName drops the ".abi0" suffix: runtime.settls.abi0 → runtime.settls.
func baseName(name string) string { return strings.TrimSuffix(name, ".abi0") }

// read returns n bytes of the program's memory image at addr, reading zeros
// past the file part of a segment (.bss), or nil if addr is not loaded.
func (b *binary) read(addr uint64, n int) []byte {
	for _, p := range b.f.Progs {
		if p.Type != elf.PT_LOAD || addr < p.Vaddr || addr+uint64(n) > p.Vaddr+p.Memsz {
			continue
		}
		buf := make([]byte, n)
		off := addr - p.Vaddr
		if off < p.Filesz {
			m := min(uint64(n), p.Filesz-off)
			if _, err := p.ReadAt(buf[:m], int64(off)); err != nil {
				return nil
			}
		}
		return buf
	}
	return nil
}

// readUint64 reads a little-endian 64-bit word of the memory image.
func (b *binary) readUint64(addr uint64) (uint64, bool) {
	buf := b.read(addr, 8)
	if buf == nil {
		return 0, false
	}
	return b.f.ByteOrder.Uint64(buf), true
}

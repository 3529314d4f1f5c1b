package nortcheck

import (
	"debug/elf"
	"sort"
	"strings"
)

// function is one function symbol of the binary.
type function struct {
	name string // Go name: the ELF name without an ABI0 ".abi0" suffix
	addr uint64
	size uint64
}

func (f *function) contains(pc uint64) bool { return pc >= f.addr && pc-f.addr < f.size }

// functions lists the binary's code symbols, sorted by address, and resolves
// addresses to them.
type functions struct {
	list []function
}

// readFunctions collects the ELF symbols that lie in executable sections.
// The Go linker marks text symbols STT_FUNC and gives them their sizes; the
// zero-size markers (runtime.text, runtime.etext) are kept for resolving but
// contain nothing.
func readFunctions(f *elf.File) (*functions, error) {
	syms, err := f.Symbols()
	if err != nil {
		return nil, err
	}
	var fs functions
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC || int(s.Section) >= len(f.Sections) || s.Section == elf.SHN_UNDEF {
			continue
		}
		if f.Sections[s.Section].Flags&elf.SHF_EXECINSTR == 0 {
			continue
		}
		fs.list = append(fs.list, function{goName(s.Name), s.Value, s.Size})
	}
	// By address; at equal addresses the sized symbol last, so that it wins
	// the "last symbol at or before pc" search in lookup.
	sort.Slice(fs.list, func(i, j int) bool {
		a, b := fs.list[i], fs.list[j]
		if a.addr != b.addr {
			return a.addr < b.addr
		}
		return a.size < b.size
	})
	return &fs, nil
}

// goName undoes the ELF spelling of an assembly function's name.
func goName(elfName string) string { return strings.TrimSuffix(elfName, ".abi0") }

// lookup returns the function containing pc, or else a zero-size symbol at
// exactly pc, or nil.
func (fs *functions) lookup(pc uint64) *function {
	i := sort.Search(len(fs.list), func(i int) bool { return fs.list[i].addr > pc }) - 1
	var marker *function
	// Step back over zero-size markers that may sit inside a function.
	for ; i >= 0; i-- {
		f := &fs.list[i]
		if f.contains(pc) {
			return f
		}
		if f.size != 0 {
			break
		}
		if f.addr == pc && marker == nil {
			marker = f
		}
	}
	return marker
}

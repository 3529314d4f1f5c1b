package goabi

import (
	"debug/elf"
	"errors"
	"fmt"
)

// readAddrs fills in the addresses of runtime.g0 and runtime.m0 from the ELF
// symbol table (.symtab). Both are ordinary global variables of the runtime.
func readAddrs(f *elf.File, l *Layout) error {
	syms, err := f.Symbols()
	if errors.Is(err, elf.ErrNoSymbols) {
		return ErrNoSymtab
	}
	if err != nil {
		return fmt.Errorf("reading symbol table: %w", err)
	}
	want := map[string]*uint64{"runtime.g0": &l.G0Addr, "runtime.m0": &l.M0Addr}
	for _, s := range syms {
		if p, ok := want[s.Name]; ok && elf.ST_TYPE(s.Info) == elf.STT_OBJECT {
			*p = s.Value
			delete(want, s.Name)
		}
	}
	for _, name := range []string{"runtime.g0", "runtime.m0"} {
		if _, missing := want[name]; missing {
			return fmt.Errorf("symbol %s not in the symbol table", name)
		}
	}
	return nil
}

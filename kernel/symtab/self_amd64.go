package symtab

// Self returns the table of the running binary: in the kernel, the kernel's
// own functions (its Go runtime included, though it never runs). It fails
// only if the linker wrote a table this package does not understand.
func Self() (Table, bool) {
	pclntab, text := selfTable()
	return NewText(pclntab, text)
}

// selfTable returns [runtime.pclntab, runtime.epclntab) and runtime.text,
// the linker-defined bounds of this binary's table and the start of its
// text. Implemented in self_amd64.s.
func selfTable() (pclntab []byte, text uint64)

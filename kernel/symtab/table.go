package symtab

// magicGo120 is abi.Go120PCLnTabMagic (src/internal/abi/symtab.go): the
// pcHeader magic written by every toolchain since Go 1.20, up to at least
// Go 1.27. An older table (Go 1.18's 0xfffffff0 has the same header but is
// untested here) is refused rather than misread.
const magicGo120 = 0xfffffff1

// headerWords is the number of ptrSize-wide fields after the first 8 bytes
// of the pcHeader: nfunc, nfiles, textStart and the five table offsets.
const headerWords = 8

// Field indexes of the ptrSize-wide pcHeader words (see doc.go).
const (
	hNfunc = iota
	hNfiles
	hTextStart
	hFuncnameOffset
	hCuOffset
	hFiletabOffset
	hPctabOffset
	hPclnOffset
)

// Table is a parsed pclntab. The zero Table finds nothing.
type Table struct {
	text  uint64 // address of runtime.text: functab offsets count from here
	nfunc uint64 // number of functions in the functab
	names []byte // funcnametab: NUL-terminated names
	ftab  []byte // from the functab to the end of the table: functab, then _func records
}

// New parses a pclntab whose header records the text start, as Go 1.20–1.25
// headers do. It is NewText(pclntab, 0): for a Go 1.26+ table, whose header
// field is 0, it fails; use NewText or Self.
func New(pclntab []byte) (Table, bool) {
	return NewText(pclntab, 0)
}

// NewText parses pclntab, the bytes from the pcHeader (runtime.pclntab) to
// runtime.epclntab, with textStart the address of runtime.text (the start of
// the .text section). textStart 0 means "take it from the header". It fails
// when the magic or any header field is not understood or points outside
// pclntab.
func NewText(pclntab []byte, textStart uint64) (Table, bool) {
	magic, ok := u32(pclntab, 0)
	if !ok || magic != magicGo120 {
		return Table{}, false
	}
	if !fits(pclntab, 0, 8) || pclntab[4] != 0 || pclntab[5] != 0 {
		return Table{}, false
	}
	ptrSize := pclntab[7]
	if ptrSize != 4 && ptrSize != 8 {
		return Table{}, false
	}

	var h [headerWords]uint64
	for i := uint64(0); i < headerWords; i++ {
		v, ok := uptr(pclntab, 8+i*uint64(ptrSize), ptrSize)
		if !ok {
			return Table{}, false
		}
		h[i] = v
	}

	if textStart == 0 {
		textStart = h[hTextStart]
	}
	if textStart == 0 {
		return Table{}, false
	}

	// The linker lays the sub-tables out in this order after the header,
	// each at a positive offset (generatePCHeader panics otherwise).
	end := uint64(len(pclntab))
	hdrEnd := 8 + headerWords*uint64(ptrSize)
	if h[hFuncnameOffset] < hdrEnd ||
		h[hCuOffset] < h[hFuncnameOffset] ||
		h[hFiletabOffset] < h[hCuOffset] ||
		h[hPctabOffset] < h[hFiletabOffset] ||
		h[hPclnOffset] < h[hPctabOffset] ||
		h[hPclnOffset] > end {
		return Table{}, false
	}

	t := Table{
		text:  textStart,
		nfunc: h[hNfunc],
		names: pclntab[h[hFuncnameOffset]:h[hCuOffset]],
		ftab:  pclntab[h[hPclnOffset]:end],
	}
	// The functab holds nfunc 8-byte pairs and the 4-byte end offset.
	if t.nfunc == 0 || t.nfunc > uint64(len(t.ftab))/8 || !fits(t.ftab, t.nfunc*8, 4) {
		return Table{}, false
	}
	return t, true
}

// TextStart is the address function offsets count from (runtime.text).
func (t *Table) TextStart() uint64 { return t.text }

// NumFuncs is the number of functions in the table.
func (t *Table) NumFuncs() int { return int(t.nfunc) }

// Package elf owns the checking of a program file before the kernel loads
// it: is it a 64-bit little-endian x86-64 executable for Linux, statically
// linked, free of C code, with sane loadable segments that do not collide
// with the kernel? Check answers that from the file's bytes alone and, when
// the answer is no, returns an Err that says why in words a user
// understands, such as
//
//	gobare: /bin/ls is dynamically linked (asks for /lib64/ld-linux-x86-64.so.2); build with CGO_ENABLED=0
//
// When the answer is yes, the Program it returns describes the loadable
// segments, entry point and program header table the loader and the
// process's auxiliary vector need.
//
// References: the System V ABI, generic part (gABI), chapter 4 "Object
// Files" (ELF header, e_ident) and chapter 5 "Program Loading and Dynamic
// Linking" (program headers); the System V ABI AMD64 Architecture Processor
// Supplement (psABI) §4.1 (EM_X86_64, ELFCLASS64, ELFDATA2LSB) and §5.1
// (4 KiB pages, loadable segments); and, for the Go build information, the
// format read by the standard library's debug/buildinfo.
//
// The package is compiled into the kernel, whose Go runtime never runs, and
// is used on the host by mkimage and the tests. So it does not import
// debug/elf or encoding/binary: it reads the file by hand, checks every
// offset against the file's length before indexing (the kernel is compiled
// without bounds checks), allocates nothing, and returns its results by value.
// Error messages are built from constant pieces (Err.Text) or written into a
// caller's buffer (Format), never allocated, so the kernel can print them.
package elf

// ELF identification and header values (gABI ch. 4, "ELF Identification"
// and "ELF Header"; psABI §4.1.1, "Machine Information").
const (
	magicLength = 4       // e_ident[0:4] is "\x7fELF"
	ehdrSize    = 64      // size of an ELF64 header
	elfClass64  = 2       // EI_CLASS: ELFCLASS64
	elfDataLSB  = 1       // EI_DATA: ELFDATA2LSB, little-endian
	evCurrent   = 1       // EI_VERSION and e_version: EV_CURRENT
	osabiSysV   = 0       // EI_OSABI: ELFOSABI_NONE (System V), what Go and GNU ld write for Linux
	osabiLinux  = 3       // EI_OSABI: ELFOSABI_GNU (Linux), written when GNU extensions are used
	emX86_64    = 62      // e_machine: EM_X86_64 (psABI §4.1.1)
	phdrSize    = 56      // e_phentsize: the size of an ELF64 program header
	phnumXnum   = 0xffff  // e_phnum PN_XNUM: the real count is in section header 0 (gABI); unsupported
	pageSize    = 4096    // psABI §5.1: the page size loadable segments are congruent to
	maxInterp   = 256     // Detail keeps at most this many bytes of an interpreter path
	maxGoString = 1 << 20 // the longest Go version or module info string Check believes
)

// Offsets of the ELF64 header fields (gABI ch. 4, "ELF Header").
const (
	eiClass    = 4  // e_ident[EI_CLASS]: 1 = 32-bit, 2 = 64-bit
	eiData     = 5  // e_ident[EI_DATA]: 1 = little-endian, 2 = big-endian
	eiVersion  = 6  // e_ident[EI_VERSION]: 1
	eiOSABI    = 7  // e_ident[EI_OSABI]: the operating system ABI
	offType    = 16 // e_type, u16
	offMachine = 18 // e_machine, u16
	offVersion = 20 // e_version, u32
	offEntry   = 24 // e_entry, u64
	offPhoff   = 32 // e_phoff, u64
	offPhentsz = 54 // e_phentsize, u16
	offPhnum   = 56 // e_phnum, u16
)

// Offsets of the ELF64 program header fields (gABI ch. 5, "Program Header").
const (
	phType   = 0  // p_type, u32
	phFlags  = 4  // p_flags, u32
	phOffset = 8  // p_offset, u64
	phVaddr  = 16 // p_vaddr, u64 (p_paddr at 24 is unused)
	phFilesz = 32 // p_filesz, u64
	phMemsz  = 40 // p_memsz, u64 (p_align at 48 is unused)
)

// Values of e_type (gABI ch. 4).
const (
	TypeRel  = 1 // ET_REL: a relocatable object file (a .o)
	TypeExec = 2 // ET_EXEC: an executable linked at fixed addresses; what go build makes
	TypeDyn  = 3 // ET_DYN: a shared object or position-independent executable
	TypeCore = 4 // ET_CORE: a core dump
)

// Values of p_type (gABI ch. 5, "Program Header").
const (
	ptLoad   = 1 // PT_LOAD: a loadable segment
	ptInterp = 3 // PT_INTERP: the path of the dynamic linker the program needs
	ptPhdr   = 6 // PT_PHDR: where the program header table itself is loaded
	ptTLS    = 7 // PT_TLS: the thread-local storage template (C's __thread)
)

// Segment permission bits, p_flags (gABI ch. 5).
const (
	PF_X = 1 // executable
	PF_W = 2 // writable
	PF_R = 4 // readable
)

// MaxSegments is how many PT_LOAD segments a Program can hold. Go binaries
// have three (text, read-only data, data); C linkers make four or five.
const MaxSegments = 16

// UserTop is the first address above the lower half of the 48-bit x86-64
// address space, which belongs to the program; the upper half is the
// kernel's. Every segment must end at or below it.
const UserTop = 1 << 47

// Segment is one PT_LOAD program header (gABI ch. 5): Memsz bytes at
// virtual address Vaddr, of which the first Filesz come from the file at
// Offset and the rest are zero.
type Segment struct {
	Vaddr  uint64 // p_vaddr: where the segment's first byte goes
	Memsz  uint64 // p_memsz: bytes the segment occupies in memory (≥ Filesz)
	Offset uint64 // p_offset: where the segment's bytes start in the file
	Filesz uint64 // p_filesz: bytes taken from the file
	Flags  uint32 // p_flags: PF_R, PF_W, PF_X
}

// Program is what Check learned about a program file. On success every
// field is valid; on failure the fields read before the fault are filled
// in, along with Detail and Bad for the errors that use them.
type Program struct {
	Entry     uint64 // e_entry: the address of the first instruction
	Type      uint16 // e_type: TypeExec, or TypeDyn for a static PIE (addresses then relative to a load base)
	Machine   uint16 // e_machine: 62 (EM_X86_64) on success; the value read, for ErrMachine
	OSABI     uint8  // e_ident[EI_OSABI]: 0 or 3 on success; the value read, for ErrOSABI
	Phoff     uint64 // e_phoff: file offset of the program header table
	Phentsize uint16 // e_phentsize: size of one program header, 56 (the auxiliary vector's AT_PHENT)
	Phnum     uint16 // e_phnum: number of program headers (AT_PHNUM)
	PhdrVaddr uint64 // where the loaded image holds the program header table (AT_PHDR); 0 if no segment loads it

	Segments  [MaxSegments]Segment // the PT_LOAD segments, in file order
	NSegments int                  // entries of Segments in use, never more than MaxSegments

	GoVersion []byte  // the Go release that built the program, e.g. "go1.26.8", from its build info; nil if none found
	Detail    []byte  // the variable part of the message for some errors (see Err.Text), a sub-slice of the file; else nil
	Bad       Segment // for segment errors, the offending program header (for ErrTruncated the byte range needed)
	Size      uint64  // the file's length in bytes
	Reserved  uint64  // the reservedEnd passed to Check
}

// Err says why a file cannot be run. ErrNone means it can.
type Err uint8

// The errors Check returns, in the order it looks for them.
const (
	ErrNone            Err = iota // the file is a program gobare can load
	ErrNotELF                     // no ELF magic number: not an ELF file at all
	ErrTooShort                   // shorter than an ELF header
	ErrNot64                      // ELFCLASS32: a 32-bit program
	ErrBigEndian                  // ELFDATA2MSB: a big-endian program
	ErrVersion                    // EI_VERSION or e_version is not EV_CURRENT
	ErrOSABI                      // EI_OSABI names another system (e.g. FreeBSD)
	ErrNotExecutable              // e_type is not ET_EXEC or ET_DYN: an object file, core dump, ...
	ErrMachine                    // e_machine is not EM_X86_64
	ErrPhdr                       // e_phentsize is not 56, or e_phnum is PN_XNUM
	ErrTruncated                  // a program header or a segment lies past the end of the file
	ErrGOOS                       // the Go build info says GOOS is not linux (Detail: the GOOS)
	ErrDynamic                    // a PT_INTERP asks for a dynamic linker (Detail: its path)
	ErrTLS                        // a PT_TLS: C thread-local storage, so C code (cgo)
	ErrSegmentSize                // a PT_LOAD has p_memsz < p_filesz
	ErrSegmentRange               // a PT_LOAD wraps around or extends above UserTop
	ErrSegmentAlign               // a PT_LOAD's p_vaddr and p_offset differ modulo 4 KiB
	ErrNoLoad                     // no PT_LOAD at all
	ErrTooManySegments            // more than MaxSegments PT_LOADs
	ErrOverlap                    // a PT_LOAD lies below reservedEnd, in the kernel's memory
	ErrEntry                      // e_entry is not inside the file bytes of an executable PT_LOAD
	errCount                      // number of errors, for tests
)

// String returns a short phrase naming the error, a constant string.
func (e Err) String() string {
	switch e {
	case ErrNone:
		return "no error"
	case ErrNotELF:
		return "not an ELF file"
	case ErrTooShort:
		return "too short for an ELF header"
	case ErrNot64:
		return "32-bit ELF file"
	case ErrBigEndian:
		return "big-endian ELF file"
	case ErrVersion:
		return "unknown ELF version"
	case ErrOSABI:
		return "built for another operating system"
	case ErrNotExecutable:
		return "not an executable"
	case ErrMachine:
		return "not built for x86-64"
	case ErrPhdr:
		return "malformed program header table"
	case ErrTruncated:
		return "truncated file"
	case ErrGOOS:
		return "built for another GOOS"
	case ErrDynamic:
		return "dynamically linked"
	case ErrTLS:
		return "uses C thread-local storage"
	case ErrSegmentSize:
		return "segment smaller in memory than in the file"
	case ErrSegmentRange:
		return "segment outside the program's address space"
	case ErrSegmentAlign:
		return "segment not page-aligned with its file offset"
	case ErrNoLoad:
		return "no loadable segments"
	case ErrTooManySegments:
		return "too many loadable segments"
	case ErrOverlap:
		return "linked over the kernel"
	case ErrEntry:
		return "entry point not in executable code"
	}
	return "unknown ELF error"
}

// Error makes Err an error for host callers. The kernel calls String or Text.
func (e Err) Error() string { return e.String() }

// Text returns the constant parts of the error's message for a user. The
// whole message is
//
//	"gobare: " + name + " " + before + string(p.Detail) + after
//
// where name is the program's name and p the Program Check returned. Detail
// is non-empty only for the errors whose before ends in an opening phrase
// (ErrGOOS, ErrDynamic); for the others after is "" and Detail is nil. The
// kernel prints the pieces one by one; Format and Describe add the numbers.
func (e Err) Text() (before, after string) {
	switch e {
	case ErrNone:
		return "is a static x86-64 Linux executable", ""
	case ErrNotELF:
		return "is not an ELF executable", ""
	case ErrTooShort:
		return "is too short to be an ELF executable", ""
	case ErrNot64:
		return "is a 32-bit program; gobare runs 64-bit x86-64 programs (build with GOARCH=amd64)", ""
	case ErrBigEndian:
		return "is a big-endian program; gobare runs x86-64 programs (build with GOARCH=amd64)", ""
	case ErrVersion:
		return "is not an ELF executable (unknown ELF version)", ""
	case ErrOSABI:
		return "is built for another operating system, not Linux; build with GOOS=linux", ""
	case ErrNotExecutable:
		return "is not an executable program (ELF type is not EXEC or DYN)", ""
	case ErrMachine:
		return "is built for another processor, not x86-64; build with GOARCH=amd64", ""
	case ErrPhdr:
		return "has a malformed program header table", ""
	case ErrTruncated:
		return "is truncated: part of the program lies past the end of the file", ""
	case ErrGOOS:
		return "is built for GOOS=", ", not linux; build with GOOS=linux"
	case ErrDynamic:
		return "is dynamically linked (asks for ", "); build with CGO_ENABLED=0"
	case ErrTLS:
		return "uses C thread-local storage (a cgo binary?); build with CGO_ENABLED=0", ""
	case ErrSegmentSize:
		return "has a segment smaller in memory than in the file", ""
	case ErrSegmentRange:
		return "has a segment that wraps around or lies above the program's half of the address space", ""
	case ErrSegmentAlign:
		return "has a segment whose address and file offset are not congruent modulo 4 KiB", ""
	case ErrNoLoad:
		return "has no loadable segments", ""
	case ErrTooManySegments:
		return "has more than 16 loadable segments", ""
	case ErrOverlap:
		return "is linked at addresses that overlap the kernel; link it higher with go build -ldflags=-T=...", ""
	case ErrEntry:
		return "has its entry point outside its executable code", ""
	}
	return "cannot be run (unknown ELF error)", ""
}

// Check decides whether file, the bytes of a program, is a static x86-64
// Linux executable the kernel can load, and describes it. reservedEnd is the
// first virtual address the program may use: every PT_LOAD of a TypeExec
// program must lie at or above it (a TypeDyn program's addresses are
// relative to a base the loader chooses, so they are not compared).
//
// Check looks, in order, at the ELF identification and header, the program
// header table, the Go build information (GOOS), then PT_INTERP, PT_TLS and
// the build information's CGO_ENABLED — so a dynamically linked or cgo
// binary is named as such even if it has other faults — then the PT_LOAD
// segments, their placement and the entry point. The first fault found is
// returned.
func Check(file []byte, reservedEnd uint64) (Program, Err) {
	var p Program
	size := uint64(len(file))
	p.Size = size
	p.Reserved = reservedEnd

	// Identification (gABI ch. 4, "ELF Identification").
	if size < magicLength || file[0] != 0x7f || file[1] != 'E' || file[2] != 'L' || file[3] != 'F' {
		return p, ErrNotELF
	}
	if size < ehdrSize {
		return p, ErrTooShort
	}
	h := file[:ehdrSize]
	if h[eiClass] != elfClass64 {
		return p, ErrNot64
	}
	if h[eiData] != elfDataLSB {
		return p, ErrBigEndian
	}
	p.OSABI = h[eiOSABI]
	p.Type = le16(h[offType:])
	p.Machine = le16(h[offMachine:])
	p.Entry = le64(h[offEntry:])
	p.Phoff = le64(h[offPhoff:])
	p.Phentsize = le16(h[offPhentsz:])
	p.Phnum = le16(h[offPhnum:])
	if h[eiVersion] != evCurrent || le32(h[offVersion:]) != evCurrent {
		return p, ErrVersion
	}
	if p.OSABI != osabiSysV && p.OSABI != osabiLinux {
		return p, ErrOSABI
	}
	if p.Type != TypeExec && p.Type != TypeDyn {
		return p, ErrNotExecutable
	}
	if p.Machine != emX86_64 {
		return p, ErrMachine
	}

	// The program header table (gABI ch. 5).
	if p.Phentsize != phdrSize || p.Phnum == phnumXnum {
		return p, ErrPhdr
	}
	tableLen := uint64(p.Phnum) * phdrSize // at most 0xfffe * 56: no overflow
	if p.Phoff > size || size-p.Phoff < tableLen {
		p.Bad = Segment{Offset: p.Phoff, Filesz: tableLen}
		return p, ErrTruncated
	}

	// One pass over the program headers, remembering what matters and the
	// first fault of each kind; the order of the reports is decided after.
	var (
		interp, tls       Segment // the first PT_INTERP and PT_TLS headers
		haveInterp        bool    // a PT_INTERP was seen
		haveTLS           bool    // a PT_TLS was seen
		segErr            Err     // the first fault in a PT_LOAD
		segBad            Segment // the PT_LOAD with that fault
		nload             int     // PT_LOAD headers seen
		havePhdr          bool    // a PT_PHDR was seen
		phdrVaddr         uint64  // its p_vaddr
		phdrFromLoad      uint64  // the table's address worked out from the PT_LOAD holding it
		phdrFromLoadFound bool    // a PT_LOAD holds the table
	)
	for i := uint64(0); i < uint64(p.Phnum); i++ {
		ph := file[p.Phoff+i*phdrSize : p.Phoff+(i+1)*phdrSize] // inside: table checked above
		s := Segment{
			Vaddr:  le64(ph[phVaddr:]),
			Memsz:  le64(ph[phMemsz:]),
			Offset: le64(ph[phOffset:]),
			Filesz: le64(ph[phFilesz:]),
			Flags:  le32(ph[phFlags:]),
		}
		switch le32(ph[phType:]) {
		case ptInterp:
			if !haveInterp {
				interp, haveInterp = s, true
			}
		case ptTLS:
			if !haveTLS {
				tls, haveTLS = s, true
			}
		case ptPhdr:
			if !havePhdr {
				phdrVaddr, havePhdr = s.Vaddr, true
			}
		case ptLoad:
			if e := checkSegment(s, size); e != ErrNone && segErr == ErrNone {
				segErr, segBad = e, s
			}
			if nload < MaxSegments {
				p.Segments[nload] = s
			}
			nload++
			if !phdrFromLoadFound && p.Phoff >= s.Offset && p.Phoff-s.Offset < s.Filesz &&
				s.Filesz-(p.Phoff-s.Offset) >= tableLen {
				phdrFromLoad, phdrFromLoadFound = s.Vaddr+(p.Phoff-s.Offset), true
			}
		}
	}
	p.NSegments = nload
	if nload > MaxSegments {
		p.NSegments = MaxSegments
	}
	if havePhdr {
		p.PhdrVaddr = phdrVaddr
	} else if phdrFromLoadFound {
		p.PhdrVaddr = phdrFromLoad
	}

	// The Go build information, from the writable segments.
	var bi buildInfo
	for i := 0; i < p.NSegments && !bi.found; i++ {
		if s := p.Segments[i]; s.Flags&PF_W != 0 {
			bi = findBuildInfo(file, s.Offset, s.Filesz)
		}
	}
	p.GoVersion = bi.version
	if goos, ok := setting(bi.modinfo, "GOOS"); ok && !equal(goos, "linux") {
		p.Detail = goos
		return p, ErrGOOS
	}

	// What says the program needs an operating system's dynamic linker, or
	// contains C code.
	if haveInterp {
		if interp.Offset > size || size-interp.Offset < interp.Filesz {
			p.Bad = interp
			return p, ErrTruncated
		}
		path := file[interp.Offset : interp.Offset+interp.Filesz]
		n := uint64(0)
		for n < uint64(len(path)) && n < maxInterp && path[n] != 0 {
			n++
		}
		p.Detail = path[:n]
		p.Bad = interp
		return p, ErrDynamic
	}
	if haveTLS {
		p.Bad = tls
		return p, ErrTLS
	}
	// A build with CGO_ENABLED=1 (the default where a C compiler is
	// installed) is fine when no package used cgo: the program is then as
	// static as any. Real cgo code shows above, as an interpreter (the
	// usual dynamic link) or C thread-local storage (a static C link).

	// The loadable segments.
	if segErr != ErrNone {
		p.Bad = segBad
		return p, segErr
	}
	if nload == 0 {
		return p, ErrNoLoad
	}
	if nload > MaxSegments {
		return p, ErrTooManySegments
	}
	if p.Type == TypeExec {
		for i := 0; i < p.NSegments; i++ {
			if s := p.Segments[i]; s.Memsz != 0 && s.Vaddr < reservedEnd {
				p.Bad = s
				return p, ErrOverlap
			}
		}
	}
	for i := 0; i < p.NSegments; i++ {
		s := p.Segments[i]
		if s.Flags&PF_X != 0 && p.Entry >= s.Vaddr && p.Entry-s.Vaddr < s.Filesz {
			return p, ErrNone
		}
	}
	return p, ErrEntry
}

// checkSegment checks one PT_LOAD against a file of size bytes (gABI ch. 5:
// p_memsz ≥ p_filesz; psABI §5.1: p_vaddr ≡ p_offset modulo the page size).
func checkSegment(s Segment, size uint64) Err {
	if s.Memsz < s.Filesz {
		return ErrSegmentSize
	}
	if s.Offset > size || size-s.Offset < s.Filesz {
		return ErrTruncated
	}
	if s.Vaddr > UserTop || UserTop-s.Vaddr < s.Memsz {
		return ErrSegmentRange
	}
	if s.Filesz != 0 && (s.Vaddr-s.Offset)%pageSize != 0 {
		return ErrSegmentAlign
	}
	return ErrNone
}

// buildInfo is what findBuildInfo found.
type buildInfo struct {
	found   bool   // a build info header was found
	version []byte // the Go version, e.g. "go1.26.8"
	modinfo []byte // the module and build settings text, as `go version -m` prints it
}

// Layout of the Go build information (the .go.buildinfo section, which the
// Go linker puts at the start of the data segment; the format is the one
// src/debug/buildinfo reads). A 32-byte header, aligned to 16 bytes:
// the 14-byte magic, the pointer size, a flags byte, 16 bytes of padding;
// then, when flags has bit 1 set (Go 1.18 and later), two strings each
// preceded by its length as a uvarint: the Go version and the module info.
// The module info is framed by 16 bytes of sentinel on each side.
const (
	biMagic        = "\xff Go buildinf:"
	biAlign        = 16 // the header's alignment
	biHeaderSize   = 32 // magic, pointer size, flags, padding
	biFlags        = 15 // offset of the flags byte
	biFlagInline   = 2  // the strings follow the header (Go 1.18+)
	biSentinelSize = 16 // bytes of sentinel around the module info
)

// findBuildInfo looks for the Go build information in the file bytes
// [off, off+n) of a segment, at 16-byte aligned file offsets, and decodes
// it. Anything out of range or malformed means not found.
func findBuildInfo(file []byte, off, n uint64) buildInfo {
	var bi buildInfo
	size := uint64(len(file))
	if off > size {
		return bi
	}
	end := off + n
	if n > size-off {
		end = size
	}
	for at := (off + biAlign - 1) &^ (biAlign - 1); at < end && end-at >= biHeaderSize; at += biAlign {
		if !hasPrefix(file[at:end], biMagic) {
			continue
		}
		bi.found = true
		if file[at+biFlags]&biFlagInline == 0 {
			return bi // the pre-1.18 format, which holds pointers; no settings in it
		}
		v, next, ok := uvarintString(file[:end], at+biHeaderSize)
		if !ok {
			return bi
		}
		m, _, ok := uvarintString(file[:end], next)
		if !ok {
			return bi
		}
		bi.version = v
		if uint64(len(m)) >= 2*biSentinelSize+1 && m[uint64(len(m))-biSentinelSize-1] == '\n' {
			bi.modinfo = m[biSentinelSize : uint64(len(m))-biSentinelSize]
		}
		return bi
	}
	return bi
}

// uvarintString decodes a string stored as a uvarint length and its bytes
// at b[at:], returning it as a sub-slice of b and the offset after it.
func uvarintString(b []byte, at uint64) (s []byte, next uint64, ok bool) {
	size := uint64(len(b))
	var n uint64
	for shift := uint(0); ; shift += 7 {
		if at >= size || shift > 63 {
			return nil, 0, false
		}
		c := b[at]
		at++
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	if n > maxGoString || n > size-at {
		return nil, 0, false
	}
	return b[at : at+n], at + n, true
}

// setting returns the value of the build setting key in a module info text,
// which holds lines such as "build\tCGO_ENABLED=0".
func setting(modinfo []byte, key string) (value []byte, ok bool) {
	const prefix = "build\t"
	size := uint64(len(modinfo))
	for line := uint64(0); line < size; {
		end := line
		for end < size && modinfo[end] != '\n' {
			end++
		}
		l := modinfo[line:end]
		n := uint64(len(prefix) + len(key))
		if hasPrefix(l, prefix) && hasPrefix(l[len(prefix):], key) && uint64(len(l)) > n && l[n] == '=' {
			return l[n+1:], true
		}
		line = end + 1
	}
	return nil, false
}

// hasPrefix reports whether b begins with s.
func hasPrefix(b []byte, s string) bool {
	if len(b) < len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b[i] != s[i] {
			return false
		}
	}
	return true
}

// equal reports whether b and s hold the same bytes.
func equal(b []byte, s string) bool { return len(b) == len(s) && hasPrefix(b, s) }

// le16, le32 and le64 read little-endian integers from the start of b,
// which the caller has made long enough.
func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }
func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
func le64(b []byte) uint64 { return uint64(le32(b)) | uint64(le32(b[4:]))<<32 }

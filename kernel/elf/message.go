package elf

// Format writes the full one-line message for e about the program called
// name into dst and returns the number of bytes written; a message longer
// than dst is cut short. It is Err.Text's message with the numbers Check
// recorded in p filled in, e.g.
//
//	gobare: prog is truncated: it needs 0x9e1d1 bytes at file offset 0x0, but the file has only 0x1000
//
// It allocates nothing, so the kernel can use it with a buffer on its stack.
func Format(dst []byte, name string, p *Program, e Err) int {
	w := writer{buf: dst}
	w.str("gobare: ")
	w.str(name)
	w.str(" ")
	switch e {
	case ErrTooShort:
		w.str("is too short to be an ELF executable (")
		w.dec(p.Size)
		w.str(" bytes)")
	case ErrOSABI:
		w.str("is built for ")
		if s := osabiName(p.OSABI); s != "" {
			w.str(s)
			w.str(" (ELF OS/ABI ")
		} else {
			w.str("another operating system (ELF OS/ABI ")
		}
		w.dec(uint64(p.OSABI))
		w.str("), not Linux; build with GOOS=linux")
	case ErrNotExecutable:
		switch p.Type {
		case TypeRel:
			w.str("is an object file (ELF type REL), not an executable program; link it with go build")
		case TypeCore:
			w.str("is a core dump (ELF type CORE), not an executable program")
		default:
			w.str("is not an executable program (ELF type ")
			w.hex(uint64(p.Type))
			w.str(")")
		}
	case ErrMachine:
		w.str("is built for ")
		if s := machineName(p.Machine); s != "" {
			w.str(s)
			w.str(" (ELF machine ")
		} else {
			w.str("another processor (ELF machine ")
		}
		w.dec(uint64(p.Machine))
		w.str("), not x86-64; build with GOARCH=amd64")
	case ErrPhdr:
		w.str("has a malformed program header table (")
		if p.Phnum == phnumXnum {
			w.str("more than 65534 entries")
		} else {
			w.str("entries of ")
			w.dec(uint64(p.Phentsize))
			w.str(" bytes, not 56")
		}
		w.str(")")
	case ErrTruncated:
		w.str("is truncated: it needs ")
		w.hex(p.Bad.Filesz)
		w.str(" bytes at file offset ")
		w.hex(p.Bad.Offset)
		w.str(", but the file has only ")
		w.hex(p.Size)
	case ErrSegmentSize:
		w.str("has a segment at ")
		w.hex(p.Bad.Vaddr)
		w.str(" with ")
		w.hex(p.Bad.Memsz)
		w.str(" bytes in memory but ")
		w.hex(p.Bad.Filesz)
		w.str(" in the file")
	case ErrSegmentRange:
		w.str("has a segment at ")
		w.hex(p.Bad.Vaddr)
		w.str(" of ")
		w.hex(p.Bad.Memsz)
		w.str(" bytes, which wraps around or reaches above ")
		w.hex(UserTop)
	case ErrSegmentAlign:
		w.str("has a segment at ")
		w.hex(p.Bad.Vaddr)
		w.str(" whose file offset ")
		w.hex(p.Bad.Offset)
		w.str(" is not congruent to it modulo 4 KiB")
	case ErrOverlap:
		lo, hi := p.span()
		above := (p.Reserved + pageSize - 1) &^ (pageSize - 1)
		w.str("is linked at ")
		w.hex(lo)
		w.str("-")
		w.hex(hi)
		w.str(", which overlaps the kernel (below ")
		w.hex(p.Reserved)
		w.str("); link it at or above ")
		w.hex(above)
		w.str(" with go build -ldflags=-T=")
		w.hex(above + pageSize) // -T sets the text address; the headers' page precedes it
	case ErrEntry:
		w.str("has its entry point ")
		w.hex(p.Entry)
		w.str(" outside its executable code")
	default:
		before, after := e.Text()
		w.str(before)
		w.bytes(p.Detail)
		w.str(after)
	}
	return w.n
}

// Describe returns the full one-line message for e about the program called
// name, as Format writes it. It allocates, so it is for host tools.
func Describe(name string, p Program, e Err) string {
	buf := make([]byte, 512+len(name)+len(p.Detail))
	return string(buf[:Format(buf, name, &p, e)])
}

// span returns the lowest address and the highest end of p's segments.
func (p *Program) span() (lo, hi uint64) {
	n := p.NSegments
	if n > MaxSegments {
		n = MaxSegments
	}
	for i := 0; i < n; i++ {
		s := p.Segments[i]
		if i == 0 || s.Vaddr < lo {
			lo = s.Vaddr
		}
		if end := s.Vaddr + s.Memsz; end > hi {
			hi = end
		}
	}
	return lo, hi
}

// machineName names common e_machine values (gABI ch. 4, "ELF Header", and
// the registry of machine numbers) by their GOARCH, or returns "".
func machineName(m uint16) string {
	switch m {
	case 3:
		return "386"
	case 8:
		return "mips"
	case 20:
		return "ppc"
	case 21:
		return "ppc64"
	case 22:
		return "s390x"
	case 40:
		return "arm"
	case 62:
		return "amd64"
	case 183:
		return "arm64"
	case 243:
		return "riscv64"
	case 258:
		return "loong64"
	}
	return ""
}

// osabiName names the e_ident[EI_OSABI] values of other systems (gABI
// ch. 4, "ELF Identification"), or returns "".
func osabiName(o uint8) string {
	switch o {
	case 1:
		return "HP-UX"
	case 2:
		return "NetBSD"
	case 6:
		return "Solaris"
	case 9:
		return "FreeBSD"
	case 12:
		return "OpenBSD"
	}
	return ""
}

// writer fills a byte buffer, dropping what does not fit.
type writer struct {
	buf []byte // the destination
	n   int    // bytes written so far
}

// str appends s.
func (w *writer) str(s string) {
	for i := 0; i < len(s) && w.n < len(w.buf); i++ {
		w.buf[w.n] = s[i]
		w.n++
	}
}

// bytes appends b.
func (w *writer) bytes(b []byte) {
	for i := 0; i < len(b) && w.n < len(w.buf); i++ {
		w.buf[w.n] = b[i]
		w.n++
	}
}

// hex appends v as 0x followed by lower-case hexadecimal digits.
func (w *writer) hex(v uint64) {
	var d [16]byte
	i := len(d)
	for {
		i--
		d[i] = "0123456789abcdef"[v&0xf]
		v >>= 4
		if v == 0 || i == 0 {
			break
		}
	}
	w.str("0x")
	w.bytes(d[i:])
}

// dec appends v in decimal.
func (w *writer) dec(v uint64) {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + v%10)
		v /= 10
		if v == 0 || i == 0 {
			break
		}
	}
	w.bytes(d[i:])
}

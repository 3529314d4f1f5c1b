package vm

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/mem"
)

// FaultResult says what a page fault was.
type FaultResult uint8

const (
	FaultHandled  FaultResult = iota // a page was mapped: retry the access
	FaultUnmapped                    // no region there (SIGSEGV, SEGV_MAPERR)
	FaultDenied                      // the region forbids this access (SIGSEGV, SEGV_ACCERR)
	FaultNoMemory                    // no free frame
	FaultBus                         // a file's page past its end, or none from the file (SIGBUS, BUS_ADRERR)
)

// Page-fault error code bits (SDM Vol. 3A §4.7, Figure 4-12).
const (
	pfPresent = 1 << 0 // the page was present: a protection violation
	pfWrite   = 1 << 1 // the access was a write
	pfFetch   = 1 << 4 // the access was an instruction fetch
)

// HandleFault maps a page for a program access to addr when its region
// allows the access (demand paging: a zeroed frame or the file's page),
// or copies a private mapping's page of a file on its first write.
func (s *Space) HandleFault(addr uintptr, errorCode uint64) FaultResult {
	r, ok := s.Find(addr)
	if !ok {
		return FaultUnmapped
	}
	write := errorCode&pfWrite != 0
	if r.Prot == 0 ||
		write && r.Prot&ProtWrite == 0 ||
		errorCode&pfFetch != 0 && r.Prot&ProtExec == 0 {
		return FaultDenied
	}
	page := addr &^ (mem.PageSize - 1)
	if errorCode&pfPresent != 0 {
		if s.entryAllows(addr, errorCode) {
			// The entry allows the access now: this CPU's TLB held an
			// older one, which another CPU's shootdown dropped before
			// this fault got the kernel lock. Retry.
			return FaultHandled
		}
		if !write {
			return FaultDenied
		}
		return s.copyOnWrite(page, r) // a read-only page in a writable region
	}
	return s.populate(page, r, write)
}

// entryAllows reports whether the page table's entry for addr allows the
// access the error code describes.
func (s *Space) entryAllows(addr uintptr, errorCode uint64) bool {
	e, _ := s.pte(addr &^ (mem.PageSize - 1))
	return e != nil && *e&mem.Present != 0 &&
		(errorCode&pfWrite == 0 || *e&mem.Writable != 0) &&
		(errorCode&pfFetch == 0 || *e&mem.NoExec == 0)
}

// populate maps page of region r for a first access (a write when
// write): a frame from frameFor; a PROT_NONE page that kept its frame gets
// it back instead, contents and all.
func (s *Space) populate(page uintptr, r Region, write bool) FaultResult {
	if e, _ := s.pte(page); e != nil && holdsFrame(*e) {
		*e = pageEntry(*e, r.Prot)
		s.flush(page)
		if write && *e&cowBit != 0 {
			return s.copyOnWrite(page, r)
		}
		return FaultHandled
	}
	frame, cow, res := s.frameFor(page, r, write)
	if res != FaultHandled {
		return res
	}
	if s.PT.Map(page, frame, 0) != mem.MapOK {
		s.PT.Frames.FreeFrame(frame)
		return FaultNoMemory
	}
	// The entry as the region wants it: the page was not present, so no
	// TLB entry needs dropping (SDM Vol. 3A §4.10.2.3: only present
	// entries are cached). PROT_NONE happens for a segment being loaded:
	// filled, not accessible.
	e, _ := s.pte(page)
	*e = pageEntry(uint64(frame)|cow, r.Prot)
	return FaultHandled
}

// frameOf returns the frame a page holds, present or PROT_NONE.
func (s *Space) frameOf(page uintptr) (uintptr, bool) {
	e, _ := s.pte(page)
	if e == nil || !holdsFrame(*e) {
		return 0, false
	}
	return uintptr(*e & frameMask), true
}

// allows reports whether a region with protection prot lets the kernel
// read (or, with write, write) it on the program's behalf. On x86 every
// mapping that is not PROT_NONE is readable: the page tables have no
// "not readable" bit, and Linux likewise reads PROT_EXEC memory.
func allows(prot uint32, write bool) bool {
	if write {
		return prot&ProtWrite != 0
	}
	return prot != 0
}

// pageFor returns the kernel's view (through the direct map) of the page
// holding addr, faulting it in (or copying it, to write a private
// mapping's file page) as an access by the program would. Addresses
// outside every region, the kernel's own among them, and pages the
// program could not touch either (past the end of a mapped file), fail.
func (s *Space) pageFor(addr uintptr, write bool) ([]byte, bool) {
	page := addr &^ (mem.PageSize - 1)
	r, found := s.Find(addr)
	if !found || !allows(r.Prot, write) {
		return nil, false
	}
	res := FaultHandled
	switch e, _ := s.pte(page); {
	case e == nil || *e&mem.Present == 0:
		res = s.populate(page, r, write)
	case write && *e&cowBit != 0:
		res = s.copyOnWrite(page, r)
	}
	if res != FaultHandled {
		return nil, false
	}
	phys, _ := s.frameOf(page)
	return s.PT.Frames.Page(phys), true
}

// CopyIn copies program memory at addr into dst; false means EFAULT.
func (s *Space) CopyIn(dst []byte, addr uintptr) bool {
	for len(dst) > 0 {
		page, ok := s.pageFor(addr, false)
		if !ok {
			return false
		}
		n := mem.Copy(dst, page[addr%mem.PageSize:])
		dst = dst[n:]
		addr += uintptr(n)
	}
	return true
}

// CopyOut copies src into program memory at addr; false means EFAULT.
func (s *Space) CopyOut(addr uintptr, src []byte) bool {
	for len(src) > 0 {
		page, ok := s.pageFor(addr, true)
		if !ok {
			return false
		}
		n := mem.Copy(page[addr%mem.PageSize:], src)
		src = src[n:]
		addr += uintptr(n)
	}
	return true
}

// ReadUint32 and friends read and write single words of program memory.
func (s *Space) ReadUint32(addr uintptr) (uint32, bool) {
	var b [4]byte
	ok := s.CopyIn(b[:], addr)
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24, ok
}

func (s *Space) ReadUint64(addr uintptr) (uint64, bool) {
	var b [8]byte
	ok := s.CopyIn(b[:], addr)
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, ok
}

func (s *Space) WriteUint64(addr uintptr, v uint64) bool {
	var b [8]byte
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	return s.CopyOut(addr, b[:])
}

func (s *Space) WriteUint32(addr uintptr, v uint32) bool {
	b := [4]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
	return s.CopyOut(addr, b[:])
}

// Load creates a region for a program segment at vaddr (memsz bytes, prot)
// and fills the pages that hold data from the file now; the zeros after
// it (the bss) are demand-paged, as anonymous memory is, so a program's
// untouched bss costs neither RAM nor time (a Go program that links
// crypto has a 32 MiB one, crypto/internal/fips140/drbg.memory). Linux
// does the same: its ELF loader maps the file's part and leaves the rest
// of the segment to anonymous zero pages (fs/binfmt_elf.c, set_brk).
//
// kept says that data lies in memory the kernel keeps unchanged for as
// long as it runs (the program mkimage embedded in the image, a Multiboot
// module): then the whole pages of a segment that is never writable are
// mapped where they lie rather than copied (inPlace).
func (s *Space) Load(vaddr uintptr, data []byte, memsz uintptr, prot uint32, kept bool) bool {
	start := vaddr &^ (mem.PageSize - 1)
	end := (vaddr + memsz + mem.PageSize - 1) &^ (mem.PageSize - 1)
	r := Region{Start: start, End: end, Prot: prot}
	if !s.Map(r) {
		return false
	}
	dataEnd := vaddr + uintptr(len(data))
	filled := min(end, (dataEnd+mem.PageSize-1)&^(mem.PageSize-1))
	for page := start; page < filled; page += mem.PageSize {
		if kept && prot&ProtWrite == 0 {
			if done, ok := s.inPlace(page, vaddr, data, r); done {
				if !ok {
					return false
				}
				continue
			}
		}
		if s.populate(page, r, false) != FaultHandled {
			return false
		}
		from, to := max(page, vaddr), min(page+mem.PageSize, dataEnd)
		phys, _ := s.frameOf(page)
		mem.Copy(s.PT.Frames.Page(phys)[from-page:], data[from-vaddr:to-vaddr])
	}
	return true
}

// inPlace maps page of region r, which Load fills from data (the segment's
// file bytes, from vaddr on), to the frame that already holds those bytes,
// when there is one: the page lies wholly within data and data's bytes for
// it fill one frame exactly (the file's offsets and the segment's
// addresses agree modulo the page size, as the ELF specification asks of
// loadable segments, and the file starts on a page boundary). The page is
// mapped read-only with the cow bit, and takes a hold on the frame
// (mem.FrameAllocator.Share), as a private file mapping does (file.go):
// the frame's first holder is the kernel, which reserved it at boot and
// never frees it, so no unmapping gives it back, and a write (after an
// mprotect) copies it first. done is false when the page must be copied
// instead; ok is false when the page could not be mapped.
//
// The boot saves a copy of each such page this way (the program's text
// and read-only data, 5.9 MB for the benchmark program): the copy, the
// zeroing of a fresh frame for it, and the RAM.
func (s *Space) inPlace(page, vaddr uintptr, data []byte, r Region) (done, ok bool) {
	if page < vaddr || page+mem.PageSize > vaddr+uintptr(len(data)) {
		return false, false
	}
	frame := uintptr(unsafe.Pointer(&data[page-vaddr])) - s.PT.Frames.Offset
	if frame%mem.PageSize != 0 {
		return false, false
	}
	if !s.PT.Frames.Share(frame) {
		return true, false
	}
	if s.PT.Map(page, frame, 0) != mem.MapOK {
		s.PT.Frames.FreeFrame(frame) // drops the hold only: the kernel keeps the frame
		return true, false
	}
	e, _ := s.pte(page)
	*e = pageEntry(uint64(frame)|cowBit, r.Prot)
	return true, true
}

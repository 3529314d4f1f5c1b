package vm

import (
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/vfs"
)

// File mappings (mmap of a file). A region that maps a file gets each
// page's frame when the page is first touched:
//
//   - a file whose pages live in frames (vfs.MapFrames: tmpfs) hands out
//     the frame its reads and writes use (File.MapFrame). A shared mapping
//     maps it as it is, so the mapping and read/write see the same bytes
//     and msync has nothing to copy. A private mapping maps it read-only
//     with the cow bit; the first write copies it into a frame of its own
//     (copy on write), and a write fault on a page not yet touched copies
//     at once. Either way the mapping takes its own hold on the file's
//     frame (mem.FrameAllocator.Share), dropped when the page is
//     unmapped, so truncating, unlinking or closing the file never frees
//     a frame a mapping still maps.
//   - a file whose bytes never change (vfs.MapCopy: the archive) gets a
//     copy of the page in a fresh frame, read with ReadAt.
//
// A page wholly past the end of the file raises SIGBUS (FaultBus), as on
// Linux; after a file shrinks, Truncated takes the pages already mapped
// past its new end away, so that they fault too.

// cowBit marks a page-table entry whose frame is a file's, mapped
// read-only into a private mapping: a write must copy it first. Bit 10 is
// ignored by the processor in every entry (SDM Vol. 3A §4.5, Table 4-20,
// bits 11:9; and all of bits 63:1 when P is 0), like protNone's bit 9.
const cowBit = 1 << 10

// from returns the part of r from addr on, with the file offset that
// addr maps.
func (r Region) from(addr uintptr) Region {
	r.Off += int64(addr - r.Start)
	r.Start = addr
	return r
}

// continues reports whether b maps what follows a's last page: both
// anonymous memory, or the same file at the next offset, alike flags.
func continues(a, b Region) bool {
	if a.File == nil || b.File == nil {
		return a.File == nil && b.File == nil
	}
	return a.File.Desc() == b.File.Desc() && a.Flags == b.Flags && b.Off == a.Off+int64(a.End-a.Start)
}

// hold takes a reference to r's file for one more region; drop lets one
// go, releasing the file with the last (vfs.Put).
func hold(r Region) {
	if r.File != nil {
		vfs.Hold(r.File)
	}
}

func drop(r Region) {
	if r.File != nil {
		vfs.Put(r.File)
	}
}

// WriteForbidden reports whether a region in [start, end) may never be
// writable (NoWrite): mprotect adding PROT_WRITE there is EACCES.
func (s *Space) WriteForbidden(start, end uintptr) bool {
	for i := 0; i < s.nregions; i++ {
		r := s.regions[i]
		if r.Start < end && start < r.End && r.Flags&NoWrite != 0 {
			return true
		}
	}
	return false
}

// Truncated unmaps the pages of file mappings that lie wholly past the
// end of their file, after a call that may have shrunk a file
// (ftruncate, truncate, open with O_TRUNC): their next touch raises
// SIGBUS, as on Linux, whose truncate_pagecache unmaps them, a private
// mapping's copies too (unmap_mapping_range with even_cows).
func (s *Space) Truncated() {
	for i := 0; i < s.nregions; i++ {
		r := s.regions[i]
		if r.File == nil {
			continue
		}
		size, _ := r.File.Size()
		past := (size + mem.PageSize - 1) &^ (mem.PageSize - 1) // the first page offset wholly past the end
		if past-r.Off < int64(r.End-r.Start) {
			s.freePages(r.Start+uintptr(max(past-r.Off, 0)), r.End)
		}
	}
}

// frameFor returns the frame to map at page of region r for a first
// touch (a write when write), and the cow bit when it is a file's frame
// that a write must copy first.
func (s *Space) frameFor(page uintptr, r Region, write bool) (uintptr, uint64, FaultResult) {
	if r.File == nil {
		return s.newFrame()
	}
	off := r.Off + int64(page-r.Start)
	if size, _ := r.File.Size(); off >= size {
		return 0, 0, FaultBus
	}
	switch r.File.MapKind() {
	case vfs.MapCopy:
		frame, _, res := s.newFrame()
		if res == FaultHandled {
			r.File.ReadAt(s.PT.Frames.Page(frame), off)
		}
		return frame, 0, res
	case vfs.MapFrames:
	default:
		return 0, 0, FaultBus
	}
	shared := r.Flags&Shared != 0
	phys, err := r.File.MapFrame(off, shared && r.Prot&ProtWrite != 0)
	switch {
	case err != 0:
		return 0, 0, FaultBus // Linux's VM_FAULT_SIGBUS: the file gave no page
	case !shared && write:
		return s.copyOf(phys)
	case !s.PT.Frames.Share(phys):
		return 0, 0, FaultNoMemory
	case !shared:
		return phys, cowBit, FaultHandled
	}
	return phys, 0, FaultHandled
}

// newFrame returns a zeroed frame of the program's own.
func (s *Space) newFrame() (uintptr, uint64, FaultResult) {
	frame, ok := s.PT.Frames.Alloc()
	if !ok {
		return 0, 0, FaultNoMemory
	}
	return frame, 0, FaultHandled
}

// copyOf returns a frame of the program's own holding a copy of frame src.
func (s *Space) copyOf(src uintptr) (uintptr, uint64, FaultResult) {
	frame, _, res := s.newFrame()
	if res == FaultHandled {
		mem.Copy(s.PT.Frames.Page(frame), s.PT.Frames.Page(src))
	}
	return frame, 0, res
}

// copyOnWrite gives a page that maps a file's frame for a private mapping
// (cowBit) a copy of its own, writable as its region allows, and drops
// the hold on the file's frame. Any other page has nothing to copy: the
// write was a protection violation.
func (s *Space) copyOnWrite(page uintptr, r Region) FaultResult {
	e, _ := s.pte(page)
	if e == nil || *e&cowBit == 0 {
		return FaultDenied
	}
	old := uintptr(*e & frameMask)
	frame, _, res := s.copyOf(old)
	if res != FaultHandled {
		return res
	}
	*e = pageEntry(uint64(frame), r.Prot)
	s.flush(page)
	s.retire(old) // other CPUs may still read the file's frame through their TLBs
	return FaultHandled
}

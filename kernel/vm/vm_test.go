//go:build unix

package vm

// Host tests of the region logic. vm works on a mem.PageTable whose
// frames it reaches through the frame allocator's Offset, so, as in
// kernel/mem's tests, an anonymous host mapping stands in for physical
// memory: physical address p is arena byte p. The one privileged
// instruction vm executes, INVLPG, goes through Space.flush, which these
// tests replace with a recorder.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"

	"github.com/gobare/gobare/kernel/mem"
)

const pg = mem.PageSize

// base is where these tests put program regions: the lowest address a
// program may use.
const base = mem.ProgramFloor

// testSpace is a Space over a fresh arena of physical memory.
type testSpace struct {
	*Space
	frames  *mem.FrameAllocator
	pt      mem.PageTable
	total   int             // frames in the arena
	flushed map[uintptr]int // INVLPGs per page
}

// newSpace returns an empty Space over an arena of n frames.
func newSpace(t *testing.T, n int) *testSpace {
	t.Helper()
	arena, err := syscall.Mmap(-1, 0, n*pg, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatalf("mmap of a %d-frame arena: %v", n, err)
	}
	t.Cleanup(func() { syscall.Munmap(arena) })
	top := uint64(n) * pg
	ts := &testSpace{Space: new(Space), frames: new(mem.FrameAllocator), total: n, flushed: map[uintptr]int{}}
	if !ts.frames.Init(make([]uint64, mem.BitmapWords(top)), top, uintptr(unsafe.Pointer(&arena[0]))) {
		t.Fatal("FrameAllocator.Init failed")
	}
	ts.frames.Release(0, top)
	var ok bool
	if ts.pt, ok = mem.NewPageTable(ts.frames); !ok {
		t.Fatal("NewPageTable failed")
	}
	ts.Init(&ts.pt)
	ts.flush = func(a uintptr) { ts.flushed[a]++ }
	return ts
}

// regionList returns the regions as a string, for comparisons.
func (ts *testSpace) regionList() string {
	var b bytes.Buffer
	for i := 0; i < ts.nregions; i++ {
		r := ts.regions[i]
		fmt.Fprintf(&b, "[%#x,%#x)%d ", r.Start, r.End, r.Prot)
	}
	return b.String()
}

// tables counts the frames the page table itself uses: the root and
// every table an entry above the leaves points to.
func (ts *testSpace) tables() int {
	var count func(table uintptr, level int) int
	count = func(table uintptr, level int) int {
		n := 1
		if level == 0 {
			return n
		}
		page := ts.frames.Page(table)
		for i := 0; i < 512; i++ {
			e := *(*uint64)(unsafe.Pointer(&page[i*8]))
			if e&mem.Present != 0 && e&mem.Huge == 0 {
				n += count(uintptr(e&frameMask), level-1)
			}
		}
		return n
	}
	return count(ts.pt.Root, 3)
}

// held counts the pages of [start, end) that hold a frame.
func (ts *testSpace) held(start, end uintptr) int {
	n := 0
	for a := start; a < end; a += pg {
		if _, ok := ts.frameOf(a); ok {
			n++
		}
	}
	return n
}

// wantNoLeak fails t unless every frame is free, a page table's, or held
// by a page of [start, end).
func (ts *testSpace) wantNoLeak(t *testing.T, start, end uintptr) {
	t.Helper()
	if got, want := ts.frames.Free(), ts.total-ts.tables()-ts.held(start, end); got != want {
		t.Errorf("%d free frames, want %d (%d total, %d in page tables, %d held by pages)",
			got, want, ts.total, ts.tables(), ts.held(start, end))
	}
}

// write stores v at addr through CopyOut, failing t if that fails.
func (ts *testSpace) write(t *testing.T, addr uintptr, v uint64) {
	t.Helper()
	if !ts.WriteUint64(addr, v) {
		t.Fatalf("WriteUint64(%#x) failed", addr)
	}
}

// wantWord fails t unless the word at addr reads as v.
func (ts *testSpace) wantWord(t *testing.T, addr uintptr, v uint64) {
	t.Helper()
	got, ok := ts.ReadUint64(addr)
	if !ok || got != v {
		t.Errorf("ReadUint64(%#x) = %#x, %v; want %#x, true", addr, got, ok, v)
	}
}

// leaf returns the page-table entry of page, 0 when there is none.
func (ts *testSpace) leaf(page uintptr) uint64 {
	if e, _ := ts.pte(page); e != nil {
		return *e
	}
	return 0
}

// TestProtectKeepsContents is mprotect's contract: a word written before
// a protection change reads back after it, through PROT_READ, PROT_NONE
// and back to PROT_READ|PROT_WRITE, in the same frame, and each
// protection is enforced on the way.
func TestProtectKeepsContents(t *testing.T) {
	ts := newSpace(t, 64)
	const addr, word = base + 0x10, 0x1122334455667788
	if !ts.Add(base, base+4*pg, ProtRead|ProtWrite) {
		t.Fatal("Add failed")
	}
	ts.write(t, addr, word)
	frame, ok := ts.frameOf(base)
	if !ok {
		t.Fatal("the written page holds no frame")
	}
	free := ts.frames.Free()

	if !ts.Protect(base, base+pg, ProtRead) {
		t.Fatal("Protect(PROT_READ) failed")
	}
	ts.wantWord(t, addr, word)
	if ts.WriteUint64(addr, 1) {
		t.Error("CopyOut into a PROT_READ page succeeded")
	}
	if e := ts.leaf(base); e&mem.Present == 0 || e&mem.Writable != 0 || uintptr(e&frameMask) != frame {
		t.Errorf("PROT_READ entry %#x: want present, read-only, frame %#x", e, frame)
	}
	if ts.flushed[base] == 0 {
		t.Error("no INVLPG after making a present page read-only")
	}

	if !ts.Protect(base, base+pg, 0) {
		t.Fatal("Protect(PROT_NONE) failed")
	}
	if _, ok := ts.ReadUint64(addr); ok {
		t.Error("CopyIn from a PROT_NONE page succeeded")
	}
	if e := ts.leaf(base); e&mem.Present != 0 || uintptr(e&frameMask) != frame {
		t.Errorf("PROT_NONE entry %#x: want not present, keeping frame %#x", e, frame)
	}
	if got := ts.HandleFault(addr, 0); got != FaultDenied {
		t.Errorf("read fault on a PROT_NONE page: %v, want FaultDenied", got)
	}

	if !ts.Protect(base, base+pg, ProtRead|ProtWrite) {
		t.Fatal("Protect(PROT_READ|PROT_WRITE) failed")
	}
	ts.wantWord(t, addr, word)
	ts.write(t, addr, word+1)
	ts.wantWord(t, addr, word+1)
	if e := ts.leaf(base); e&(mem.Present|mem.Writable) != mem.Present|mem.Writable || uintptr(e&frameMask) != frame {
		t.Errorf("entry after PROT_READ|PROT_WRITE %#x: want present, writable, frame %#x", e, frame)
	}
	if ts.frames.Free() != free {
		t.Errorf("protection changes moved frames: %d free, was %d", ts.frames.Free(), free)
	}
	if got, want := ts.regionList(), fmt.Sprintf("[%#x,%#x)3 ", base, base+4*pg); got != want {
		t.Errorf("regions %s, want %s (merged again)", got, want)
	}
}

// TestProtectSplits checks that mprotect of the middle of a region
// splits it in three and that pages on both sides keep their contents.
func TestProtectSplits(t *testing.T) {
	ts := newSpace(t, 64)
	ts.Add(base, base+4*pg, ProtRead|ProtWrite)
	for i := uintptr(0); i < 4; i++ {
		ts.write(t, base+i*pg, uint64(i+1))
	}
	if !ts.Protect(base+pg, base+3*pg, ProtRead) {
		t.Fatal("Protect failed")
	}
	want := fmt.Sprintf("[%#x,%#x)3 [%#x,%#x)1 [%#x,%#x)3 ", base, base+pg, base+pg, base+3*pg, base+3*pg, base+4*pg)
	if got := ts.regionList(); got != want {
		t.Errorf("regions %s, want %s", got, want)
	}
	for i := uintptr(0); i < 4; i++ {
		ts.wantWord(t, base+i*pg, uint64(i+1))
	}
	ts.write(t, base, 9)
	if ts.WriteUint64(base+2*pg, 9) {
		t.Error("write into the read-only middle succeeded")
	}
	ts.write(t, base+3*pg, 9)
}

// TestProtectRefuses: a hole, the kernel's image, the upper half and a
// full table are refused, and nothing changes.
func TestProtectRefuses(t *testing.T) {
	ts := newSpace(t, 64)
	ts.Add(base, base+2*pg, ProtRead|ProtWrite)
	ts.Add(base+3*pg, base+4*pg, ProtRead|ProtWrite)
	ts.write(t, base, 7)
	before := ts.regionList()
	for _, r := range []struct {
		name       string
		start, end uintptr
	}{
		{"range with a hole", base, base + 4*pg},
		{"unmapped range", base + 8*pg, base + 9*pg},
		{"kernel image", mem.KernelBase, mem.ProgramFloor},
		{"kernel image and program", mem.ProgramFloor - pg, base + pg},
		{"direct map", mem.DirectMapBase, mem.DirectMapBase + pg},
		{"kernel stacks", mem.StackBase, mem.StackBase + pg},
		{"empty", base, base},
		{"misaligned", base + 1, base + pg + 1},
	} {
		if ts.Protect(r.start, r.end, 0) {
			t.Errorf("Protect(%s [%#x, %#x)) succeeded", r.name, r.start, r.end)
		}
	}
	if got := ts.regionList(); got != before {
		t.Errorf("regions changed to %s, were %s", got, before)
	}
	ts.wantWord(t, base, 7)
}

// TestRemoveSplits is munmap of the middle of a region: two regions are
// left, the middle's frames are freed, the rest keeps its contents, and
// a PROT_NONE page's kept frame is freed too.
func TestRemoveSplits(t *testing.T) {
	ts := newSpace(t, 64)
	ts.Add(base, base+5*pg, ProtRead|ProtWrite)
	for i := uintptr(0); i < 5; i++ {
		ts.write(t, base+i*pg, uint64(i+1))
	}
	ts.Protect(base+2*pg, base+3*pg, 0)
	free := ts.frames.Free()
	if !ts.Remove(base+pg, base+4*pg) {
		t.Fatal("Remove failed")
	}
	if got := ts.frames.Free(); got != free+3 {
		t.Errorf("Remove of 3 touched pages (one PROT_NONE) freed %d frames, want 3", got-free)
	}
	want := fmt.Sprintf("[%#x,%#x)3 [%#x,%#x)3 ", base, base+pg, base+4*pg, base+5*pg)
	if got := ts.regionList(); got != want {
		t.Errorf("regions %s, want %s", got, want)
	}
	ts.wantWord(t, base, 1)
	ts.wantWord(t, base+4*pg, 5)
	if _, ok := ts.ReadUint64(base + 2*pg); ok {
		t.Error("CopyIn from an unmapped page succeeded")
	}
	if got := ts.HandleFault(base+2*pg, 0); got != FaultUnmapped {
		t.Errorf("fault in the hole: %v, want FaultUnmapped", got)
	}
	// Nothing mapped is fine; the kernel's ranges are not.
	if !ts.Remove(base+pg, base+4*pg) {
		t.Error("Remove of a hole failed")
	}
	for _, r := range [][2]uintptr{
		{mem.KernelBase, mem.ProgramFloor},
		{mem.ProgramFloor - pg, base + pg},
		{mem.DirectMapBase, mem.DirectMapBase + pg},
		{UserTop - pg, UserTop + pg},
		{base + pg, base},
	} {
		if ts.Remove(r[0], r[1]) {
			t.Errorf("Remove(%#x, %#x) succeeded", r[0], r[1])
		}
	}
	ts.wantWord(t, base, 1)
	ts.wantNoLeak(t, base, base+5*pg)
}

// TestFullTable: when the region table is full, a change that needs a
// new slot fails without changing anything (no page freed before the
// refusal), and changes that need none still work.
func TestFullTable(t *testing.T) {
	ts := newSpace(t, 64)
	region := func(i uintptr) (uintptr, uintptr) { return base + 3*i*pg, base + 3*(i+1)*pg }
	for i := uintptr(0); i < MaxRegions; i++ {
		// Alternate protections so that neighbours do not merge.
		start, end := region(i)
		if !ts.Add(start, end, ProtRead|uint32(i%2)*ProtWrite) {
			t.Fatalf("Add #%d failed", i)
		}
	}
	start, _ := region(1) // a writable region
	mid := start + pg
	ts.write(t, mid, 42)
	before, free := ts.regionList(), ts.frames.Free()
	if ts.Remove(mid, mid+pg) {
		t.Error("Remove of a region's middle page (a split) succeeded with a full table")
	}
	if ts.Protect(mid, mid+pg, ProtRead) {
		t.Error("Protect of a region's middle page (two splits) succeeded with a full table")
	}
	if ts.Add(mid, mid+pg, ProtRead) {
		t.Error("Add over a region's middle page succeeded with a full table")
	}
	if _, end := region(MaxRegions - 1); ts.Add(end, end+pg, ProtRead) {
		t.Error("Add of a new region succeeded with a full table")
	}
	if got := ts.regionList(); got != before {
		t.Error("a refused change changed the regions")
	}
	if ts.frames.Free() != free {
		t.Errorf("a refused change freed %d frames", ts.frames.Free()-free)
	}
	ts.wantWord(t, mid, 42)
	// Changes that need no slot.
	if !ts.Protect(start, start+3*pg, ProtRead|ProtWrite|ProtExec) {
		t.Error("Protect of a whole region failed")
	}
	if !ts.Remove(start+2*pg, start+3*pg) {
		t.Error("Remove of a region's last page failed")
	}
	ts.wantWord(t, mid, 42)
	ts.wantNoLeak(t, base, base+3*MaxRegions*pg)
}

// TestDiscard is madvise(MADV_DONTNEED): the pages of regions in the
// range lose their frames and read as zero, the regions stay, and a range
// with a hole (or the kernel's memory) reports it and leaves everything
// outside the regions alone.
func TestDiscard(t *testing.T) {
	ts := newSpace(t, 64)
	ts.Add(base, base+2*pg, ProtRead|ProtWrite)
	ts.Add(base+3*pg, base+4*pg, ProtRead|ProtWrite)
	for _, a := range []uintptr{base, base + pg, base + 3*pg} {
		ts.write(t, a, 5)
	}
	ts.Protect(base+pg, base+2*pg, 0)
	// A page the kernel maps in its image, as BuildKernelSpace does.
	kframe, _ := ts.frames.Alloc()
	const kpage = mem.KernelBase + 16*pg
	if err := ts.pt.Map(kpage, kframe, mem.Global); err != mem.MapOK {
		t.Fatalf("mapping a kernel page: %v", err)
	}
	free := ts.frames.Free()
	if ts.Discard(base, base+4*pg) {
		t.Error("Discard across a hole reported the range covered")
	}
	if got := ts.frames.Free() - free; got != 3 {
		t.Errorf("Discard freed %d frames, want 3 (PROT_NONE page included)", got)
	}
	ts.wantWord(t, base, 0)
	ts.wantWord(t, base+3*pg, 0)
	if r, ok := ts.Find(base + pg); !ok || r.Prot != 0 {
		t.Errorf("the PROT_NONE region changed: %v %v", r, ok)
	}
	for _, r := range [][2]uintptr{
		{mem.KernelBase, mem.ProgramFloor},
		{0, UserTop},
		{mem.DirectMapBase, mem.DirectMapBase + 1<<30},
	} {
		ts.Discard(r[0], r[1])
	}
	if p, _, ok := ts.pt.Lookup(kpage); !ok || p != kframe {
		t.Errorf("Discard over the kernel's image unmapped its page (Lookup = %#x, %v)", p, ok)
	}
	if ts.HandleFault(kpage, 0) != FaultUnmapped {
		t.Error("a fault on a kernel page was not FaultUnmapped")
	}
	if !ts.Discard(base, base+2*pg) {
		t.Error("Discard of a covered range reported a hole")
	}
}

// TestKernelRanges: no region can be made over the kernel's image, the
// direct map or the kernel stacks, and CopyIn/CopyOut fail there even
// where the kernel has pages mapped.
func TestKernelRanges(t *testing.T) {
	ts := newSpace(t, 64)
	kframe, _ := ts.frames.Alloc()
	const kpage = mem.KernelBase + 4*pg
	ts.pt.Map(kpage, kframe, mem.Writable|mem.Global)
	for _, r := range [][2]uintptr{
		{0, pg},
		{mem.KernelBase, mem.KernelBase + pg},
		{kpage, kpage + pg},
		{mem.ProgramFloor - pg, mem.ProgramFloor + pg},
		{UserTop - pg, UserTop + pg},
		{UserTop, UserTop + pg},
		{mem.DirectMapBase, mem.DirectMapBase + pg},
		{mem.StackBase, mem.StackBase + pg},
		{base + pg, base},
		{base + 1, base + pg},
	} {
		if ts.Add(r[0], r[1], ProtRead|ProtWrite) {
			t.Errorf("Add(%#x, %#x) succeeded", r[0], r[1])
		}
	}
	if ts.nregions != 0 {
		t.Errorf("regions after refused Adds: %s", ts.regionList())
	}
	if ts.WriteUint64(kpage, 1) {
		t.Error("CopyOut into the kernel's image succeeded")
	}
	if _, ok := ts.ReadUint64(kpage); ok {
		t.Error("CopyIn from the kernel's image succeeded")
	}
	if _, ok := ts.ReadUint64(mem.DirectMapBase); ok {
		t.Error("CopyIn from the direct map succeeded")
	}
	if p, _, ok := ts.pt.Lookup(kpage); !ok || p != kframe || ts.frames.Page(kframe)[0] != 0 {
		t.Error("the kernel page changed")
	}
	// A region ending at the top of the user half is fine, and a copy
	// that runs past it fails.
	if !ts.Add(UserTop-pg, UserTop, ProtRead|ProtWrite) {
		t.Fatal("Add of the last user page failed")
	}
	if ts.CopyOut(UserTop-8, make([]byte, 16)) {
		t.Error("CopyOut across UserTop succeeded")
	}
}

// TestHandleFault: demand paging maps a zeroed frame for an allowed
// access and refuses the others.
func TestHandleFault(t *testing.T) {
	ts := newSpace(t, 64)
	ts.Add(base, base+pg, ProtRead)
	ts.Add(base+pg, base+2*pg, ProtRead|ProtWrite)
	ts.Add(base+2*pg, base+3*pg, ProtRead|ProtExec)
	cases := []struct {
		addr uintptr
		code uint64
		want FaultResult
	}{
		{base, 0, FaultHandled},
		{base, pfWrite, FaultDenied},
		{base, pfPresent | pfWrite, FaultDenied},
		{base + pg, pfWrite, FaultHandled},
		{base + pg, pfFetch, FaultDenied},
		{base + 2*pg, pfFetch, FaultHandled},
		{base + 3*pg, 0, FaultUnmapped},
		{mem.KernelBase, 0, FaultUnmapped},
	}
	for _, c := range cases {
		if got := ts.HandleFault(c.addr+8, c.code); got != c.want {
			t.Errorf("HandleFault(%#x, %#x) = %d, want %d", c.addr+8, c.code, got, c.want)
		}
	}
	if e := ts.leaf(base + pg); e&(mem.Present|mem.Writable|mem.NoExec) != mem.Present|mem.Writable|mem.NoExec {
		t.Errorf("demand-paged read/write page: entry %#x", e)
	}
	if e := ts.leaf(base + 2*pg); e&mem.NoExec != 0 || e&mem.Writable != 0 {
		t.Errorf("demand-paged read/exec page: entry %#x", e)
	}
}

// TestTooBig is the overcommit heuristic: a writable mapping up to
// Overcommit times the RAM passes, one page more is refused, and
// read-only or PROT_NONE reservations of any size pass.
func TestTooBig(t *testing.T) {
	ts := newSpace(t, 64)
	limit := uintptr(Overcommit*ts.frames.Usable()) * pg
	if ts.TooBig(limit, ProtRead|ProtWrite) {
		t.Errorf("a %d-byte writable mapping (the limit) refused", limit)
	}
	if !ts.TooBig(limit+pg, ProtRead|ProtWrite) {
		t.Errorf("a %d-byte writable mapping (one page past the limit) allowed", limit+pg)
	}
	if ts.TooBig(64<<40, 0) || ts.TooBig(64<<40, ProtRead) {
		t.Error("a large PROT_NONE or read-only reservation refused")
	}
}

// TestLoad: a loaded segment holds its data and zeros after it.
func TestLoad(t *testing.T) {
	ts := newSpace(t, 64)
	data := []byte("segment data")
	if !ts.Load(base+pg-4, data, 2*pg, ProtRead, false) {
		t.Fatal("Load failed")
	}
	got := make([]byte, len(data)+4)
	if !ts.CopyIn(got, base+pg-4) || !bytes.Equal(got, append(append([]byte{}, data...), 0, 0, 0, 0)) {
		t.Errorf("loaded bytes %q", got)
	}
	if ts.WriteUint64(base, 1) {
		t.Error("a read-only segment was writable")
	}
}

// TestLoadInPlace: with kept, the whole pages of a read-only segment map
// the frames that hold the file's bytes (copy on write); the partial
// pages are copied as before; a write after mprotect copies the page,
// and unmapping never frees the file's frames.
func TestLoadInPlace(t *testing.T) {
	ts := newSpace(t, 64)
	var file []uintptr // three frames standing in for the image: the file
	for range 3 {
		f, ok := ts.frames.Alloc()
		if !ok {
			t.Fatal("Alloc failed")
		}
		if len(file) > 0 && f != file[len(file)-1]+pg {
			t.Fatal("the test needs consecutive frames")
		}
		file = append(file, f)
	}
	image := unsafe.Slice((*byte)(unsafe.Pointer(ts.frames.Offset+file[0])), 3*pg)
	for i := range image {
		image[i] = byte(i / pg * 16)
	}
	free := ts.frames.Free()
	// The segment: the file's first two pages and 8 bytes of its third,
	// then 2 pages of zeros.
	data := image[:2*pg+8]
	if !ts.Load(base, data, 4*pg, ProtRead|ProtExec, true) {
		t.Fatal("Load failed")
	}
	for i, f := range file[:2] {
		if e := ts.leaf(base + uintptr(i)*pg); uintptr(e&frameMask) != f || e&cowBit == 0 || e&mem.Writable != 0 {
			t.Errorf("page %d: entry %#x, want frame %#x read-only with the cow bit", i, e, f)
		}
	}
	if e := ts.leaf(base + 2*pg); uintptr(e&frameMask) == file[2] || e&cowBit != 0 {
		t.Errorf("the partial page maps the file's frame (entry %#x), want a copy", e)
	}
	ts.wantWord(t, base+pg, 0x1010101010101010)
	ts.wantWord(t, base+2*pg, 0x2020202020202020)
	ts.wantWord(t, base+2*pg+8, 0)
	// One frame for the copied page, plus page tables and share counts.
	if got := free - ts.frames.Free(); got > 1+3+2 {
		t.Errorf("Load took %d frames, want at most 6 (one copied page, its tables, the share counts)", got)
	}
	if !ts.Protect(base, base+pg, ProtRead|ProtWrite) {
		t.Fatal("Protect failed")
	}
	if ts.HandleFault(base, pfWrite) != FaultHandled {
		t.Fatal("a write to the in-place page after mprotect did not fault a copy in")
	}
	ts.write(t, base, 7)
	if e := ts.leaf(base); uintptr(e&frameMask) == file[0] || e&cowBit != 0 {
		t.Errorf("after the write the page still maps the file's frame (entry %#x)", e)
	}
	if image[0] != 0 || image[7] != 0 {
		t.Errorf("the write reached the file's frame")
	}
	ts.Remove(base, base+4*pg)
	if ts.frames.Shared(file[0]) || ts.frames.Shared(file[1]) {
		t.Error("holds on the file's frames outlive the mapping")
	}
	for _, f := range file {
		// Still allocated, with no other holder: freeing it frees it.
		before := ts.frames.Free()
		ts.frames.FreeFrame(f)
		if ts.frames.Free() != before+1 {
			t.Errorf("frame %#x was freed by the unmapping, want it kept by its first holder", f)
		}
	}
}

// TestLoadBSS: a segment's zeros past the pages its data fills are not
// populated by Load (a Go program's bss can be 32 MiB it never touches);
// they read as zeros and are mapped once touched.
func TestLoadBSS(t *testing.T) {
	ts := newSpace(t, 64)
	data := bytes.Repeat([]byte{7}, int(pg)+8) // two pages of data
	if !ts.Load(base, data, 10*pg, ProtRead|ProtWrite, false) {
		t.Fatal("Load failed")
	}
	if held := ts.held(base, base+10*pg); held != 2 {
		t.Errorf("Load populated %d pages, want the 2 its data fills", held)
	}
	got := make([]byte, 16)
	if !ts.CopyIn(got, base+pg) || !bytes.Equal(got, append(bytes.Repeat([]byte{7}, 8), make([]byte, 8)...)) {
		t.Errorf("the last data page holds %v, want 8 sevens then zeros", got)
	}
	if !ts.CopyIn(got, base+9*pg) || !bytes.Equal(got, make([]byte, 16)) {
		t.Errorf("the bss's last page holds %v, want zeros", got)
	}
	if ts.HandleFault(base+5*pg, pfWrite) != FaultHandled {
		t.Error("a write to the bss did not fault a page in")
	}
	if held := ts.held(base, base+10*pg); held != 4 {
		t.Errorf("%d pages held after touching two bss pages, want 4", held)
	}
}

// TestRandomOps runs random mmap-like operations against a model of the
// pages (protection and contents) and checks after each that the space
// agrees with the model, the regions are sorted, disjoint and merged,
// and no frame leaks.
func TestRandomOps(t *testing.T) {
	const npages = 48
	seed := uint64(1)
	for round := 0; round < 20; round++ {
		seed++
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			ts := newSpace(t, 256)
			rng := rand.New(rand.NewPCG(seed, 7))
			type page struct {
				mapped bool
				prot   uint32
				word   uint64
			}
			var model [npages]page
			for step := 0; step < 300; step++ {
				i := rng.IntN(npages)
				j := i + 1 + rng.IntN(npages-i)
				start, end := base+uintptr(i)*pg, base+uintptr(j)*pg
				prot := uint32(rng.IntN(8))
				var op string
				switch rng.IntN(5) {
				case 0:
					op = "add"
					if !ts.Add(start, end, prot) {
						t.Fatalf("step %d: Add failed", step)
					}
					for k := i; k < j; k++ {
						model[k] = page{mapped: true, prot: prot}
					}
				case 1:
					op = "remove"
					if !ts.Remove(start, end) {
						t.Fatalf("step %d: Remove failed", step)
					}
					for k := i; k < j; k++ {
						model[k] = page{}
					}
				case 2:
					op = "protect"
					covered := true
					for k := i; k < j; k++ {
						covered = covered && model[k].mapped
					}
					if got := ts.Protect(start, end, prot); got != covered {
						t.Fatalf("step %d: Protect = %v, want %v", step, got, covered)
					}
					for k := i; k < j && covered; k++ {
						model[k].prot = prot
					}
				case 3:
					op = "discard"
					ts.Discard(start, end)
					for k := i; k < j; k++ {
						model[k].word = 0
					}
				case 4:
					op = "write"
					v := rng.Uint64()
					ok := ts.WriteUint64(start, v)
					if want := model[i].mapped && model[i].prot&ProtWrite != 0; ok != want {
						t.Fatalf("step %d: write at page %d = %v, want %v", step, i, ok, want)
					}
					if ok {
						model[i].word = v
					}
				}
				for k := 0; k < npages; k++ {
					a := base + uintptr(k)*pg
					r, found := ts.Find(a)
					if found != model[k].mapped || found && r.Prot != model[k].prot {
						t.Fatalf("step %d (%s): page %d: region %v %v, model %+v", step, op, k, r, found, model[k])
					}
					if e := ts.leaf(a); holdsFrame(e) && (!model[k].mapped || (e&mem.Present == 0) != (model[k].prot == 0)) {
						t.Fatalf("step %d (%s): page %d: entry %#x, model %+v", step, op, k, e, model[k])
					}
					if model[k].mapped && model[k].prot != 0 {
						if v, ok := ts.ReadUint64(a); !ok || v != model[k].word {
							t.Fatalf("step %d (%s): page %d reads %#x, %v; model %+v", step, op, k, v, ok, model[k])
						}
					}
				}
				for k := 0; k+1 < ts.nregions; k++ {
					a, b := ts.regions[k], ts.regions[k+1]
					if a.Start >= a.End || a.End > b.Start || a.End == b.Start && a.Prot == b.Prot {
						t.Fatalf("step %d (%s): regions not sorted, disjoint and merged: %s", step, op, ts.regionList())
					}
				}
				ts.wantNoLeak(t, base, base+npages*pg)
			}
			ts.Remove(base, base+npages*pg)
			ts.wantNoLeak(t, base, base+npages*pg)
		})
	}
}

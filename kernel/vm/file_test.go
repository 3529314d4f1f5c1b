//go:build unix

package vm

// Host tests of file mappings over a real tmpfs whose pages come from the
// same frame allocator as the address space's, as in the kernel.

import (
	"bytes"
	"fmt"
	"github.com/gobare/gobare/internal/kfstest"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gobare/gobare/kernel/fs/tmpfs"
	"github.com/gobare/gobare/kernel/vfs"
)

// fileSpace is a testSpace with a tmpfs over its frames.
type fileSpace struct {
	*testSpace
	fs    tmpfs.FS
	start mark // before any file was made
}

// mark is a count of free frames and page-table frames at one time.
type mark struct{ free, tables int }

func newFileSpace(t *testing.T) *fileSpace {
	fsp := &fileSpace{testSpace: newSpace(t, 256)}
	fsp.fs.Init(fsp.frames, func() int64 { return time.Now().UnixNano() })
	// The share counts' pages, made once and kept.
	f, _ := fsp.frames.Alloc()
	fsp.frames.Share(f)
	fsp.frames.FreeFrame(f)
	fsp.frames.FreeFrame(f)
	// The root directory's entry page and its index, kept once made.
	fsp.fs.Create([]byte("first"), false)
	fsp.fs.Unlink([]byte("first"), false)
	fsp.start = fsp.mark()
	return fsp
}

func (fsp *fileSpace) mark() mark { return mark{fsp.frames.Free(), fsp.tables()} }

// wantSince fails t unless, page tables aside, used frames were taken
// since m.
func (fsp *fileSpace) wantSince(t *testing.T, m mark, used int) {
	t.Helper()
	if got, want := fsp.frames.Free(), m.free-(fsp.tables()-m.tables)-used; got != want {
		t.Errorf("%d free frames, want %d: %d used since, %d more page tables", got, want, used, fsp.tables()-m.tables)
	}
}

// create makes /name holding data and returns it open read-write.
func (fsp *fileSpace) create(t *testing.T, name string, data []byte) vfs.File {
	t.Helper()
	n, err := fsp.fs.Create([]byte(name), false)
	if err != 0 {
		t.Fatalf("Create %s: %v", name, err)
	}
	f, err := fsp.fs.Open(n, vfs.ReadWrite)
	if err != 0 {
		t.Fatalf("Open %s: %v", name, err)
	}
	if n, err := f.WriteAt(data, 0); n != len(data) || err != 0 {
		t.Fatalf("WriteAt %s: %d, %v", name, n, err)
	}
	return f
}

// finish unmaps n bytes at base, closes and removes file f and fails t
// unless every frame the test took is back.
func (fsp *fileSpace) finish(t *testing.T, f vfs.File, name string, n uintptr) {
	t.Helper()
	fsp.Remove(base, base+n)
	vfs.Put(f)
	fsp.fs.Unlink([]byte(name), false)
	fsp.wantSince(t, fsp.start, 0)
}

// read returns n bytes of program memory at addr, failing t if CopyIn fails.
func (ts *testSpace) read(t *testing.T, addr uintptr, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if !ts.CopyIn(b, addr) {
		t.Fatalf("CopyIn(%#x, %d) failed", addr, n)
	}
	return b
}

// fileBytes reads n bytes of f at off.
func fileBytes(t *testing.T, f vfs.File, off int64, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if got, err := f.ReadAt(b, off); got != n || err != 0 {
		t.Fatalf("ReadAt(%d, %d) = %d, %v", off, n, got, err)
	}
	return b
}

// TestSharedFileMapping: a shared mapping and the file's reads and writes
// see the same bytes both ways; a page past the end faults with SIGBUS,
// the partial last page reads zeroes past the end; unmapping and closing
// leaves no frame behind.
func TestSharedFileMapping(t *testing.T) {
	fsp := newFileSpace(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), (2*pg+100)/16+1)[:2*pg+100]
	f := fsp.create(t, "shared", data)
	before := fsp.mark()
	if !fsp.Map(Region{Start: base, End: base + 4*pg, Prot: ProtRead | ProtWrite, File: f, Flags: Shared}) {
		t.Fatal("Map failed")
	}
	if got := fsp.read(t, base+pg, 16); string(got) != "0123456789abcdef" {
		t.Errorf("mapping reads %q", got)
	}
	f.WriteAt([]byte("written by write"), pg+16)
	if got := fsp.read(t, base+pg+16, 16); string(got) != "written by write" {
		t.Errorf("after write(): mapping reads %q", got)
	}
	if !fsp.CopyOut(base+2*pg, []byte("stored in memory")) {
		t.Fatal("CopyOut to the mapping failed")
	}
	if got := fileBytes(t, f, 2*pg, 16); string(got) != "stored in memory" {
		t.Errorf("after a store: the file reads %q", got)
	}
	if got := fsp.read(t, base+2*pg+100, 8); !bytes.Equal(got, make([]byte, 8)) {
		t.Errorf("past the end in the last page: %q, want zeroes", got)
	}
	if r := fsp.HandleFault(base+3*pg, 0); r != FaultBus {
		t.Errorf("HandleFault past the end = %d, want FaultBus", r)
	}
	if fsp.CopyIn(make([]byte, 8), base+3*pg) {
		t.Error("CopyIn past the end of the file succeeded")
	}
	fsp.wantSince(t, before, 0) // the mapping has no frame of its own
	fsp.finish(t, f, "shared", 4*pg)
}

// TestPrivateFileMapping: a private mapping reads the file's frames until
// it writes a page, which then is its own copy: the file does not see the
// write, and the mapping no longer sees the file's writes to that page.
func TestPrivateFileMapping(t *testing.T) {
	fsp := newFileSpace(t)
	f := fsp.create(t, "private", bytes.Repeat([]byte{'f'}, 2*pg))
	if !fsp.Map(Region{Start: base, End: base + 2*pg, Prot: ProtRead | ProtWrite, File: f}) {
		t.Fatal("Map failed")
	}
	if r := fsp.HandleFault(base, 0); r != FaultHandled {
		t.Fatalf("read fault = %d", r)
	}
	if e := fsp.leaf(base); e&cowBit == 0 || e&0x2 != 0 {
		t.Errorf("read-faulted private page: entry %#x, want read-only with the cow bit", e)
	}
	if r := fsp.HandleFault(base, pfPresent|pfWrite); r != FaultHandled {
		t.Fatalf("write fault on the shared page = %d", r)
	}
	if e := fsp.leaf(base); e&cowBit != 0 || e&0x2 == 0 {
		t.Errorf("after copy on write: entry %#x, want writable, no cow bit", e)
	}
	fsp.write(t, base, 0x4141414141414141)
	fsp.write(t, base+pg, 0x4242424242424242) // through CopyOut: copies too
	if got := fileBytes(t, f, 0, 8); string(got) != "ffffffff" {
		t.Errorf("the file sees the private write: %q", got)
	}
	if got := fileBytes(t, f, pg, 8); string(got) != "ffffffff" {
		t.Errorf("the file sees the private write through CopyOut: %q", got)
	}
	f.WriteAt([]byte("new!new!"), 8)
	if got := fsp.read(t, base+8, 8); string(got) != "ffffffff" {
		t.Errorf("a copied page sees the file's write: %q", got)
	}
	fsp.finish(t, f, "private", 2*pg)
}

// TestMappingOutlivesFile: after the file is closed and unlinked, the
// mapping still reads and writes its pages (it holds the description,
// which holds the file); everything goes back when it is unmapped.
func TestMappingOutlivesFile(t *testing.T) {
	fsp := newFileSpace(t)
	f := fsp.create(t, "gone", bytes.Repeat([]byte{'k'}, pg))
	fsp.Map(Region{Start: base, End: base + pg, Prot: ProtRead | ProtWrite, File: f, Flags: Shared})
	fsp.wantWord(t, base, 0x6b6b6b6b6b6b6b6b)
	vfs.Put(f)
	fsp.fs.Unlink([]byte("gone"), false)
	fsp.write(t, base+8, 0x4c4c4c4c4c4c4c4c)
	fsp.wantWord(t, base, 0x6b6b6b6b6b6b6b6b)
	fsp.wantWord(t, base+8, 0x4c4c4c4c4c4c4c4c)
	fsp.Remove(base, base+pg)
	fsp.wantSince(t, fsp.start, 0)
}

// TestTruncated: once the file shrinks, its frames past the new end have
// only the mappings' holds; Truncated unmaps those pages, shared and
// privately copied alike, so they fault with SIGBUS and their frames go
// back; the pages before the end stay.
func TestTruncated(t *testing.T) {
	fsp := newFileSpace(t)
	f := fsp.create(t, "shrinks", bytes.Repeat([]byte{'s'}, 3*pg))
	fsp.Map(Region{Start: base, End: base + 3*pg, Prot: ProtRead, File: f, Flags: Shared})
	private := uintptr(base + 4*pg)
	fsp.Map(Region{Start: private, End: private + 3*pg, Prot: ProtRead | ProtWrite, File: f})
	for p := uintptr(0); p < 3*pg; p += pg {
		fsp.read(t, base+p, 1)
		fsp.write(t, private+p, 0x5050505050505050)
	}
	f.Truncate(pg + 10)
	fsp.Truncated()
	if got := fsp.read(t, base+pg+8, 4); !bytes.Equal(got, []byte{'s', 's', 0, 0}) {
		t.Errorf("the shared page holding the new end reads %q, want ss and zeroes", got)
	}
	fsp.wantWord(t, private+pg, 0x5050505050505050) // a copy keeps its bytes
	for _, a := range []uintptr{base + 2*pg, private + 2*pg} {
		if r := fsp.HandleFault(a, 0); r != FaultBus {
			t.Errorf("HandleFault(%#x) past the new end = %d, want FaultBus", a, r)
		}
	}
	fsp.finish(t, f, "shrinks", 7*pg)
}

// TestFileRegionsSplitAndMerge: unmapping the middle of a file mapping
// leaves two regions whose offsets still match the file; mapping it back
// merges them; each region holds the file open.
func TestFileRegionsSplitAndMerge(t *testing.T) {
	fsp := newFileSpace(t)
	data := make([]byte, 4*pg)
	for i := range 4 {
		data[i*pg] = byte('a' + i)
	}
	f := fsp.create(t, "split", data)
	fsp.Map(Region{Start: base, End: base + 4*pg, Prot: ProtRead, File: f, Flags: Shared})
	fsp.Remove(base+pg, base+2*pg)
	if len(fsp.Regions()) != 2 || fsp.Regions()[1].Off != 2*pg {
		t.Fatalf("after unmapping page 1: %s", fsp.regionList())
	}
	vfs.Put(f) // close: the regions keep it
	if got := fsp.read(t, base+3*pg, 1); got[0] != 'd' {
		t.Errorf("page 3 after the split reads %q", got)
	}
	if !fsp.Protect(base+2*pg, base+3*pg, ProtRead|ProtWrite) || fsp.Regions()[2].Off != 3*pg {
		t.Errorf("after mprotect of page 2: %s", fsp.regionList())
	}
	fsp.Protect(base+2*pg, base+3*pg, ProtRead)
	if len(fsp.Regions()) != 2 {
		t.Errorf("mprotect back did not merge: %s", fsp.regionList())
	}
	fsp.Remove(base, base+4*pg)
	fsp.fs.Unlink([]byte("split"), false)
	fsp.wantSince(t, fsp.start, 0)
}

// TestRandomFileOps runs random maps, unmaps, writes, truncations, stores
// and loads on one file and three mappings of it (shared or private, at
// random offsets) against a model: a shared mapping is the file; a
// private page is the file until the mapping writes it, then its own
// copy; a page wholly past the end faults unless it is such a copy, and
// a truncation takes those past the new end away too. At the end every
// frame is back.
func TestRandomFileOps(t *testing.T) {
	const filePages, slots = 6, 3
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			fsp := newFileSpace(t)
			rng := rand.New(rand.NewPCG(seed, 11))
			f := fsp.create(t, "random", nil)
			var file [16 * pg]byte // as far as a mapping reaches; bytes past size are zero
			size := 0
			type mapping struct {
				mapped, shared bool
				off, n         int      // in pages
				copies         [][]byte // a private mapping's own pages
			}
			var maps [slots]mapping
			at := func(s, k int) uintptr { return base + uintptr(s*16+k)*pg }
			within := func(filePage int) bool { return filePage*pg < size }
			for step := 0; step < 400; step++ {
				s := rng.IntN(slots)
				m := &maps[s]
				switch op := rng.IntN(6); {
				case op == 0:
					*m = mapping{mapped: true, shared: rng.IntN(2) == 0, off: rng.IntN(4), n: 1 + rng.IntN(filePages)}
					m.copies = make([][]byte, m.n)
					flags := uint32(0)
					if m.shared {
						flags = Shared
					}
					if !fsp.Map(Region{Start: at(s, 0), End: at(s, m.n), Prot: ProtRead | ProtWrite, File: f, Off: int64(m.off * pg), Flags: flags}) {
						t.Fatalf("step %d: Map failed", step)
					}
				case op == 1:
					fsp.Remove(at(s, 0), at(s, 16))
					*m = mapping{}
				case op == 2:
					off, data := rng.IntN(filePages*pg-64), make([]byte, 1+rng.IntN(64))
					for i := range data {
						data[i] = byte(rng.Uint32())
					}
					f.WriteAt(data, int64(off))
					copy(file[off:], data)
					size = max(size, off+len(data))
				case op == 3:
					n := rng.IntN(filePages*pg + 1)
					f.Truncate(int64(n))
					fsp.Truncated()
					if n < size {
						clear(file[n:size])
					}
					size = n
					for i := range maps {
						for k := range maps[i].copies {
							if !within(maps[i].off + k) {
								maps[i].copies[k] = nil
							}
						}
					}
				case !m.mapped:
				case op == 4: // a store
					k := rng.IntN(m.n)
					o := rng.IntN(pg - 8)
					data := make([]byte, 1+rng.IntN(8))
					for i := range data {
						data[i] = byte(rng.Uint32())
					}
					fo := (m.off+k)*pg + o
					if m.shared && fo+len(data) > size {
						continue // past the end: Linux leaves those bytes unspecified
					}
					want := m.copies[k] != nil || within(m.off+k)
					if got := fsp.CopyOut(at(s, k)+uintptr(o), data); got != want {
						t.Fatalf("step %d: store to slot %d page %d = %v, want %v", step, s, k, got, want)
					}
					switch {
					case !want:
					case m.shared:
						copy(file[fo:], data)
					default:
						if m.copies[k] == nil {
							m.copies[k] = bytes.Clone(file[(m.off+k)*pg : (m.off+k+1)*pg])
						}
						copy(m.copies[k][o:], data)
					}
				default: // a load
					k := rng.IntN(m.n)
					want := m.copies[k]
					if want == nil {
						want = file[(m.off+k)*pg : (m.off+k+1)*pg]
					}
					got := make([]byte, pg)
					ok := fsp.CopyIn(got, at(s, k))
					if wantOK := m.copies[k] != nil || within(m.off+k); ok != wantOK {
						t.Fatalf("step %d: load of slot %d page %d = %v, want %v", step, s, k, ok, wantOK)
					}
					if ok && !bytes.Equal(got, want) {
						t.Fatalf("step %d: slot %d (shared %v) page %d differs from the model", step, s, m.shared, k)
					}
				}
			}
			fsp.finish(t, f, "random", slots*16*pg)
		})
	}
}

// The kernel's pools of open files take their pages from Go memory
// the GC scans.
func init() { vfs.UsePages(&kfstest.Pages{Pointers: true}) }

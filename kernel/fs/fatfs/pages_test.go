package fatfs

import (
	"bytes"
	"testing"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// mapPage maps the file's page at off as a mapping does (MapFrame, then
// its own hold) and returns the frame's bytes.
func mapPage(t *testing.T, f vfs.File, pages *fakePages, off int64, write bool) (uintptr, []byte) {
	t.Helper()
	if f.MapKind() != vfs.MapFrames {
		t.Fatalf("MapKind = %v", f.MapKind())
	}
	frame, err := f.MapFrame(off, write)
	if err != 0 {
		t.Fatalf("MapFrame(%d): %v", off, err)
	}
	pages.share(frame)
	return frame, pages.Page(frame)
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/4096)
	}
	return b
}

// TestMapCoherent: a mapped page is the file: write shows in the frame,
// what is stored in the frame shows in read, and both reach the device
// at Sync — again at the next Sync while the page stays mapped.
// Clusters of 512 B and 32 KiB, neither the size of a page.
func TestMapCoherent(t *testing.T) {
	for _, spc := range []int{1, 64} {
		img := format(16<<20, spc)
		fs, _ := mount(t, img)
		pages := fs.c.pages.(*fakePages)
		data := pattern(3*PageSize + 100)
		writeFile(t, fs, "db", data)
		f := open(t, fs, "db", vfs.ReadWrite)
		_, page := mapPage(t, f, pages, PageSize, true)
		if !bytes.Equal(page, data[PageSize:2*PageSize]) {
			t.Fatalf("spc %d: the mapped page does not hold the file's bytes", spc)
		}
		if n, err := f.WriteAt([]byte("written"), PageSize+100); n != 7 || err != 0 {
			t.Fatalf("WriteAt: %d, %v", n, err)
		}
		copy(data[PageSize+100:], "written")
		if !bytes.Equal(page, data[PageSize:2*PageSize]) {
			t.Fatalf("spc %d: write does not show in the mapped page", spc)
		}
		copy(page[3000:], "stored")
		copy(data[PageSize+3000:], "stored")
		got := make([]byte, len(data))
		if n, err := f.ReadAt(got, 0); n != len(data) || err != 0 || !bytes.Equal(got, data) {
			t.Fatalf("spc %d: read does not see the mapping's store (%d, %v)", spc, n, err)
		}
		if err := f.Sync(); err != 0 {
			t.Fatalf("Sync: %v", err)
		}
		fs2, _ := mount(t, bytes.Clone(img))
		if got := readFile(t, fs2, "db"); !bytes.Equal(got, data) {
			t.Fatalf("spc %d: after Sync the device does not hold the mapping's store", spc)
		}
		copy(page[4000:], "again") // still mapped: still dirty
		copy(data[PageSize+4000:], "again")
		if err := f.Sync(); err != 0 {
			t.Fatalf("Sync: %v", err)
		}
		fs3, _ := mount(t, bytes.Clone(img))
		if got := readFile(t, fs3, "db"); !bytes.Equal(got, data) {
			t.Fatalf("spc %d: a second store into the still mapped page was not written back", spc)
		}
		closeFile(f)
	}
}

// TestMapLastPage: the bytes after the end in the last page read as
// zero, and what a mapping stores there never shows in the file when it
// grows.
func TestMapLastPage(t *testing.T) {
	fs, _ := mount(t, format(8<<20, 8))
	pages := fs.c.pages.(*fakePages)
	writeFile(t, fs, "f", pattern(PageSize+100))
	f := open(t, fs, "f", vfs.ReadWrite)
	defer closeFile(f)
	_, page := mapPage(t, f, pages, PageSize, true)
	if !bytes.Equal(page[100:], make([]byte, PageSize-100)) {
		t.Fatal("the last page is not zero after the end")
	}
	copy(page[200:], "beyond")
	if err := f.Truncate(PageSize + 300); err != 0 {
		t.Fatalf("Truncate: %v", err)
	}
	got := make([]byte, 300)
	if n, _ := f.ReadAt(got, PageSize); n != 300 || !bytes.Equal(got[100:], make([]byte, 200)) {
		t.Fatalf("the file grew over the mapping's store past its end: %q", got[190:210])
	}
	if _, err := f.MapFrame(2*PageSize, false); err == 0 {
		t.Fatal("MapFrame past the end succeeded")
	}
}

// TestMapTruncate: truncate lets the pages past the new end go (the
// mapping keeps its hold on their frames) and clears the last page after
// the end; the mapping's later unmap frees them.
func TestMapTruncate(t *testing.T) {
	fs, _ := mount(t, format(8<<20, 1))
	pages := fs.c.pages.(*fakePages)
	writeFile(t, fs, "f", pattern(3*PageSize))
	f := open(t, fs, "f", vfs.ReadWrite)
	defer closeFile(f)
	_, page1 := mapPage(t, f, pages, PageSize, true)
	frame2, _ := mapPage(t, f, pages, 2*PageSize, true)
	if err := f.Truncate(PageSize + 10); err != 0 {
		t.Fatalf("Truncate: %v", err)
	}
	if pages.pages[frame2-1] == nil || pages.Shared(frame2) {
		t.Fatal("truncate did not leave the cut page to the mapping alone")
	}
	if !bytes.Equal(page1[10:], make([]byte, PageSize-10)) {
		t.Fatal("the last page is not cleared after the new end")
	}
	pages.FreeFrame(frame2) // the mapping unmaps it
	if pages.pages[frame2-1] != nil {
		t.Fatal("the cut page's frame was not freed with the mapping's hold")
	}
	if err := f.Truncate(2 * PageSize); err != 0 {
		t.Fatalf("Truncate: %v", err)
	}
	got := make([]byte, PageSize)
	if n, _ := f.ReadAt(got, PageSize); n != PageSize || !bytes.Equal(got[10:], make([]byte, PageSize-10)) {
		t.Fatal("the file grown again does not read as zero past the old end")
	}
}

// TestMapClose: the last close writes the dirty pages back and frees
// their frames.
func TestMapClose(t *testing.T) {
	fs, _ := mount(t, format(8<<20, 1))
	pages := fs.c.pages.(*fakePages)
	data := pattern(2 * PageSize)
	writeFile(t, fs, "f", data)
	f := open(t, fs, "f", vfs.ReadWrite)
	frame, page := mapPage(t, f, pages, 0, true)
	copy(page[5:], "stored")
	copy(data[5:], "stored")
	pages.FreeFrame(frame) // unmapped
	closeFile(f)
	if pages.pages[frame-1] != nil {
		t.Fatal("the last close kept the page's frame")
	}
	if got := readFile(t, fs, "f"); !bytes.Equal(got, data) {
		t.Fatal("the last close did not write the mapping's store back")
	}
}

// TestMapEvict: with frames scarce, a page no mapping holds is written
// back and its frame reused; when every page is held, MapFrame is ENOMEM.
func TestMapEvict(t *testing.T) {
	img := format(8<<20, 1)
	pages := &fakePages{limit: cacheBlocks + 2} // two frames for the page cache
	d := &memDisk{img: img, pages: pages}
	fs := &FS{}
	c := &clock{t: 1704153600e9}
	if why := fs.Mount(d, pages, int64(len(img)), false, c.now); why != "" {
		t.Fatal(why)
	}
	data := pattern(4 * PageSize)
	writeFile(t, fs, "f", data)
	f := open(t, fs, "f", vfs.ReadWrite)
	defer closeFile(f)
	frame0, page0 := mapPage(t, f, pages, 0, true)
	mapPage(t, f, pages, PageSize, false)
	if _, err := f.MapFrame(2*PageSize, false); err != errno.ENOMEM {
		t.Fatalf("MapFrame with every page held = %v, want ENOMEM", err)
	}
	copy(page0, "stored")
	copy(data, "stored")
	pages.FreeFrame(frame0)
	if _, page := mapPage(t, f, pages, 2*PageSize, false); !bytes.Equal(page, data[2*PageSize:3*PageSize]) {
		t.Fatal("the reused frame does not hold the new page")
	}
	got := make([]byte, len(data))
	if n, err := f.ReadAt(got, 0); n != len(data) || err != 0 || !bytes.Equal(got, data) {
		t.Fatal("the evicted page's store was lost")
	}
}

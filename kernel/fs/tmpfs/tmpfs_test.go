package tmpfs

import (
	"bytes"
	"testing"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// fakePages hands out pages from Go memory; page numbers start at 1 (0
// means "none" to the file system).
type fakePages struct {
	pages [][PageSize]byte
	free  []uintptr
	limit int
}

func (p *fakePages) Alloc() (uintptr, bool) {
	if n := len(p.free); n > 0 {
		pg := p.free[n-1]
		p.free = p.free[:n-1]
		return pg, true
	}
	if len(p.pages) == p.limit {
		return 0, false
	}
	p.pages = append(p.pages, [PageSize]byte{})
	return uintptr(len(p.pages)), true
}

func (p *fakePages) FreeFrame(pg uintptr) {
	clear(p.pages[pg-1][:])
	p.free = append(p.free, pg)
}

func (p *fakePages) Page(pg uintptr) []byte { return p.pages[pg-1][:] }

func newFS(limit int) (*FS, *fakePages) {
	pages := &fakePages{limit: limit}
	fs := &FS{}
	fs.Init(pages, func() int64 { return 1700000000 })
	return fs, pages
}

func open(t *testing.T, fs *FS, rel string, flags uint32) vfs.File {
	t.Helper()
	n, err := fs.Lookup([]byte(rel))
	if err != 0 {
		t.Fatalf("Lookup(%q) = %v", rel, err)
	}
	f, err := fs.Open(n, flags)
	if err != 0 {
		t.Fatalf("Open(%q) = %v", rel, err)
	}
	return f
}

func TestWriteReadAcrossPages(t *testing.T) {
	fs, _ := newFS(100)
	if _, err := fs.Create([]byte("f"), false); err != 0 {
		t.Fatal(err)
	}
	f := open(t, fs, "f", vfs.ReadWrite)
	data := bytes.Repeat([]byte("0123456789"), 1000) // 10,000 bytes: three pages
	if n, err := f.WriteAt(data, 100); n != len(data) || err != 0 {
		t.Fatalf("WriteAt = %d, %v", n, err)
	}
	got := make([]byte, 100+len(data)+50)
	n, err := f.ReadAt(got, 0)
	if err != 0 || n != 100+len(data) {
		t.Fatalf("ReadAt = %d, %v; want %d bytes", n, err, 100+len(data))
	}
	if !bytes.Equal(got[:100], make([]byte, 100)) || !bytes.Equal(got[100:n], data) {
		t.Fatal("read back different bytes (a hole must read as zeroes)")
	}
	if err := f.Truncate(50); err != 0 {
		t.Fatal(err)
	}
	if size, _ := f.Size(); size != 50 {
		t.Fatalf("size after truncate %d", size)
	}
	f.Truncate(5000) // grow again: the cut bytes must not come back
	n, _ = f.ReadAt(got[:5000], 0)
	if n != 5000 || !bytes.Equal(got[50:5000], make([]byte, 4950)) {
		t.Fatal("bytes beyond a truncation came back")
	}
}

func TestLimits(t *testing.T) {
	fs, _ := newFS(2)
	fs.Create([]byte("f"), false)
	f := open(t, fs, "f", vfs.WriteOnly)
	big := make([]byte, 3*PageSize)
	if n, err := f.Write(big); n != 2*PageSize || err != 0 {
		t.Fatalf("Write with 2 pages left = %d, %v; want a short write of %d", n, err, 2*PageSize)
	}
	if _, err := f.Write(big); err != errno.ENOSPC {
		t.Fatalf("Write with no page left = %v, want ENOSPC", err)
	}
	g, _ := newFS(1000)
	g.Create([]byte("f"), false)
	h := open(t, g, "f", vfs.WriteOnly)
	if _, err := h.WriteAt([]byte("x"), MaxPages*PageSize); err != errno.EFBIG {
		t.Fatalf("write past the largest file = %v, want EFBIG", err)
	}
	if _, err := h.Read(make([]byte, 1)); err != errno.EBADF {
		t.Fatalf("read of a write-only file = %v, want EBADF", err)
	}
}

func TestDirectories(t *testing.T) {
	fs, _ := newFS(10)
	for _, c := range []struct {
		rel  string
		dir  bool
		want errno.Errno
	}{
		{"d", true, 0}, {"d/f", false, 0}, {"d/e", true, 0}, {"x/y", false, errno.ENOENT}, {"d/f/g", false, errno.ENOTDIR},
	} {
		if _, err := fs.Create([]byte(c.rel), c.dir); err != c.want {
			t.Errorf("Create(%q) = %v, want %v", c.rel, err, c.want)
		}
	}
	if err := fs.Unlink([]byte("d"), true); err != errno.ENOTEMPTY {
		t.Errorf("rmdir of a non-empty directory = %v", err)
	}
	if err := fs.Unlink([]byte("d"), false); err != errno.EISDIR {
		t.Errorf("unlink of a directory = %v", err)
	}
	if err := fs.Unlink([]byte("d/f"), true); err != errno.ENOTDIR {
		t.Errorf("rmdir of a file = %v", err)
	}
	d := open(t, fs, "d", vfs.ReadOnly)
	var names []string
	for pos := int64(0); ; {
		var e vfs.Dirent
		ok, err := d.ReadDir(pos, &e)
		if err != 0 || !ok {
			break
		}
		names = append(names, string(e.Name))
		pos = e.Next
	}
	if len(names) != 2 || names[0] != "f" || names[1] != "e" {
		t.Errorf("d lists %q, want [f e]", names)
	}
	// Rename moves a directory and everything below it.
	if err := fs.Rename([]byte("d"), []byte("moved")); err != 0 {
		t.Fatal(err)
	}
	if _, err := fs.Lookup([]byte("moved/f")); err != 0 {
		t.Errorf("moved/f after rename: %v", err)
	}
	if _, err := fs.Lookup([]byte("d/f")); err != errno.ENOENT {
		t.Errorf("d/f still there after rename: %v", err)
	}
}

func TestSymlink(t *testing.T) {
	fs, _ := newFS(10)
	if err := fs.Symlink([]byte("l"), []byte("../target")); err != 0 {
		t.Fatal(err)
	}
	n, err := fs.Lookup([]byte("l"))
	if err != 0 || !n.IsSymlink() || string(n.Link) != "../target" {
		t.Fatalf("Lookup(l) = %+v, %v", n, err)
	}
}

// Removing a file gives its pages back.
func TestRemoveFreesPages(t *testing.T) {
	fs, pages := newFS(3)
	fs.Create([]byte("f"), false)
	f := open(t, fs, "f", vfs.ReadWrite)
	f.Write(make([]byte, 3*PageSize))
	if err := fs.Unlink([]byte("f"), false); err != 0 {
		t.Fatal(err)
	}
	if len(pages.free) != 3 {
		t.Fatalf("%d pages free after unlink, want 3", len(pages.free))
	}
}

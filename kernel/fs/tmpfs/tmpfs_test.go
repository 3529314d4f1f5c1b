package tmpfs

import (
	"bytes"
	"fmt"
	"github.com/gobare/gobare/internal/kfstest"
	"strings"
	"testing"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// fakePages hands out pages from Go memory (each its own allocation, so
// that pointers into a page stay valid); page numbers start at 1.
type fakePages struct {
	pages []*[PageSize]byte
	free  []uintptr
	limit int // most pages in use at once
	inUse int
}

func (p *fakePages) Alloc() (uintptr, bool) {
	if p.inUse == p.limit {
		return 0, false
	}
	p.inUse++
	if n := len(p.free); n > 0 {
		pg := p.free[n-1]
		p.free = p.free[:n-1]
		return pg, true
	}
	p.pages = append(p.pages, new([PageSize]byte))
	return uintptr(len(p.pages)), true
}

func (p *fakePages) FreeFrame(pg uintptr) {
	clear(p.pages[pg-1][:])
	p.free = append(p.free, pg)
	p.inUse--
}

func (p *fakePages) Page(pg uintptr) []byte { return p.pages[pg-1][:] }

// clock ticks one microsecond each time it is read.
type clock struct{ t int64 }

func (c *clock) now() int64 { c.t += 1000; return c.t }

func newFS(limit int) (*FS, *fakePages) {
	pages := &fakePages{limit: limit}
	fs := &FS{}
	c := &clock{t: 1700000000e9}
	fs.Init(pages, c.now)
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

func create(t *testing.T, fs *FS, rel string, dir bool) {
	t.Helper()
	if _, err := fs.Create([]byte(rel), dir); err != 0 {
		t.Fatalf("Create(%q) = %v", rel, err)
	}
}

func stat(t *testing.T, fs *FS, rel string) vfs.Stat {
	t.Helper()
	n, err := fs.Lookup([]byte(rel))
	if err != 0 {
		t.Fatalf("Lookup(%q) = %v", rel, err)
	}
	var st vfs.Stat
	fs.Stat(n, &st)
	return st
}

func list(t *testing.T, fs *FS, rel string) []string {
	t.Helper()
	d := open(t, fs, rel, vfs.ReadOnly)
	defer vfs.Put(d)
	var names []string
	for pos := int64(0); ; {
		var e vfs.Dirent
		ok, err := d.ReadDir(pos, &e)
		if err != 0 {
			t.Fatal(err)
		}
		if !ok {
			return names
		}
		names = append(names, string(e.Name))
		pos = e.Next
	}
}

func TestWriteReadAcrossPages(t *testing.T) {
	fs, _ := newFS(100)
	create(t, fs, "f", false)
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

// Files are not limited to a fixed number of pages: a 5 MiB file, and a
// sparse one reaching 3 GiB, whose holes cost nothing.
func TestLargeAndSparseFiles(t *testing.T) {
	fs, pages := newFS(5000)
	create(t, fs, "big", false)
	create(t, fs, "sparse", false)
	base := pages.inUse
	f := open(t, fs, "big", vfs.ReadWrite)
	chunk := make([]byte, 64<<10)
	for i := 0; i < 80; i++ { // 5 MiB
		for j := range chunk {
			chunk[j] = byte(i + j/4096)
		}
		if n, err := f.Write(chunk); n != len(chunk) || err != 0 {
			t.Fatalf("write %d = %d, %v", i, n, err)
		}
	}
	got := make([]byte, len(chunk))
	for _, i := range []int{0, 41, 79} {
		if n, err := f.ReadAt(got, int64(i*len(chunk))); n != len(got) || err != 0 || got[4096] != byte(i+1) || got[len(got)-1] != byte(i+15) {
			t.Fatalf("read chunk %d = %d, %v, bytes %d %d", i, n, err, got[4096], got[len(got)-1])
		}
	}
	if st := stat(t, fs, "big"); st.Size != 5<<20 || st.Blocks != 5<<20/512 {
		t.Errorf("stat: size %d blocks %d, want %d and %d", st.Size, st.Blocks, 5<<20, 5<<20/512)
	}
	s := open(t, fs, "sparse", vfs.ReadWrite)
	before := pages.inUse
	if n, err := s.WriteAt([]byte("end"), 3<<30); n != 3 || err != 0 {
		t.Fatalf("write at 3 GiB = %d, %v", n, err)
	}
	if used := pages.inUse - before; used > 4 {
		t.Errorf("a 3-byte write at 3 GiB took %d pages", used)
	}
	if n, _ := s.ReadAt(got[:10], 3<<30-7); n != 10 || string(got[7:10]) != "end" || !bytes.Equal(got[:7], make([]byte, 7)) {
		t.Errorf("read around 3 GiB: %q", got[:n])
	}
	if _, err := s.WriteAt([]byte("x"), MaxFileSize); err != errno.EFBIG {
		t.Errorf("write past the largest file = %v, want EFBIG", err)
	}
	vfs.Put(f)
	vfs.Put(s)
	fs.Unlink([]byte("big"), false)
	fs.Unlink([]byte("sparse"), false)
	if pages.inUse != base {
		t.Errorf("%d pages in use after removing both files, want %d", pages.inUse, base)
	}
}

func TestOutOfPages(t *testing.T) {
	fs, pages := newFS(1000)
	create(t, fs, "f", false)
	f := open(t, fs, "f", vfs.WriteOnly)
	pages.limit = pages.inUse + 3 // an index page and two data pages
	big := make([]byte, 3*PageSize)
	if n, err := f.Write(big); n != 2*PageSize || err != 0 {
		t.Fatalf("Write with 3 pages left = %d, %v; want a short write of %d", n, err, 2*PageSize)
	}
	if _, err := f.Write(big); err != errno.ENOSPC {
		t.Fatalf("Write with no page left = %v, want ENOSPC", err)
	}
	if _, err := f.Read(make([]byte, 1)); err != errno.EBADF {
		t.Fatalf("read of a write-only file = %v, want EBADF", err)
	}
}

func TestDirectories(t *testing.T) {
	fs, _ := newFS(100)
	for _, c := range []struct {
		rel  string
		dir  bool
		want errno.Errno
	}{
		{"d", true, 0}, {"d/f", false, 0}, {"d/e", true, 0}, {"x/y", false, errno.ENOENT},
		{"d/f/g", false, errno.ENOTDIR}, {"d/f", false, errno.EEXIST},
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
	if names := list(t, fs, "d"); fmt.Sprint(names) != "[f e]" {
		t.Errorf("d lists %q, want [f e]", names)
	}
	if st := stat(t, fs, "d"); st.Nlink != 3 {
		t.Errorf("d has nlink %d, want 3 (itself, its entry, e's ..)", st.Nlink)
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
	dir := open(t, fs, "moved/e", vfs.ReadOnly)
	buf := make([]byte, 100)
	if p, err := dir.Path(buf); string(p) != "moved/e" || err != 0 {
		t.Errorf("Path of moved/e = %q, %v", p, err)
	}
}

// No limits on names but Linux's: 255-byte names, paths as deep as PATH_MAX
// allows, thousands of files.
func TestNamesAndCounts(t *testing.T) {
	fs, _ := newFS(10000)
	long := strings.Repeat("n", NameMax)
	create(t, fs, long, true)
	if _, err := fs.Create([]byte(long+"x"), false); err != errno.ENAMETOOLONG {
		t.Errorf("a 256-byte name = %v, want ENAMETOOLONG", err)
	}
	deep := long
	for i := 0; i < 10; i++ { // 2.5 KiB of path
		deep += "/" + long
		create(t, fs, deep, true)
	}
	create(t, fs, deep+"/f", false)
	if _, err := fs.Lookup([]byte(deep + "/f")); err != 0 {
		t.Errorf("a %d-byte path: %v", len(deep)+2, err)
	}
	create(t, fs, "many", true)
	for i := 0; i < 3000; i++ {
		create(t, fs, fmt.Sprintf("many/file-%d", i), false)
	}
	for i := 0; i < 3000; i += 2 {
		if err := fs.Unlink([]byte(fmt.Sprintf("many/file-%d", i)), false); err != 0 {
			t.Fatal(err)
		}
	}
	if names := list(t, fs, "many"); len(names) != 1500 || names[0] != "file-1" || names[1499] != "file-2999" {
		t.Errorf("many lists %d names (%q ... )", len(names), names[:2])
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

// Removing a file gives every page back, index pages included.
func TestRemoveFreesPages(t *testing.T) {
	fs, pages := newFS(100)
	create(t, fs, "f", false)
	before := pages.inUse
	f := open(t, fs, "f", vfs.ReadWrite)
	f.Write(make([]byte, 3*PageSize))
	vfs.Put(f)
	if err := fs.Unlink([]byte("f"), false); err != 0 {
		t.Fatal(err)
	}
	if pages.inUse != before {
		t.Fatalf("%d pages in use after unlink, want %d", pages.inUse, before)
	}
}

// An open file that loses its last name stays readable and writable until
// its last close, as on Linux; then its pages go.
func TestUnlinkedOpenFile(t *testing.T) {
	fs, pages := newFS(100)
	create(t, fs, "f", false)
	before := pages.inUse
	f := open(t, fs, "f", vfs.ReadWrite)
	f.Write([]byte("still here"))
	if err := fs.Unlink([]byte("f"), false); err != 0 {
		t.Fatal(err)
	}
	if _, err := fs.Lookup([]byte("f")); err != errno.ENOENT {
		t.Errorf("the name is still there: %v", err)
	}
	buf := make([]byte, 20)
	if n, _ := f.ReadAt(buf, 0); string(buf[:n]) != "still here" {
		t.Errorf("read after unlink = %q", buf[:n])
	}
	var st vfs.Stat
	f.Stat(&st)
	if st.Nlink != 0 {
		t.Errorf("nlink after unlink = %d, want 0", st.Nlink)
	}
	create(t, fs, "g", false) // must not take f's inode
	if n, _ := f.ReadAt(buf, 0); string(buf[:n]) != "still here" {
		t.Errorf("read after a new file = %q", buf[:n])
	}
	vfs.Put(f)
	fs.Unlink([]byte("g"), false)
	if pages.inUse != before {
		t.Errorf("%d pages in use after the last close, want %d", pages.inUse, before)
	}
}

func TestHardLinks(t *testing.T) {
	fs, _ := newFS(100)
	create(t, fs, "a", false)
	f := open(t, fs, "a", vfs.WriteOnly)
	f.Write([]byte("shared"))
	vfs.Put(f)
	if err := fs.Link([]byte("a"), []byte("b")); err != 0 {
		t.Fatal(err)
	}
	if err := fs.Link([]byte("a"), []byte("b")); err != errno.EEXIST {
		t.Errorf("link onto an existing name = %v", err)
	}
	create(t, fs, "d", true)
	if err := fs.Link([]byte("d"), []byte("d2")); err != errno.EPERM {
		t.Errorf("link of a directory = %v, want EPERM", err)
	}
	sa, sb := stat(t, fs, "a"), stat(t, fs, "b")
	if sa.Ino != sb.Ino || sa.Nlink != 2 {
		t.Errorf("a and b: inodes %d %d, nlink %d; want one inode, nlink 2", sa.Ino, sb.Ino, sa.Nlink)
	}
	fs.Unlink([]byte("a"), false)
	g := open(t, fs, "b", vfs.ReadOnly)
	buf := make([]byte, 10)
	if n, _ := g.Read(buf); string(buf[:n]) != "shared" || stat(t, fs, "b").Nlink != 1 {
		t.Errorf("b after unlinking a: %q, nlink %d", buf[:n], stat(t, fs, "b").Nlink)
	}
}

func TestRenameReplaces(t *testing.T) {
	fs, pages := newFS(100)
	for _, n := range []string{"src", "dst"} {
		create(t, fs, n, false)
		f := open(t, fs, n, vfs.WriteOnly)
		f.Write([]byte(n + " data"))
		vfs.Put(f)
	}
	inUse := pages.inUse
	srcIno := stat(t, fs, "src").Ino
	if err := fs.Rename([]byte("src"), []byte("dst")); err != 0 {
		t.Fatal(err)
	}
	if st := stat(t, fs, "dst"); st.Ino != srcIno || st.Size != 8 {
		t.Errorf("dst after rename: inode %d size %d, want %d and 8", st.Ino, st.Size, srcIno)
	}
	if _, err := fs.Lookup([]byte("src")); err != errno.ENOENT {
		t.Errorf("src after rename: %v", err)
	}
	if pages.inUse >= inUse {
		t.Errorf("the replaced file's page was not freed (%d pages, were %d)", pages.inUse, inUse)
	}
	create(t, fs, "a", true)
	create(t, fs, "a/b", true)
	create(t, fs, "full", true)
	create(t, fs, "full/x", false)
	create(t, fs, "empty", true)
	for _, c := range []struct {
		from, to string
		want     errno.Errno
	}{
		{"a", "a/b/c", errno.EINVAL}, {"a", "a/c", errno.EINVAL}, {"a", "full", errno.ENOTEMPTY},
		{"dst", "empty", errno.EISDIR}, {"a", "dst", errno.ENOTDIR}, {"missing", "x", errno.ENOENT},
		{"dst", "nodir/x", errno.ENOENT}, {"a", "a", 0}, {"a", "empty", 0},
	} {
		if err := fs.Rename([]byte(c.from), []byte(c.to)); err != c.want {
			t.Errorf("Rename(%q, %q) = %v, want %v", c.from, c.to, err, c.want)
		}
	}
	if _, err := fs.Lookup([]byte("empty/b")); err != 0 {
		t.Errorf("empty/b after renaming a over empty: %v", err)
	}
	if st := stat(t, fs, ""); st.Nlink != 4 {
		t.Errorf("root nlink %d, want 4 (full, empty)", st.Nlink)
	}
	if err := fs.Rename([]byte("empty/b"), []byte("b")); err != 0 || stat(t, fs, "empty").Nlink != 2 || stat(t, fs, "").Nlink != 5 {
		t.Errorf("moving b up: %v, nlinks %d %d", err, stat(t, fs, "empty").Nlink, stat(t, fs, "").Nlink)
	}
}

func TestModesAndTimes(t *testing.T) {
	fs, _ := newFS(100)
	n, _ := fs.Create([]byte("f"), false)
	st := stat(t, fs, "f")
	if st.Mode != vfs.ModeRegular|0o644 || st.Mtime < 1700000000 {
		t.Errorf("a new file: mode %o mtime %d", st.Mode, st.Mtime)
	}
	fs.SetAttr(n, vfs.Attr{Set: vfs.SetMode, Mode: 0o4751})
	if st2 := stat(t, fs, "f"); st2.Mode != vfs.ModeRegular|0o4751 || st2.Ctime*1e9+st2.CtimeNsec <= st.Ctime*1e9+st.CtimeNsec {
		t.Errorf("after chmod: mode %o, ctime %d.%09d (was %d.%09d)", st2.Mode, st2.Ctime, st2.CtimeNsec, st.Ctime, st.CtimeNsec)
	}
	fs.SetAttr(n, vfs.Attr{Set: vfs.SetAtime | vfs.SetMtime, Atime: vfs.Time{Sec: 1000, Nsec: 5}, Mtime: vfs.Time{Sec: 2000, Nsec: 7}})
	if st := stat(t, fs, "f"); st.Atime != 1000 || st.AtimeNsec != 5 || st.Mtime != 2000 || st.MtimeNsec != 7 {
		t.Errorf("after utimes: atime %d.%d mtime %d.%d", st.Atime, st.AtimeNsec, st.Mtime, st.MtimeNsec)
	}
	f := open(t, fs, "f", vfs.WriteOnly)
	f.Write([]byte("x"))
	if st := stat(t, fs, "f"); st.Mtime < 1700000000 {
		t.Errorf("a write did not set mtime: %d", st.Mtime)
	}
	f.SetAttr(vfs.Attr{Set: vfs.SetMode, Mode: 0o600})
	if st := stat(t, fs, "f"); st.Mode != vfs.ModeRegular|0o600 {
		t.Errorf("after fchmod: %o", st.Mode)
	}
}

// The kernel's pools of open files take their pages from Go memory
// the GC scans.
func init() { vfs.UsePages(&kfstest.Pages{Pointers: true}) }

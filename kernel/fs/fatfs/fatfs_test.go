package fatfs

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// TestWriteSyncRemount: what a program writes and syncs is on the
// device, and a fresh mount reads it back; before the sync it is only
// in the cache.
func TestWriteSyncRemount(t *testing.T) {
	for _, spc := range []int{1, 8} {
		img := format(8<<20, spc)
		fs, d := mount(t, img)
		data := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320,000 bytes: many clusters
		writeFile(t, fs, "data.bin", data)
		if d.writes != 0 {
			t.Errorf("spc %d: %d writes before the sync", spc, d.writes)
		}
		f := open(t, fs, "data.bin", vfs.ReadOnly)
		if err := f.Sync(); err != 0 || d.flushes != 1 {
			t.Fatalf("Sync = %v, %d flushes", err, d.flushes)
		}
		closeFile(f)
		if d.writes > 20 {
			t.Errorf("spc %d: the sync took %d requests for 79 blocks of data", spc, d.writes)
		}
		fs2, d2 := mount(t, img)
		if got := readFile(t, fs2, "data.bin"); !bytes.Equal(got, data) {
			t.Fatalf("spc %d: read back %d bytes, want %d the same", spc, len(got), len(data))
		}
		if d2.reads > 20 {
			t.Errorf("spc %d: reading it back took %d requests", spc, d2.reads)
		}
		var st vfs.Stat
		n, _ := fs2.Lookup([]byte("DATA.BIN"))
		if err := fs2.Stat(n, &st); err != 0 || st.Size != int64(len(data)) || st.Mode != vfs.ModeRegular|0o644 {
			t.Errorf("stat: %v %+v", err, st)
		}
		if st.Mtime != 1704153600+2 && st.Mtime != 1704153600+4 { // the clock's reading, to 2 s
			t.Errorf("mtime %d", st.Mtime)
		}
	}
}

// TestLongNames: names that are not 8.3 survive as written, case
// included; lookups ignore case, as FAT does.
func TestLongNames(t *testing.T) {
	fs, _ := mount(t, format(4<<20, 1))
	names := []string{"README", "go.mod", "A Long File Name With Spaces.txt", "ünïcödé-名前-🙂.json",
		strings.Repeat("x", 255), "TestSomething.go", "x.tar.gz", "UPPER.TXT", "lower.txt"}
	for i, n := range names {
		writeFile(t, fs, n, []byte(fmt.Sprint(i)))
	}
	got := list(t, fs, "")
	if !slices.Equal(got, names) {
		t.Errorf("listing:\n%q\nwant\n%q", got, names)
	}
	for i, n := range names {
		if got := string(readFile(t, fs, asciiUpper(n))); got != fmt.Sprint(i) {
			t.Errorf("%q: %q", n, got)
		}
	}
	if _, err := fs.Create([]byte(strings.Repeat("y", 256)), false); err != errno.ENAMETOOLONG {
		t.Errorf("a 256-byte name: %v", err)
	}
	if _, err := fs.Create([]byte("a:b"), false); err != errno.EINVAL {
		t.Errorf("a name with ':': %v", err)
	}
	if _, err := fs.Create([]byte("readme"), false); err != errno.EEXIST {
		t.Errorf("readme beside README: %v", err)
	}
}

// TestDirectories: mkdir, nested files, rmdir of a full and an empty
// directory, many entries (the directory grows by clusters), and the
// path of a directory from its ".." entries.
func TestDirectories(t *testing.T) {
	fs, _ := mount(t, format(8<<20, 1))
	for _, d := range []string{"a", "a/b", "a/b/c"} {
		if _, err := fs.Create([]byte(d), true); err != 0 {
			t.Fatalf("mkdir %s: %v", d, err)
		}
	}
	var want []string
	for i := range 300 {
		name := fmt.Sprintf("file-number-%03d.txt", i)
		writeFile(t, fs, "a/b/c/"+name, []byte(name))
		want = append(want, name)
	}
	if got := list(t, fs, "a/b/c"); !slices.Equal(got, want) {
		t.Fatalf("listing has %d names, want %d", len(got), len(want))
	}
	if got := string(readFile(t, fs, "a/b/c/file-number-299.txt")); got != "file-number-299.txt" {
		t.Errorf("read %q", got)
	}
	f := open(t, fs, "a/b/c", vfs.ReadOnly)
	var buf [64]byte
	if p, err := f.Path(buf[:]); err != 0 || string(p) != "a/b/c" {
		t.Errorf("Path = %q, %v", p, err)
	}
	closeFile(f)
	if err := fs.Unlink([]byte("a/b"), true); err != errno.ENOTEMPTY {
		t.Errorf("rmdir a/b: %v", err)
	}
	if err := fs.Unlink([]byte("a/b/c/file-number-000.txt"), true); err != errno.ENOTDIR {
		t.Errorf("rmdir of a file: %v", err)
	}
	if err := fs.Unlink([]byte("a/b"), false); err != errno.EISDIR {
		t.Errorf("unlink of a directory: %v", err)
	}
	for _, name := range want {
		if err := fs.Unlink([]byte("a/b/c/"+name), false); err != 0 {
			t.Fatalf("unlink %s: %v", name, err)
		}
	}
	if err := fs.Unlink([]byte("a/b/c"), true); err != 0 {
		t.Errorf("rmdir a/b/c: %v", err)
	}
	if _, err := fs.Lookup([]byte("a/b/c")); err != errno.ENOENT {
		t.Errorf("a/b/c after rmdir: %v", err)
	}
	if _, err := fs.Lookup([]byte("a/x/y")); err != errno.ENOENT {
		t.Errorf("a/x/y: %v", err)
	}
	if _, err := fs.Create([]byte("a/x/y"), false); err != errno.ENOENT {
		t.Errorf("create a/x/y: %v", err)
	}
}

// TestRename: over an existing file, a directory to another parent (its
// ".." follows), into itself (EINVAL), and an open file keeps working
// under its new name.
func TestRename(t *testing.T) {
	fs, _ := mount(t, format(4<<20, 1))
	writeFile(t, fs, "db.tmp", []byte("new contents"))
	writeFile(t, fs, "db", []byte("old"))
	f := open(t, fs, "db.tmp", vfs.ReadWrite)
	if err := fs.Rename([]byte("db.tmp"), []byte("db")); err != 0 {
		t.Fatalf("rename: %v", err)
	}
	if got := list(t, fs, ""); !slices.Equal(got, []string{"db"}) {
		t.Errorf("after rename: %q", got)
	}
	f.WriteAt([]byte("NEW"), 0)
	closeFile(f)
	if got := string(readFile(t, fs, "db")); got != "NEW contents" {
		t.Errorf("db: %q", got)
	}
	for _, d := range []string{"x", "x/y", "z"} {
		fs.Create([]byte(d), true)
	}
	writeFile(t, fs, "x/y/f", []byte("f"))
	if err := fs.Rename([]byte("x"), []byte("x/y/x")); err != errno.EINVAL {
		t.Errorf("x into x/y: %v", err)
	}
	if err := fs.Rename([]byte("x/y"), []byte("z/moved")); err != 0 {
		t.Fatalf("rename x/y z/moved: %v", err)
	}
	d := open(t, fs, "z/moved", vfs.ReadOnly)
	var buf [64]byte
	if p, err := d.Path(buf[:]); err != 0 || string(p) != "z/moved" {
		t.Errorf("Path after the move = %q, %v", p, err)
	}
	closeFile(d)
	if got := string(readFile(t, fs, "z/moved/f")); got != "f" {
		t.Errorf("z/moved/f: %q", got)
	}
	if err := fs.Rename([]byte("db"), []byte("z")); err != errno.EISDIR {
		t.Errorf("a file over a directory: %v", err)
	}
	if err := fs.Rename([]byte("db"), []byte("DB")); err != 0 {
		t.Errorf("a change of case: %v", err)
	}
	if got := list(t, fs, ""); !slices.Contains(got, "DB") || slices.Contains(got, "db") {
		t.Errorf("after the change of case: %q", got)
	}
}

// TestTruncateAndHoles: growing reads as zeroes, shrinking frees
// clusters, a write past the end leaves a hole of zeroes, O_TRUNC.
func TestTruncateAndHoles(t *testing.T) {
	fs, _ := mount(t, format(4<<20, 1))
	writeFile(t, fs, "f", bytes.Repeat([]byte{0xAA}, 3000))
	f := open(t, fs, "f", vfs.ReadWrite)
	if err := f.Truncate(100); err != 0 {
		t.Fatal(err)
	}
	if err := f.Truncate(2000); err != 0 {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("end"), 5000); err != 0 {
		t.Fatal(err)
	}
	closeFile(f)
	got := readFile(t, fs, "f")
	want := append(append(bytes.Repeat([]byte{0xAA}, 100), make([]byte, 4900)...), "end"...)
	if !bytes.Equal(got, want) {
		t.Errorf("contents differ: %d bytes, want %d", len(got), len(want))
	}
	f = open(t, fs, "f", vfs.WriteOnly|vfs.Trunc)
	if size, _ := f.Size(); size != 0 {
		t.Errorf("size after O_TRUNC: %d", size)
	}
	closeFile(f)
}

// TestUnlinkOpen: a file removed while open is still read and written
// through its descriptor; its clusters are free after the last close.
func TestUnlinkOpen(t *testing.T) {
	fs, _ := mount(t, format(1<<20, 1))
	data := bytes.Repeat([]byte("x"), 600<<10)
	writeFile(t, fs, "big", data)
	f := open(t, fs, "big", vfs.ReadWrite)
	if err := fs.Unlink([]byte("big"), false); err != 0 {
		t.Fatal(err)
	}
	b := make([]byte, 10)
	if n, err := f.ReadAt(b, 1000); n != 10 || err != 0 {
		t.Errorf("read after unlink: %d, %v", n, err)
	}
	var st vfs.Stat
	if f.Stat(&st); st.Nlink != 0 || st.Size != int64(len(data)) {
		t.Errorf("stat after unlink: %+v", st)
	}
	closeFile(f)
	writeFile(t, fs, "again", data) // fits only if the clusters were freed

	// A directory removed while open lists nothing, has no path, and
	// its cluster is free after the last close.
	fs.Create([]byte("d"), true)
	d := open(t, fs, "d", vfs.ReadOnly)
	if err := fs.Unlink([]byte("d"), true); err != 0 {
		t.Fatal(err)
	}
	var e vfs.Dirent
	if ok, err := d.ReadDir(0, &e); ok || err != 0 {
		t.Errorf("ReadDir of a removed directory: %v, %v", ok, err)
	}
	var buf [16]byte
	if _, err := d.Path(buf[:]); err != errno.ENOENT {
		t.Errorf("Path of a removed directory: %v", err)
	}
	first := fs.inodes.At(0).cur.first
	for i := 0; i < fs.inodes.Len(); i++ {
		if in := fs.inodes.At(i); in.refs > 0 {
			first = in.cur.first
		}
	}
	closeFile(d)
	if v, _ := fs.entry(first); v != 0 {
		t.Errorf("the removed directory's cluster %d is not free: %#x", first, v)
	}
}

// TestFull: a full disk is ENOSPC; what was written before stays; after
// a removal there is room again.
func TestFull(t *testing.T) {
	fs, _ := mount(t, format(1<<20, 1))
	f := open(t, fs, "fill", vfs.ReadWrite|vfs.Creat)
	chunk := bytes.Repeat([]byte("z"), 4096)
	total := 0
	var err errno.Errno
	for range 1000 {
		var n int
		n, err = f.Write(chunk)
		total += n
		if err != 0 {
			break
		}
	}
	if err != errno.ENOSPC {
		t.Fatalf("writing 4 MB on a 1 MB disk: %v after %d bytes", err, total)
	}
	if size, _ := f.Size(); size != int64(total) || total < 900<<10 {
		t.Errorf("size %d, wrote %d", size, total)
	}
	closeFile(f)
	if _, err := fs.Create([]byte("dir"), true); err != errno.ENOSPC {
		t.Errorf("mkdir on a full disk: %v", err)
	}
	if got := readFile(t, fs, "fill"); len(got) != total {
		t.Errorf("read back %d bytes", len(got))
	}
	fs.Unlink([]byte("fill"), false)
	writeFile(t, fs, "small", []byte("room again"))
}

// TestCorrupt: damaged volumes answer EIO (or refuse to mount), never
// panic: a boot sector of garbage, a FAT chain that loops, a chain that
// ends before the file's size, a cluster number out of range.
func TestCorrupt(t *testing.T) {
	img := format(1<<20, 1)
	copy(img[11:], "garbage in the BPB")
	pages := &fakePages{}
	fs := &FS{}
	if why := fs.Mount(&memDisk{img: img, pages: pages}, pages, int64(len(img)), false, (&clock{}).now); why == "" {
		t.Fatalf("a garbage BPB mounted")
	}
	if _, err := fs.Lookup([]byte("x")); err != errno.EIO {
		t.Errorf("Lookup on an unmountable volume: %v", err)
	}
	if _, err := fs.Create([]byte("x"), false); err != errno.EIO {
		t.Errorf("Create on an unmountable volume: %v", err)
	}

	for _, tc := range []struct {
		name               string
		damage             func(fs *FS, first uint32)
		readErr, unlinkErr errno.Errno
	}{
		// A loop within the file's size reads what the loop holds; freeing
		// the chain finds it. A chain shorter than the size cannot be
		// read to its end, and is freed as far as it goes.
		{"loop", func(fs *FS, first uint32) { fs.setEntry(first+1, first) }, 0, errno.EIO},
		{"short chain", func(fs *FS, first uint32) { fs.setEntry(first+1, endOfChain) }, errno.EIO, 0},
		{"out of range", func(fs *FS, first uint32) { fs.setEntry(first+1, 0x0FFFFFF0) }, errno.EIO, errno.EIO},
		{"free in chain", func(fs *FS, first uint32) { fs.setEntry(first+1, 0) }, errno.EIO, errno.EIO},
	} {
		img := format(1<<20, 1)
		fs, _ := mount(t, img)
		writeFile(t, fs, "f", bytes.Repeat([]byte("q"), 8*512))
		n, _ := fs.Lookup([]byte("f"))
		var e dentry
		fs.entryOf(n.ID, &e)
		tc.damage(fs, e.cluster())
		fs.Sync()
		fs2, _ := mount(t, img)
		f := open(t, fs2, "f", vfs.ReadOnly)
		b := make([]byte, 8*512)
		if _, err := f.ReadAt(b, 0); err != tc.readErr {
			t.Errorf("%s: read = %v, want %v", tc.name, err, tc.readErr)
		}
		closeFile(f)
		if err := fs2.Unlink([]byte("f"), false); err != tc.unlinkErr {
			t.Errorf("%s: unlink = %v", tc.name, err)
		}
	}

	// A directory entry whose cluster is out of range.
	img = format(1<<20, 1)
	fs, _ = mount(t, img)
	fs.Create([]byte("d"), true)
	n, _ := fs.Lookup([]byte("d"))
	b, _ := fs.c.ref(n.ID, slotSize, true)
	setCluster(b, 0x0FFFFFF)
	if _, err := fs.Lookup([]byte("d/x")); err != errno.EIO {
		t.Errorf("lookup in a directory with a bad cluster: %v", err)
	}
	if _, err := fs.Open(n, vfs.ReadOnly); err != errno.EIO {
		t.Errorf("open of a directory with a bad cluster: %v", err)
	}

	// A device that fails.
	fs, d := mount(t, format(1<<20, 1))
	writeFile(t, fs, "f", []byte("x"))
	d.broken = true
	if err := fs.Sync(); err != errno.EIO {
		t.Errorf("sync on a failing device: %v", err)
	}
}

// asciiUpper upper-cases the ASCII letters of s, as FAT's comparison
// ignores their case (and only theirs).
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = upper(c)
	}
	return string(b)
}

func TestDosTime(t *testing.T) {
	for _, ns := range []int64{315532800e9, 1704153600e9 + 3723e9, 4354819198e9} {
		date, tm, h := dosTime(ns)
		if got := unixTime(date, tm, h); got != ns {
			t.Errorf("%d: back as %d", ns, got)
		}
	}
	if date, tm, _ := dosTime(0); unixTime(date, tm, 0) != 315532800e9 {
		t.Errorf("1970 is not clamped to 1980")
	}
}

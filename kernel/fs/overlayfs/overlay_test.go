package overlayfs_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/gobare/gobare/internal/kfstest"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/cpiofs"
	"github.com/gobare/gobare/kernel/fs/overlayfs"
	"github.com/gobare/gobare/kernel/fs/tmpfs"
	"github.com/gobare/gobare/kernel/vfs"
)

var (
	lower   cpiofs.FS
	upper   tmpfs.FS
	overlay overlayfs.FS
)

// setUp mounts an overlay of a tmpfs on an archive at /work, the working
// directory, and returns a copy of the archive to compare with.
func setUp(t *testing.T) []byte {
	t.Helper()
	vfs.Unmount()
	lower.Archive = kfstest.Files(
		[3]string{"a.txt", "100644", "hello"},
		[3]string{"sub", "40755", ""},
		[3]string{"sub/b.txt", "100600", "nested"},
		[3]string{"sub/deep", "40755", ""},
		[3]string{"sub/deep/c.txt", "100644", "deeper"},
		[3]string{"link", "120777", "a.txt"},
	)
	upper.InoBase = 1 << 32
	upper.Init(&kfstest.Pages{}, func() int64 { return 1800000000e9 })
	overlay = overlayfs.FS{Lower: &lower, Upper: &upper}
	overlay.Init()
	vfs.Mount([]byte("/work"), &overlay, false)
	vfs.SetCwd([]byte("/work"))
	return slices.Clone(lower.Archive)
}

func read(t *testing.T, path string) (string, errno.Errno) {
	t.Helper()
	f, err := vfs.Open(nil, []byte(path), vfs.ReadOnly)
	if err != 0 {
		return "", err
	}
	defer vfs.Put(f)
	buf := make([]byte, 100)
	n, err := f.Read(buf)
	return string(buf[:n]), err
}

func write(t *testing.T, path string, flags uint32, data string) {
	t.Helper()
	f, err := vfs.Open(nil, []byte(path), vfs.WriteOnly|flags)
	if err != 0 {
		t.Fatalf("open %s for writing: %v", path, err)
	}
	defer vfs.Put(f)
	if n, err := f.Write([]byte(data)); n != len(data) || err != 0 {
		t.Fatalf("write %s: %d, %v", path, n, err)
	}
}

func list(t *testing.T, path string) []string {
	t.Helper()
	f, err := vfs.Open(nil, []byte(path), vfs.ReadOnly|vfs.Directory)
	if err != 0 {
		t.Fatalf("open %s: %v", path, err)
	}
	defer vfs.Put(f)
	var names []string
	var e vfs.Dirent
	for pos := int64(0); ; pos = e.Next {
		ok, err := vfs.ReadDir(f, pos, &e)
		if err != 0 || !ok {
			break
		}
		names = append(names, string(e.Name))
	}
	slices.Sort(names)
	return names
}

func want(t *testing.T, path, content string, werr errno.Errno) {
	t.Helper()
	if got, err := read(t, path); got != content || err != werr {
		t.Errorf("read %s = %q, %v; want %q, %v", path, got, err, content, werr)
	}
}

// Writing a packed file copies it up: the program sees its change, the
// archive stays as it was.
func TestWriteCopiesUp(t *testing.T) {
	orig := setUp(t)
	write(t, "a.txt", vfs.Trunc, "changed")
	want(t, "a.txt", "changed", 0)
	want(t, "link", "changed", 0)
	write(t, "sub/deep/c.txt", vfs.Append, " and more")
	want(t, "sub/deep/c.txt", "deeper and more", 0)
	want(t, "sub/b.txt", "nested", 0)
	var st vfs.Stat
	vfs.StatPath(nil, []byte("sub/b.txt"), true, &st)
	if st.Mode != vfs.ModeRegular|0o600 {
		t.Errorf("sub/b.txt mode %o before copy-up", st.Mode)
	}
	write(t, "sub/b.txt", 0, "N")
	vfs.StatPath(nil, []byte("sub/b.txt"), true, &st)
	if st.Mode != vfs.ModeRegular|0o600 || st.Mtime == 1700000000 {
		t.Errorf("sub/b.txt after a write: mode %o mtime %d; want the mode kept, a new mtime", st.Mode, st.Mtime)
	}
	want(t, "sub/b.txt", "Nested", 0)
	if err := vfs.SetAttrPath(nil, []byte("sub/deep"), true, vfs.Attr{Set: vfs.SetMode, Mode: 0o700}); err != 0 {
		t.Fatal(err)
	}
	vfs.StatPath(nil, []byte("sub/deep"), true, &st)
	if st.Mode != vfs.ModeDir|0o700 {
		t.Errorf("chmod of a packed directory: %o", st.Mode)
	}
	if got := list(t, "sub"); fmt.Sprint(got) != "[b.txt deep]" {
		t.Errorf("sub lists %q after copy-ups, want [b.txt deep]", got)
	}
	if !bytes.Equal(lower.Archive, orig) {
		t.Error("the archive changed")
	}
}

func TestCreateAndList(t *testing.T) {
	setUp(t)
	var st vfs.Stat
	if vfs.StatPath(nil, []byte("/work"), true, &st); st.Mode != vfs.ModeDir|0o755 {
		t.Errorf("the root: mode %o, want the archive root's 40755", st.Mode)
	}
	write(t, "sub/deep/new.txt", vfs.Creat, "new")
	if err := vfs.Mkdir(nil, []byte("sub/made"), 0o755); err != 0 {
		t.Fatal(err)
	}
	if got := list(t, "sub/deep"); fmt.Sprint(got) != "[c.txt new.txt]" {
		t.Errorf("sub/deep lists %q", got)
	}
	if got := list(t, "."); fmt.Sprint(got) != "[a.txt link sub]" {
		t.Errorf(". lists %q", got)
	}
	if got := list(t, "sub"); fmt.Sprint(got) != "[b.txt deep made]" {
		t.Errorf("sub lists %q", got)
	}
	if _, err := vfs.Open(nil, []byte("a.txt"), vfs.Creat|vfs.Excl|vfs.WriteOnly); err != errno.EEXIST {
		t.Errorf("O_EXCL on a packed file = %v", err)
	}
	if _, err := vfs.Open(nil, []byte("nodir/x"), vfs.Creat|vfs.WriteOnly); err != errno.ENOENT {
		t.Errorf("create in a missing directory = %v", err)
	}
}

// Removing a packed name leaves a whiteout; a directory made again where
// a packed one was removed does not show the old entries.
func TestRemove(t *testing.T) {
	orig := setUp(t)
	if err := vfs.Unlink(nil, []byte("a.txt"), false); err != 0 {
		t.Fatal(err)
	}
	want(t, "a.txt", "", errno.ENOENT)
	want(t, "link", "", errno.ENOENT)
	if got := list(t, "."); fmt.Sprint(got) != "[link sub]" {
		t.Errorf(". lists %q after removing a.txt", got)
	}
	write(t, "a.txt", vfs.Creat, "again")
	want(t, "a.txt", "again", 0)
	if err := vfs.Unlink(nil, []byte("sub"), true); err != errno.ENOTEMPTY {
		t.Errorf("rmdir sub = %v, want ENOTEMPTY", err)
	}
	for _, p := range []string{"sub/deep/c.txt", "sub/b.txt"} {
		if err := vfs.Unlink(nil, []byte(p), false); err != 0 {
			t.Fatal(p, err)
		}
	}
	if err := vfs.Unlink(nil, []byte("sub"), true); err != errno.ENOTEMPTY {
		t.Errorf("rmdir sub with deep = %v, want ENOTEMPTY", err)
	}
	if err := vfs.Unlink(nil, []byte("sub/deep"), true); err != 0 {
		t.Fatal(err)
	}
	if err := vfs.Unlink(nil, []byte("sub"), true); err != 0 {
		t.Fatalf("rmdir of an emptied packed directory: %v", err)
	}
	want(t, "sub/b.txt", "", errno.ENOENT)
	if err := vfs.Mkdir(nil, []byte("sub"), 0o755); err != 0 {
		t.Fatal(err)
	}
	if got := list(t, "sub"); len(got) != 0 {
		t.Errorf("a new sub lists %q, want nothing", got)
	}
	want(t, "sub/b.txt", "", errno.ENOENT)
	if !bytes.Equal(lower.Archive, orig) {
		t.Error("the archive changed")
	}
}

func TestRenameAndLink(t *testing.T) {
	setUp(t)
	if err := vfs.Rename(nil, []byte("a.txt"), nil, []byte("sub/moved.txt")); err != 0 {
		t.Fatal(err)
	}
	want(t, "a.txt", "", errno.ENOENT)
	want(t, "sub/moved.txt", "hello", 0)
	if err := vfs.Rename(nil, []byte("sub/moved.txt"), nil, []byte("sub/b.txt")); err != 0 {
		t.Fatal(err)
	}
	want(t, "sub/b.txt", "hello", 0)
	if got := list(t, "sub"); fmt.Sprint(got) != "[b.txt deep]" {
		t.Errorf("sub lists %q", got)
	}
	if err := vfs.Rename(nil, []byte("sub"), nil, []byte("other")); err != errno.EXDEV {
		t.Errorf("renaming a packed directory = %v, want EXDEV", err)
	}
	vfs.Mkdir(nil, []byte("mine"), 0o755)
	write(t, "mine/f", vfs.Creat, "mine")
	if err := vfs.Rename(nil, []byte("mine"), nil, []byte("yours")); err != 0 {
		t.Errorf("renaming a new directory = %v", err)
	}
	want(t, "yours/f", "mine", 0)
	if err := vfs.Link(nil, []byte("sub/deep/c.txt"), nil, []byte("hard"), false); err != 0 {
		t.Fatal(err)
	}
	write(t, "hard", vfs.Append, "!")
	want(t, "sub/deep/c.txt", "deeper!", 0)
	if err := vfs.Symlink([]byte("sub/deep/c.txt"), nil, []byte("sub/sym")); err != 0 {
		t.Fatal(err)
	}
	want(t, "sub/sym", "", errno.ENOENT) // relative to sub: sub/sub/deep/c.txt
	vfs.Unlink(nil, []byte("sub/sym"), false)
	vfs.Symlink([]byte("deep/c.txt"), nil, []byte("sub/sym"))
	want(t, "sub/sym", "deeper!", 0)
}

// The kernel's pools of open files take their pages from Go memory
// the GC scans.
func init() { vfs.UsePages(&kfstest.Pages{Pointers: true}) }

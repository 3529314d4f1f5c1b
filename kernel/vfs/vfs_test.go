package vfs_test

import (
	"fmt"
	"testing"

	"github.com/gobare/gobare/internal/kfstest"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/cpiofs"
	"github.com/gobare/gobare/kernel/fs/devfs"
	"github.com/gobare/gobare/kernel/fs/pipefs"
	"github.com/gobare/gobare/kernel/fs/tmpfs"
	"github.com/gobare/gobare/kernel/vfs"
)

var (
	archiveFS cpiofs.FS
	tmpFS     tmpfs.FS
	devFS     devfs.FS
)

// setUp mounts an archive at mount, the tmpfs at /tmp and /dev, as the
// kernel does, with the working directory at the mount.
func setUp(t *testing.T, mount string) {
	t.Helper()
	vfs.Unmount()
	archiveFS.Archive = kfstest.Files(
		[3]string{"a.txt", "100644", "hello"},
		[3]string{"sub", "40755", ""},
		[3]string{"sub/b.txt", "100644", "nested"},
		[3]string{"link", "120777", "a.txt"},
		[3]string{"dirlink", "120777", "sub"},
		[3]string{"loop", "120777", "loop"},
		[3]string{"tmp/go-build1", "40755", ""},
		[3]string{"tmp/go-build1/x.test", "100755", "ELF"},
	)
	vfs.Mount([]byte(mount), &archiveFS, false)
	tmpFS.Init(&kfstest.Pages{}, func() int64 { return 0 })
	vfs.Mount([]byte("/tmp"), &tmpFS, true)
	vfs.Mount([]byte("/dev"), &devFS, true)
	vfs.SetCwd([]byte(mount))
}

func readAll(t *testing.T, path string) (string, errno.Errno) {
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

func TestPathWalk(t *testing.T) {
	setUp(t, "/")
	for _, c := range []struct {
		path, want string
		err        errno.Errno
	}{
		{"a.txt", "hello", 0}, {"/sub/b.txt", "nested", 0}, {"sub/../a.txt", "hello", 0},
		{"link", "hello", 0}, {"dirlink/b.txt", "nested", 0}, {"loop", "", errno.ELOOP},
		{"missing", "", errno.ENOENT}, {"/tmp/go-build1/x.test", "ELF", 0}, {"/dev/null", "", 0},
	} {
		got, err := readAll(t, c.path)
		if got != c.want || err != c.err {
			t.Errorf("read %q = %q, %v; want %q, %v", c.path, got, err, c.want, c.err)
		}
	}
}

func TestStatAndReadlink(t *testing.T) {
	setUp(t, "/")
	var st vfs.Stat
	if err := vfs.StatPath(nil, []byte("link"), false, &st); err != 0 || st.Mode&vfs.ModeType != vfs.ModeSymlink {
		t.Errorf("lstat(link) = %o, %v", st.Mode, err)
	}
	if err := vfs.StatPath(nil, []byte("link"), true, &st); err != 0 || st.Mode&vfs.ModeType != vfs.ModeRegular || st.Size != 5 {
		t.Errorf("stat(link) = %o size %d, %v", st.Mode, st.Size, err)
	}
	if target, err := vfs.Readlink(nil, []byte("link")); err != 0 || string(target) != "a.txt" {
		t.Errorf("readlink(link) = %q, %v", target, err)
	}
	if _, err := vfs.Readlink(nil, []byte("a.txt")); err != errno.EINVAL {
		t.Errorf("readlink of a file = %v, want EINVAL", err)
	}
}

// The archive is read-only; /tmp is not, except under the archive's own
// directories that show through it.
func TestWhereWritesGo(t *testing.T) {
	setUp(t, "/")
	for _, c := range []struct {
		path string
		err  errno.Errno
	}{
		{"/new.txt", errno.EROFS}, {"/a.txt", errno.EROFS}, {"/tmp/new.txt", 0},
		{"/tmp/go-build1/new", errno.EROFS}, {"/tmp/nodir/new", errno.ENOENT},
	} {
		f, err := vfs.Open(nil, []byte(c.path), vfs.Creat|vfs.WriteOnly)
		if err != c.err {
			t.Errorf("create %q = %v, want %v", c.path, err, c.err)
		}
		if f != nil {
			vfs.Put(f)
		}
	}
	if err := vfs.Mkdir(nil, []byte("/tmp/d"), 0o755); err != 0 {
		t.Fatal(err)
	}
	if err := vfs.Mkdir(nil, []byte("/tmp/d"), 0o755); err != errno.EEXIST {
		t.Errorf("mkdir twice = %v", err)
	}
	if err := vfs.Rename(nil, []byte("/tmp/d"), nil, []byte("/moved")); err != errno.EXDEV {
		t.Errorf("rename across file systems = %v, want EXDEV", err)
	}
	if err := vfs.Access(nil, []byte("/a.txt"), 2); err != errno.EROFS {
		t.Errorf("access(W_OK) on the archive = %v", err)
	}
	if err := vfs.Truncate(nil, []byte("/tmp/new.txt"), 3000); err != 0 {
		t.Errorf("truncate in /tmp = %v", err)
	}
	if err := vfs.Truncate(nil, []byte("/a.txt"), 1); err != errno.EROFS {
		t.Errorf("truncate on the archive = %v, want EROFS", err)
	}
	if err := vfs.Truncate(nil, []byte("/tmp/d"), 1); err != errno.EISDIR {
		t.Errorf("truncate of a directory = %v, want EISDIR", err)
	}
	if err := vfs.Access(nil, []byte("/tmp/d"), 2); err != 0 {
		t.Errorf("access(W_OK) in /tmp = %v", err)
	}
}

// With the archive mounted at /work/pkg, "/" and "/work" exist and list
// the way down.
func TestAboveTheMount(t *testing.T) {
	setUp(t, "/work/pkg")
	if got, err := readAll(t, "a.txt"); got != "hello" || err != 0 {
		t.Fatalf("a.txt from the working directory: %q, %v", got, err)
	}
	f, err := vfs.Open(nil, []byte("/work"), vfs.ReadOnly|vfs.Directory)
	if err != 0 {
		t.Fatal(err)
	}
	var e vfs.Dirent
	if ok, _ := f.ReadDir(0, &e); !ok || string(e.Name) != "pkg" {
		t.Errorf("/work lists %q", e.Name)
	}
	var buf [vfs.MaxPath]byte
	if p, err := vfs.FilePath(f, &buf); err != 0 || string(p) != "/work" {
		t.Errorf("path of /work = %q, %v", p, err)
	}
	sub, _ := vfs.Open(nil, []byte("sub"), vfs.ReadOnly)
	if p, err := vfs.FilePath(sub, &buf); err != 0 || string(p) != "/work/pkg/sub" {
		t.Errorf("path of sub = %q, %v", p, err)
	}
	if _, err := readAll(t, "/etc/passwd"); err != errno.ENOENT {
		t.Errorf("a path beside the mount = %v, want ENOENT", err)
	}
}

// Descriptors: dup shares the description (its offset); the description is
// released with the last descriptor, which a pipe's reader sees as end of
// file.
func TestDescriptors(t *testing.T) {
	setUp(t, "/")
	var fds vfs.FDTable
	f, _ := vfs.Open(nil, []byte("a.txt"), vfs.ReadOnly)
	fd, _ := fds.Install(f, 0, false)
	dup, _ := fds.Dup(uintptr(fd), -1, 0, false)
	b := make([]byte, 2)
	fds.Get(uintptr(fd)).Read(b)
	fds.Get(uintptr(dup)).Read(b)
	if string(b) != "ll" {
		t.Errorf("the duplicate read %q: the offset is not shared", b)
	}
	pipefs.Init(&kfstest.Pages{})
	r, w, _ := pipefs.New(0)
	rfd, _ := fds.Install(r, 0, false)
	wfd, _ := fds.Install(w, 0, false)
	w2, _ := fds.Dup(uintptr(wfd), 10, 0, false)
	if _, err := fds.Get(uintptr(rfd)).Read(b); err != errno.EAGAIN {
		t.Fatalf("read of an empty pipe = %v, want EAGAIN", err)
	}
	fds.Close(wfd)
	if _, err := fds.Get(uintptr(rfd)).Read(b); err != errno.EAGAIN {
		t.Fatalf("a writer remains (dup): read = %v, want EAGAIN", err)
	}
	fds.Close(w2)
	if n, err := fds.Get(uintptr(rfd)).Read(b); n != 0 || err != 0 {
		t.Fatalf("no writer left: read = %d, %v; want end of file", n, err)
	}
	if err := fds.Close(wfd); err != errno.EBADF {
		t.Errorf("closing twice = %v", err)
	}
}

func openTmp(t *testing.T, path string, flags uint32) vfs.File {
	t.Helper()
	f, err := vfs.Open(nil, []byte(path), flags|vfs.Creat)
	if err != 0 {
		t.Fatalf("open %s: %v", path, err)
	}
	return f
}

// flock locks belong to the description: two opens of one file conflict,
// a dup shares the lock, and the last close of the description drops it.
func TestFlock(t *testing.T) {
	setUp(t, "/")
	vfs.ResetLocks()
	var fds vfs.FDTable
	a := openTmp(t, "/tmp/db", vfs.ReadWrite)
	b := openTmp(t, "/tmp/db", vfs.ReadWrite)
	other := openTmp(t, "/tmp/other", vfs.ReadWrite)
	afd, _ := fds.Install(a, 0, false)
	dup, _ := fds.Dup(uintptr(afd), -1, 0, false)
	bfd, _ := fds.Install(b, 0, false)
	if err := vfs.Flock(a, vfs.LockWrite); err != 0 {
		t.Fatal(err)
	}
	if err := vfs.Flock(b, vfs.LockRead); err != errno.EAGAIN {
		t.Errorf("LOCK_SH beside another description's LOCK_EX = %v, want EAGAIN", err)
	}
	if err := vfs.Flock(other, vfs.LockWrite); err != 0 {
		t.Errorf("LOCK_EX on another file = %v", err)
	}
	if err := vfs.Flock(fds.Get(uintptr(dup)), vfs.LockWrite); err != 0 {
		t.Errorf("LOCK_EX again through a dup = %v (the lock is the description's)", err)
	}
	fds.Close(afd)
	if err := vfs.Flock(b, vfs.LockRead); err != errno.EAGAIN {
		t.Errorf("after closing one of two descriptors: %v, want EAGAIN (the dup holds it)", err)
	}
	fds.Close(dup)
	if err := vfs.Flock(b, vfs.LockRead); err != 0 {
		t.Errorf("after the last close: LOCK_SH = %v, want 0", err)
	}
	c := openTmp(t, "/tmp/db", vfs.ReadOnly)
	if err := vfs.Flock(c, vfs.LockRead); err != 0 {
		t.Errorf("two LOCK_SH = %v", err)
	}
	if err := vfs.Flock(b, vfs.LockWrite); err != errno.EAGAIN {
		t.Errorf("upgrading beside another LOCK_SH = %v, want EAGAIN", err)
	}
	vfs.Flock(c, vfs.LockUnlock)
	if err := vfs.Flock(b, vfs.LockWrite); err != 0 {
		t.Errorf("upgrading alone = %v", err)
	}
	fds.Close(bfd)
	vfs.Put(c)
	vfs.Put(other)
}

// Record locks: the process's (POSIX) never conflict with each other and
// go when any descriptor of the file closes; OFD locks belong to the
// description and conflict with other descriptions and the process.
func TestRecordLocks(t *testing.T) {
	setUp(t, "/")
	vfs.ResetLocks()
	var fds vfs.FDTable
	a := openTmp(t, "/tmp/db", vfs.ReadWrite)
	b := openTmp(t, "/tmp/db", vfs.ReadWrite)
	afd, _ := fds.Install(a, 0, false)
	bfd, _ := fds.Install(b, 0, false)
	p := uintptr(vfs.ProcessOwner)
	if err := vfs.SetLock(a, p, vfs.LockWrite, 0, 100); err != 0 {
		t.Fatal(err)
	}
	if err := vfs.SetLock(b, p, vfs.LockWrite, 50, 150); err != 0 {
		t.Errorf("the process locks again through another descriptor: %v", err)
	}
	if l := vfs.GetLock(b, p, vfs.LockWrite, 0, vfs.OffsetMax); l.Type != vfs.LockUnlock {
		t.Errorf("F_GETLK for the process's own locks = %+v, want F_UNLCK", l)
	}
	oa, ob := vfs.OwnerOf(a), vfs.OwnerOf(b)
	if err := vfs.SetLock(b, ob, vfs.LockRead, 120, 130); err != errno.EAGAIN {
		t.Errorf("an OFD read lock over the process's write lock = %v, want EAGAIN", err)
	}
	if l := vfs.GetLock(b, ob, vfs.LockRead, 0, vfs.OffsetMax); l.Type != vfs.LockWrite || l.Owner != p || l.Start != 0 {
		t.Errorf("F_OFD_GETLK = %+v, want the process's write lock at 0", l)
	}
	// Unlocking the middle splits the process's lock in two.
	vfs.SetLock(a, p, vfs.LockUnlock, 20, 40)
	if err := vfs.SetLock(b, ob, vfs.LockWrite, 20, 40); err != 0 {
		t.Errorf("an OFD lock in the hole = %v", err)
	}
	if err := vfs.SetLock(a, oa, vfs.LockWrite, 30, 31); err != errno.EAGAIN {
		t.Errorf("two descriptions' OFD locks = %v, want EAGAIN", err)
	}
	if err := vfs.SetLock(a, oa, vfs.LockRead, 200, 300); err != 0 {
		t.Fatal(err)
	}
	// Closing any descriptor of the file drops the process's locks, not
	// the descriptions' own.
	fds.Close(afd)
	if l := vfs.GetLock(b, ob, vfs.LockWrite, 0, 20); l.Type != vfs.LockUnlock {
		t.Errorf("after close: the process's lock is still there: %+v", l)
	}
	if l := vfs.GetLock(b, ob, vfs.LockWrite, 200, 201); l.Type != vfs.LockUnlock {
		t.Errorf("after the last close of a: its OFD lock is still there: %+v", l)
	}
	if l := vfs.GetLock(b, p, vfs.LockWrite, 0, 100); l.Type != vfs.LockWrite || l.Start != 20 || l.End != 40 {
		t.Errorf("b's OFD lock seen by the process = %+v, want a write lock on [20, 40)", l)
	}
	fds.Close(bfd)
}

// Names that can only be directories, and "." and ".." as last elements,
// as Linux treats them.
func TestDirectoryNames(t *testing.T) {
	setUp(t, "/")
	vfs.Mkdir(nil, []byte("/tmp/d"), 0o755)
	f := openTmp(t, "/tmp/d/f", vfs.WriteOnly)
	vfs.Put(f)
	for _, p := range []string{"/tmp/d/f/", "/tmp/d/f/.", "a.txt/"} {
		if _, err := vfs.Open(nil, []byte(p), vfs.ReadOnly); err != errno.ENOTDIR {
			t.Errorf("open %q = %v, want ENOTDIR", p, err)
		}
	}
	if g, err := vfs.Open(nil, []byte("/tmp/d/."), vfs.ReadOnly); err != 0 {
		t.Errorf("open /tmp/d/. = %v", err)
	} else {
		vfs.Put(g)
	}
	if err := vfs.Unlink(nil, []byte("/tmp/d/."), true); err != errno.EINVAL {
		t.Errorf("rmdir /tmp/d/. = %v, want EINVAL", err)
	}
	if err := vfs.Rename(nil, []byte("/tmp/d/.."), nil, []byte("/tmp/x")); err != errno.EBUSY {
		t.Errorf("rename of .. = %v, want EBUSY", err)
	}
	if err := vfs.Rename(nil, []byte("/tmp/d/./"), nil, []byte("/tmp/x")); err != errno.EBUSY {
		t.Errorf("rename of ./ = %v, want EBUSY", err)
	}
	if err := vfs.Unlink(nil, []byte("/tmp/d/./"), true); err != errno.EINVAL {
		t.Errorf("rmdir /tmp/d/./ = %v, want EINVAL", err)
	}
	// O_CREAT|O_EXCL does not follow a final symbolic link, even a
	// dangling one; O_CREAT alone creates its target.
	vfs.Symlink([]byte("target"), nil, []byte("/tmp/dangling"))
	if _, err := vfs.Open(nil, []byte("/tmp/dangling"), vfs.Creat|vfs.Excl|vfs.WriteOnly); err != errno.EEXIST {
		t.Errorf("O_CREAT|O_EXCL on a dangling link = %v, want EEXIST", err)
	}
	g, err := vfs.Open(nil, []byte("/tmp/dangling"), vfs.Creat|vfs.WriteOnly)
	if err != 0 {
		t.Fatalf("O_CREAT through a dangling link = %v", err)
	}
	vfs.Put(g)
	var st vfs.Stat
	if err := vfs.StatPath(nil, []byte("/tmp/target"), false, &st); err != 0 || st.Mode&vfs.ModeType != vfs.ModeRegular {
		t.Errorf("the link's target after O_CREAT: %o, %v", st.Mode, err)
	}
}

// ".." after a symbolic link leaves the link's target, not the link: the
// walk replaces each link before it goes on, as Linux's does. A link whose
// target ends with a slash names only a directory.
func TestDotDotAfterSymlink(t *testing.T) {
	setUp(t, "/")
	for _, d := range []string{"/tmp/a", "/tmp/a/b", "/tmp/c"} {
		vfs.Mkdir(nil, []byte(d), 0o755)
	}
	f := openTmp(t, "/tmp/a/target", vfs.WriteOnly)
	f.Write([]byte("in a"))
	vfs.Put(f)
	g := openTmp(t, "/tmp/target", vfs.WriteOnly)
	g.Write([]byte("in tmp"))
	vfs.Put(g)
	vfs.Symlink([]byte("a/b"), nil, []byte("/tmp/c/link")) // /tmp/c/a/b: dangling
	vfs.Symlink([]byte("/tmp/a/b"), nil, []byte("/tmp/abs"))
	vfs.Symlink([]byte("target/"), nil, []byte("/tmp/slash"))
	for _, c := range []struct {
		path, want string
		err        errno.Errno
	}{
		{"/tmp/abs/../target", "in a", 0}, // .. of /tmp/a/b, not of /tmp
		{"/tmp/c/link/../x", "", errno.ENOENT},
		{"/tmp/slash", "", errno.ENOTDIR},
		{"/tmp/a/b/../../target", "in tmp", 0},
	} {
		got, err := readAll(t, c.path)
		if got != c.want || err != c.err {
			t.Errorf("read %q = %q, %v; want %q, %v", c.path, got, err, c.want, c.err)
		}
	}
}

// A new name goes to the mount that holds its parent directory: under
// /tmp a writable file system mounted below the tmpfs (mkimage exec's
// overlay when the package directory lies under /tmp) takes it, where the
// read-only archive would answer EROFS.
func TestNewNameBelowTmp(t *testing.T) {
	vfs.Unmount()
	var rootFS, tmp tmpfs.FS
	rootFS.Init(&kfstest.Pages{}, func() int64 { return 0 })
	tmp.Init(&kfstest.Pages{}, func() int64 { return 0 })
	vfs.Mount([]byte("/"), &rootFS, false)
	vfs.Mount([]byte("/tmp"), &tmp, true)
	if err := vfs.Mkdir(nil, []byte("/tmp/work"), 0o755); err != 0 {
		t.Fatal(err) // lands in the /tmp tmpfs
	}
	if _, err := rootFS.Create([]byte("tmp"), true); err != 0 {
		t.Fatal(err)
	}
	if _, err := rootFS.Create([]byte("tmp/pkg"), true); err != 0 {
		t.Fatal(err)
	}
	f, err := vfs.Open(nil, []byte("/tmp/pkg/new.txt"), vfs.Creat|vfs.WriteOnly)
	if err != 0 {
		t.Fatalf("create beside a directory of the mount below /tmp: %v", err)
	}
	vfs.Put(f)
	if _, err := rootFS.Lookup([]byte("tmp/pkg/new.txt")); err != 0 {
		t.Errorf("the new file is not in the file system that holds its directory: %v", err)
	}
}

// listDir returns the names path lists, in order.
func listDir(t *testing.T, path string) []string {
	t.Helper()
	f, err := vfs.Open(nil, []byte(path), vfs.ReadOnly|vfs.Directory)
	if err != 0 {
		t.Fatalf("open %s: %v", path, err)
	}
	defer vfs.Put(f)
	var names []string
	var e vfs.Dirent
	for pos := int64(0); ; pos = e.Next {
		ok, err := f.ReadDir(pos, &e)
		if err != 0 {
			t.Fatalf("readdir %s: %v", path, err)
		}
		if !ok {
			return names
		}
		names = append(names, string(e.Name))
	}
}

// A directory above the mounts lists every mount's next element once;
// /dev lists its devices.
func TestListMountsAndDev(t *testing.T) {
	setUp(t, "/work/pkg")
	vfs.Mount([]byte("/work/other"), &tmpFS, true)
	if got, want := fmt.Sprint(listDir(t, "/")), "[work tmp dev]"; got != want {
		t.Errorf("/ lists %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(listDir(t, "/work")), "[pkg other]"; got != want {
		t.Errorf("/work lists %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(listDir(t, "/dev")), "[null zero full random urandom]"; got != want {
		t.Errorf("/dev lists %s, want %s", got, want)
	}
	if _, err := vfs.Open(nil, []byte("/dev"), vfs.WriteOnly); err != errno.EISDIR {
		t.Errorf("open /dev for writing: %v, want EISDIR", err)
	}
}

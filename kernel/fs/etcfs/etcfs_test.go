package etcfs

import (
	"sort"
	"strings"
	"testing"

	"github.com/gobare/gobare/internal/kfstest"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/cpiofs"
	"github.com/gobare/gobare/kernel/vfs"
	"github.com/u-root/u-root/pkg/cpio"
)

func read(t *testing.T, fs *FS, rel string) (string, errno.Errno) {
	t.Helper()
	n, err := fs.Lookup([]byte(rel))
	if err != 0 {
		return "", err
	}
	f, err := fs.Open(n, vfs.ReadOnly)
	if err != 0 {
		return "", err
	}
	defer vfs.Put(f)
	buf := make([]byte, 4096)
	k, err := f.Read(buf)
	return string(buf[:k]), err
}

func list(t *testing.T, fs *FS, rel string) []string {
	t.Helper()
	n, err := fs.Lookup([]byte(rel))
	if err != 0 {
		t.Fatalf("Lookup(%q) = %v", rel, err)
	}
	f, err := fs.Open(n, vfs.ReadOnly)
	if err != 0 {
		t.Fatalf("Open(%q) = %v", rel, err)
	}
	defer vfs.Put(f)
	var names []string
	var d vfs.Dirent
	for pos := int64(0); ; pos = d.Next {
		ok, err := f.ReadDir(pos, &d)
		if err != 0 {
			t.Fatal(err)
		}
		if !ok {
			return names
		}
		names = append(names, string(d.Name))
	}
}

func TestEtcAlone(t *testing.T) {
	fs := &FS{Files: Etc}
	got, err := read(t, fs, "passwd")
	if err != 0 || !strings.HasPrefix(got, "root:x:0:0:root:/:") {
		t.Errorf("passwd = %q, %v", got, err)
	}
	if got, _ := read(t, fs, "hostname"); got != "gobare\n" {
		t.Errorf("hostname = %q", got)
	}
	if _, err := read(t, fs, "localtime"); err != errno.ENOENT {
		t.Errorf("localtime without an archive: %v, want ENOENT", err)
	}
	names := list(t, fs, "")
	if strings.Join(names, " ") != "passwd group hostname hosts nsswitch.conf shells" {
		t.Errorf("/etc lists %v", names)
	}
	n, _ := fs.Lookup([]byte("passwd"))
	if _, err := fs.Open(n, vfs.WriteOnly); err != errno.EROFS {
		t.Errorf("opening passwd for writing: %v, want EROFS", err)
	}
	if _, err := fs.Create([]byte("new"), false); err != errno.EROFS {
		t.Errorf("Create: %v, want EROFS", err)
	}
}

// TestEtcWithArchive: the archive's names show beside the kernel's, its
// own passwd hidden by the kernel's, its links and directories intact.
func TestEtcWithArchive(t *testing.T) {
	a := kfstest.Archive(
		cpio.Directory(".", 0o755),
		cpio.Symlink("localtime", "zoneinfo/Europe/Berlin"),
		cpio.StaticFile("passwd", "archive's passwd\n", 0o644),
		cpio.Directory("zoneinfo", 0o755),
		cpio.Directory("zoneinfo/Europe", 0o755),
		cpio.StaticFile("zoneinfo/Europe/Berlin", "TZif2 Berlin", 0o444),
	)
	if err := cpiofs.Check(a); err != cpiofs.ErrNone {
		t.Fatal(err)
	}
	fs := &FS{Files: Etc, Below: &cpiofs.FS{Archive: a}}
	if got, _ := read(t, fs, "passwd"); !strings.HasPrefix(got, "root:") {
		t.Errorf("passwd = %q: the kernel's should hide the archive's", got)
	}
	n, err := fs.Lookup([]byte("localtime"))
	if err != 0 || !n.IsSymlink() || string(n.Link) != "zoneinfo/Europe/Berlin" {
		t.Errorf("localtime = %+v, %v", n, err)
	}
	if got, err := read(t, fs, "zoneinfo/Europe/Berlin"); got != "TZif2 Berlin" {
		t.Errorf("zoneinfo/Europe/Berlin = %q, %v", got, err)
	}
	var st vfs.Stat
	n, _ = fs.Lookup([]byte("zoneinfo/Europe/Berlin"))
	if fs.Stat(n, &st); st.Size != int64(len("TZif2 Berlin")) {
		t.Errorf("Stat of an archive file: %+v", st)
	}
	if got := list(t, fs, "zoneinfo/Europe"); strings.Join(got, " ") != "Berlin" {
		t.Errorf("zoneinfo/Europe lists %v", got)
	}
	names := list(t, fs, "")
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	if strings.Join(sorted, " ") != "group hostname hosts localtime nsswitch.conf passwd shells zoneinfo" {
		t.Errorf("/etc lists %v (passwd once, the archive's after the kernel's)", names)
	}
}

func TestSys(t *testing.T) {
	fs := &FS{Files: Sys}
	if got, _ := read(t, fs, "devices/system/cpu/online"); got != "0\n" {
		t.Errorf("online = %q", got)
	}
	for n, want := range map[int]string{4: "0-3\n", 11: "0-10\n", 255: "0-254\n", 1: "0\n"} {
		SetCPUs(n)
		for _, name := range []string{"online", "possible", "present"} {
			if got, _ := read(t, fs, "devices/system/cpu/"+name); got != want {
				t.Errorf("SetCPUs(%d): %s = %q, want %q", n, name, got, want)
			}
		}
	}
	if got := list(t, fs, "devices/system/cpu"); strings.Join(got, " ") != "online possible present" {
		t.Errorf("cpu/ lists %v", got)
	}
	if got := list(t, fs, ""); strings.Join(got, " ") != "devices" {
		t.Errorf("/sys lists %v", got)
	}
	if _, err := read(t, fs, "devices"); err != errno.EISDIR {
		t.Errorf("reading a directory: %v, want EISDIR", err)
	}
	if _, err := fs.Lookup([]byte("kernel/mm/transparent_hugepage/hpage_pmd_size")); err != errno.ENOENT {
		t.Errorf("hpage_pmd_size: %v, want ENOENT", err)
	}
}

// The kernel's pools of open files take their pages from Go memory
// the GC scans.
func init() { vfs.UsePages(&kfstest.Pages{Pointers: true}) }

// TestResolvConf follows /etc/resolv.conf through a network service's
// life: absent without one, awaited (reads wait: EAGAIN) until it
// reports, then naming its servers with the time it did.
func TestResolvConf(t *testing.T) {
	fs := &FS{Files: Etc}
	defer SetNameServers(nil, 0)
	if _, err := read(t, fs, "resolv.conf"); err != errno.ENOENT {
		t.Fatalf("resolv.conf without a service: %v, want ENOENT", err)
	}
	AwaitNameServers()
	if got, err := read(t, fs, "resolv.conf"); err != errno.EAGAIN || got != "" {
		t.Fatalf("resolv.conf awaited: %q, %v; want EAGAIN", got, err)
	}
	if names := list(t, fs, ""); !strings.Contains(strings.Join(names, " "), "resolv.conf") {
		t.Errorf("/etc lists %v while resolv.conf is awaited", names)
	}
	SetNameServers([]byte{10, 0, 2, 3, 192, 168, 100, 1, 1, 1, 1, 1, 9, 9, 9, 9}, 1700000000)
	got, err := read(t, fs, "resolv.conf")
	if want := "nameserver 10.0.2.3\nnameserver 192.168.100.1\nnameserver 1.1.1.1\n"; err != 0 || got != want {
		t.Errorf("resolv.conf = %q, %v; want %q", got, err, want)
	}
	n, _ := fs.Lookup([]byte("resolv.conf"))
	var st vfs.Stat
	if fs.Stat(n, &st); st.Mtime != 1700000000 || st.Size != int64(len(got)) {
		t.Errorf("resolv.conf's stat: mtime %d, size %d", st.Mtime, st.Size)
	}
	SetNameServers(nil, 1700000001)
	if _, err := read(t, fs, "resolv.conf"); err != errno.ENOENT {
		t.Errorf("resolv.conf without servers: %v, want ENOENT", err)
	}
}

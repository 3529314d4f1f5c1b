package procfs

import (
	"io"
	"strings"
	"testing"

	"github.com/gobare/gobare/internal/kfstest"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
	"github.com/gobare/gobare/kernel/vm"
)

// dummyFile is an open file for the descriptor table.
type dummyFile struct {
	vfs.Base
	mode uint32
}

func (d *dummyFile) Stat(st *vfs.Stat) errno.Errno {
	*st = vfs.Stat{Ino: 7, Mode: d.mode}
	return 0
}

// newTestFS is /proc over a made-up process: argv "prog a b", two
// variables, descriptors 0 and 4, three regions of which one is the stack.
func newTestFS(t *testing.T, regions int) (*FS, *kfstest.Pages) {
	t.Helper()
	src := &Source{
		Args:       []byte("/bin/prog\x00a\x00b\x00"),
		Env:        []byte("HOME=/\x00TERM=linux\x00"),
		Name:       []byte("prog"),
		Exe:        []byte("/bin/prog"),
		ELF:        []byte("\x7fELF and the rest"),
		FDs:        new(vfs.FDTable),
		Resident:   func() int { return 3 },
		Threads:    func() int { return 5 },
		Uptime:     func() int64 { return 12_345_000_000 },
		KernelTime: func(cpu int) int64 { return map[int]int64{-1: 2_000_000_000, 0: 1_500_000_000, 1: 500_000_000}[cpu] },
		CPUs:       func() int { return 2 },
		BootTime:   func() int64 { return 1_700_000_000 },
		Memory:     func() (uint64, uint64) { return 128 << 20, 100 << 20 },
		CPUInfo:    func(t *Text) { t.Str("vendor_id\t: Test\n") },
	}
	rs := []vm.Region{
		{Start: 0x400000, End: 0x401000, Prot: vm.ProtRead | vm.ProtExec},
		{Start: 0xc000000000, End: 0xc000400000, Prot: vm.ProtRead | vm.ProtWrite},
	}
	for i := 2; i < regions; i++ {
		rs = append(rs, vm.Region{Start: uintptr(0x10000000 + i*0x2000), End: uintptr(0x10001000 + i*0x2000)})
	}
	rs = append(rs, vm.Region{Start: vm.StackTop - 0x2000, End: vm.StackTop, Prot: vm.ProtRead | vm.ProtWrite})
	src.Regions = func() []vm.Region { return rs }
	src.FDs.Install(&dummyFile{mode: vfs.ModeCharDev | 0o620}, 0, false)
	src.FDs.Install(&dummyFile{mode: vfs.ModeFIFO | 0o600}, 4, false)
	pages := &kfstest.Pages{Limit: 1000}
	return &FS{Src: src, Pages: pages}, pages
}

// readAll opens rel and reads it in small pieces.
func readAll(t *testing.T, fs *FS, rel string) string {
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
	var b strings.Builder
	buf := make([]byte, 7)
	for {
		k, err := f.Read(buf)
		if err != 0 {
			t.Fatalf("Read(%q) = %v", rel, err)
		}
		if k == 0 {
			return b.String()
		}
		b.Write(buf[:k])
	}
}

func TestProcessFiles(t *testing.T) {
	fs, pages := newTestFS(t, 2)
	if got := readAll(t, fs, "1/cmdline"); got != "/bin/prog\x00a\x00b\x00" {
		t.Errorf("cmdline = %q", got)
	}
	if got := readAll(t, fs, "1/environ"); got != "HOME=/\x00TERM=linux\x00" {
		t.Errorf("environ = %q", got)
	}
	status := readAll(t, fs, "1/status")
	for _, want := range []string{"Name:\tprog\n", "State:\tR (running)\n", "Pid:\t1\n", "PPid:\t0\n",
		"Uid:\t0\t0\t0\t0\n", "Threads:\t5\n", "VmRSS:\t      12 kB\n", "VmSize:\t    4108 kB\n"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
	maps := readAll(t, fs, "1/maps")
	want := "00400000-00401000 r-xp 00000000 00:00 0\n" +
		"c000000000-c000400000 rw-p 00000000 00:00 0\n" +
		"7fffffffd000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n"
	if maps != want {
		t.Errorf("maps =\n%s\nwant\n%s", maps, want)
	}
	if got := readAll(t, fs, "uptime"); got != "12.34 0.00\n" {
		t.Errorf("uptime = %q", got)
	}
	// Two CPUs: 24.69 s of CPU time, 2 s of it in the kernel; each CPU
	// 12.345 s, 1.5 and 0.5 s of it in the kernel.
	stat := readAll(t, fs, "stat")
	if !strings.HasPrefix(stat, "cpu  2269 0 200 0 0 0 0 0 0 0\ncpu0 1084 0 150 0 0 0 0 0 0 0\ncpu1 1184 0 50 0 0 0 0 0 0 0\n") ||
		!strings.Contains(stat, "\nbtime 1700000000\n") {
		t.Errorf("stat =\n%s", stat)
	}
	meminfo := readAll(t, fs, "meminfo")
	if !strings.HasPrefix(meminfo, "MemTotal:         131072 kB\nMemFree:          102400 kB\n") {
		t.Errorf("meminfo =\n%s", meminfo)
	}
	if got := readAll(t, fs, "cpuinfo"); got != "processor\t: 0\nvendor_id\t: Test\n\nprocessor\t: 1\nvendor_id\t: Test\n\n" {
		t.Errorf("cpuinfo = %q", got)
	}
	if pages.InUse != 0 {
		t.Errorf("%d pages held after every file closed", pages.InUse)
	}
}

// TestSnapshot: a generated file keeps what it said at open, and a long
// one spans pages.
func TestSnapshot(t *testing.T) {
	fs, pages := newTestFS(t, 300)
	n, _ := fs.Lookup([]byte("1/maps"))
	f, err := fs.Open(n, vfs.ReadOnly)
	if err != 0 {
		t.Fatal(err)
	}
	size, _ := f.Size()
	if size <= PageSize || pages.InUse < 2 {
		t.Fatalf("maps of 300 regions: %d bytes in %d pages", size, pages.InUse)
	}
	all := make([]byte, size+10)
	k, _ := f.ReadAt(all, 0)
	if int64(k) != size || strings.Count(string(all[:k]), "\n") != 301 {
		t.Errorf("ReadAt read %d of %d bytes, %d lines", k, size, strings.Count(string(all[:k]), "\n"))
	}
	// Across a page boundary, in pieces, equals the whole.
	piece := make([]byte, 100)
	k, _ = f.ReadAt(piece, PageSize-50)
	if string(piece[:k]) != string(all[PageSize-50:PageSize+50]) {
		t.Error("ReadAt across a page boundary differs from the whole")
	}
	fs.Src.Threads = func() int { return 99 }
	vfs.Put(f)
	if pages.InUse != 0 {
		t.Errorf("%d pages held after close", pages.InUse)
	}
	// Out of pages: the text is cut, not corrupt.
	pages.Limit = 1
	n, _ = fs.Lookup([]byte("1/maps"))
	f, _ = fs.Open(n, vfs.ReadOnly)
	size, _ = f.Size()
	if size != PageSize {
		t.Errorf("with one page, maps is %d bytes", size)
	}
	vfs.Put(f)
}

func TestLinksAndDirectories(t *testing.T) {
	fs, _ := newTestFS(t, 2)
	n, err := fs.Lookup([]byte("self"))
	if err != 0 || !n.IsSymlink() || string(n.Link) != "1" {
		t.Errorf("self = %+v, %v", n, err)
	}
	n, err = fs.Lookup([]byte("1/exe"))
	if err != 0 || !n.IsSymlink() || string(n.Link) != "/bin/prog" {
		t.Errorf("exe = %+v, %v", n, err)
	}
	vfs.SetCwd([]byte("/work/dir"))
	n, err = fs.Lookup([]byte("1/cwd"))
	if err != 0 || !n.IsSymlink() || string(n.Link) != "/work/dir" {
		t.Errorf("cwd = %+v, %v", n, err)
	}
	n, err = fs.Lookup([]byte("1/fd/4"))
	if err != 0 || string(n.Link) != "pipe:[7]" {
		t.Errorf("fd/4 = %q, %v", n.Link, err)
	}
	for _, rel := range []string{"1/fd/1", "1/fd/64", "1/fd/04", "1/fd/x", "nothing", "1/nothing"} {
		if _, err := fs.Lookup([]byte(rel)); err != errno.ENOENT {
			t.Errorf("Lookup(%q) = %v, want ENOENT", rel, err)
		}
	}
	if got := list(t, fs, "1/fd"); got != "0 4" {
		t.Errorf("fd/ lists %q", got)
	}
	if got := list(t, fs, ""); got != "self 1 cpuinfo meminfo stat uptime loadavg version" {
		t.Errorf("/proc lists %q", got)
	}
	if got := list(t, fs, "1"); got != "cmdline environ status stat maps exe cwd root fd" {
		t.Errorf("/proc/1 lists %q", got)
	}
	n, _ = fs.Lookup([]byte("1/status"))
	if _, err := fs.Open(n, vfs.WriteOnly); err != errno.EACCES {
		t.Errorf("opening status for writing: %v, want EACCES", err)
	}
}

// list returns the names a directory lists, space-separated.
func list(t *testing.T, fs *FS, rel string) string {
	t.Helper()
	n, err := fs.Lookup([]byte(rel))
	if err != 0 {
		t.Fatal(err)
	}
	f, err := fs.Open(n, vfs.ReadOnly|vfs.Directory)
	if err != 0 {
		t.Fatal(err)
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
			return strings.Join(names, " ")
		}
		names = append(names, string(d.Name))
	}
}

func TestBin(t *testing.T) {
	fs, _ := newTestFS(t, 2)
	bin := &Bin{Src: fs.Src}
	n, err := bin.Lookup([]byte("prog"))
	if err != 0 || n.IsDir() {
		t.Fatalf("Lookup(prog) = %+v, %v", n, err)
	}
	if _, err := bin.Open(n, vfs.ReadWrite); err != errno.EROFS {
		t.Errorf("opening the program for writing: %v, want EROFS", err)
	}
	f, err := bin.Open(n, vfs.ReadOnly)
	if err != 0 {
		t.Fatal(err)
	}
	defer vfs.Put(f)
	b, _ := io.ReadAll(readerOf{f})
	if string(b) != string(fs.Src.ELF) {
		t.Errorf("read %q, want the ELF bytes", b)
	}
	var st vfs.Stat
	if bin.Stat(n, &st); st.Size != int64(len(fs.Src.ELF)) || st.Mode&vfs.ModeType != vfs.ModeRegular {
		t.Errorf("Stat = %+v", st)
	}
	if _, err := bin.Lookup([]byte("other")); err != errno.ENOENT {
		t.Errorf("Lookup(other) = %v", err)
	}
}

// readerOf reads a vfs.File as an io.Reader.
type readerOf struct{ f vfs.File }

func (r readerOf) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	if err != 0 {
		return n, io.ErrUnexpectedEOF
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func TestTextNumbers(t *testing.T) {
	pages := &kfstest.Pages{Limit: 4}
	tx := Text{pages: pages}
	tx.Dec(0)
	tx.Byte(' ')
	tx.Dec(18446744073709551615)
	tx.Byte(' ')
	tx.Hex(0x400000, 8)
	tx.Byte(' ')
	tx.Hex(0x7fffffffe000, 8)
	tx.Byte(' ')
	tx.Hex(0, 1)
	tx.Byte(' ')
	tx.Fixed(5)
	buf := make([]byte, 200)
	got := string(buf[:tx.ReadAt(buf, 0)])
	if want := "0 18446744073709551615 00400000 7fffffffe000 0 0.05"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	tx.Free()
}

// The kernel's pools of open files take their pages from Go memory
// the GC scans.
func init() { vfs.UsePages(&kfstest.Pages{Pointers: true}) }

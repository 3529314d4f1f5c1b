package devfs

import (
	"bytes"
	"github.com/gobare/gobare/internal/kfstest"
	"testing"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

func openDev(t *testing.T, name string, flags uint32) vfs.File {
	t.Helper()
	var fs FS
	n, err := fs.Lookup([]byte(name))
	if err != 0 {
		t.Fatalf("Lookup(%q) = %v", name, err)
	}
	f, err := fs.Open(n, flags)
	if err != 0 {
		t.Fatalf("Open(%q) = %v", name, err)
	}
	t.Cleanup(func() { vfs.Put(f) })
	return f
}

func TestMemoryDevices(t *testing.T) {
	b := bytes.Repeat([]byte{7}, 100)
	if n, err := openDev(t, "null", vfs.ReadWrite).Read(b); n != 0 || err != 0 {
		t.Errorf("null: read %d, %v; want end of file", n, err)
	}
	for _, name := range []string{"zero", "full"} {
		f := openDev(t, name, vfs.ReadWrite)
		b := bytes.Repeat([]byte{7}, 100)
		if n, err := f.Read(b); n != 100 || err != 0 || !bytes.Equal(b, make([]byte, 100)) {
			t.Errorf("%s: read %d, %v, %v; want 100 zeros", name, n, err, b[:4])
		}
	}
	if n, err := openDev(t, "zero", vfs.ReadWrite).Write(b); n != 100 || err != 0 {
		t.Errorf("zero: write %d, %v", n, err)
	}
	if n, err := openDev(t, "full", vfs.ReadWrite).Write(b); n != 0 || err != errno.ENOSPC {
		t.Errorf("full: write %d, %v; want ENOSPC", n, err)
	}
	for _, name := range []string{"random", "urandom"} {
		f := openDev(t, name, vfs.ReadOnly)
		a, c := make([]byte, 64), make([]byte, 64)
		if n, err := f.Read(a); n != 64 || err != 0 {
			t.Errorf("%s: read %d, %v", name, n, err)
		}
		f.ReadAt(c, 0)
		if bytes.Equal(a, c) || bytes.Equal(a, make([]byte, 64)) {
			t.Errorf("%s: two reads gave %x and %x", name, a, c)
		}
		var st vfs.Stat
		if f.Stat(&st); st.Mode != vfs.ModeCharFile {
			t.Errorf("%s: mode %o", name, st.Mode)
		}
	}
}

// The kernel's pools of open files take their pages from Go memory
// the GC scans.
func init() { vfs.UsePages(&kfstest.Pages{Pointers: true}) }

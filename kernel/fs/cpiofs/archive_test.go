package cpiofs

import (
	"bytes"
	"fmt"
	"github.com/gobare/gobare/internal/kfstest"
	"github.com/gobare/gobare/kernel/vfs"
	"strings"
	"testing"
)

// newc builds an archive of name/mode/data triples, with the trailer.
func newc(entries ...struct {
	name string
	mode uint32
	data string
}) []byte {
	var b bytes.Buffer
	pad := func() {
		for b.Len()%4 != 0 {
			b.WriteByte(0)
		}
	}
	add := func(ino int, name string, mode uint32, data string) {
		fmt.Fprintf(&b, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
			ino, mode, 0, 0, 1, 1700000000, len(data), 0, 0, 0, 0, len(name)+1, 0)
		b.WriteString(name)
		b.WriteByte(0)
		pad()
		b.WriteString(data)
		pad()
	}
	for i, e := range entries {
		add(i+1, e.name, e.mode, e.data)
	}
	add(0, trailer, 0, "")
	return b.Bytes()
}

type ent = struct {
	name string
	mode uint32
	data string
}

var sample = newc(
	ent{".", ModeDir | 0o755, ""},
	ent{"a.txt", ModeRegular | 0o644, "hello"},
	ent{"sub", ModeDir | 0o755, ""},
	ent{"sub/b.txt", ModeRegular | 0o644, "nested file"},
	ent{"sub/deeper", ModeDir | 0o755, ""},
	ent{"link", ModeSymlink | 0o777, "a.txt"},
)

func TestLookup(t *testing.T) {
	if err := Check(sample); err != ErrNone {
		t.Fatalf("Check = %v", err)
	}
	for _, tc := range []struct {
		name, data string
		dir        bool
	}{{"", "", true}, {"a.txt", "hello", false}, {"sub", "", true}, {"sub/b.txt", "nested file", false}, {"link", "a.txt", false}} {
		e, ok := Lookup(sample, []byte(tc.name))
		if !ok || string(e.Data) != tc.data || e.IsDir() != tc.dir {
			t.Errorf("Lookup(%q) = %q dir=%v ok=%v", tc.name, e.Data, e.IsDir(), ok)
		}
	}
	if _, ok := Lookup(sample, []byte("missing")); ok {
		t.Error("Lookup(missing) found something")
	}
}

func TestNextChild(t *testing.T) {
	var names []string
	for off := 0; ; {
		e, next, ok := NextChild(sample, []byte("sub"), off)
		if !ok {
			break
		}
		names = append(names, string(vfs.RelBase(e.Name)))
		off = next
	}
	if got := strings.Join(names, ","); got != "b.txt,deeper" {
		t.Errorf("children of sub = %s", got)
	}
	names = nil
	for off := 0; ; {
		e, next, ok := NextChild(sample, nil, off)
		if !ok {
			break
		}
		names = append(names, string(vfs.RelBase(e.Name)))
		off = next
	}
	if got := strings.Join(names, ","); got != "a.txt,sub,link" {
		t.Errorf("children of the root = %s", got)
	}
}

func TestBadArchives(t *testing.T) {
	for name, a := range map[string][]byte{
		"empty":      nil,
		"magic":      []byte(strings.Repeat("x", 200)),
		"truncated":  sample[:len(sample)/2],
		"no trailer": newc(ent{"a", ModeRegular, "x"})[:124],
	} {
		if err := Check(a); err == ErrNone {
			t.Errorf("%s: Check accepted a bad archive", name)
		}
	}
	bad := bytes.Clone(sample)
	bad[10] = 'z' // not hexadecimal
	if err := Check(bad); err != ErrHex {
		t.Errorf("bad hex: Check = %v", err)
	}
}

// FuzzArchive checks that no archive makes the parser panic or return
// slices outside the archive (the kernel runs it without bounds checks).
func FuzzArchive(f *testing.F) {
	f.Add(sample)
	f.Add(sample[:150])
	f.Fuzz(func(t *testing.T, a []byte) {
		Check(a)
		for off, n := 0, 0; n < 1000; n++ {
			e, next, done, err := Next(a, off)
			if err != ErrNone || done {
				break
			}
			if len(e.Data) > len(a) || next <= off {
				t.Fatalf("entry at %d: data %d bytes, next %d", off, len(e.Data), next)
			}
			off = next
		}
		Lookup(a, []byte("a.txt"))
		NextChild(a, []byte("sub"), 0)
	})
}

// The kernel's pools of open files take their pages from Go memory
// the GC scans.
func init() { vfs.UsePages(&kfstest.Pages{Pointers: true}) }

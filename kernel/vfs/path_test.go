package vfs

import (
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	var buf [MaxPath]byte
	for _, tc := range []struct{ dir, path, want string }{
		{"/", "a/b", "/a/b"}, {"/x/y", "../z", "/x/z"}, {"/x", "/abs//p/./q/", "/abs/p/q"},
		{"/x", "../../..", "/"}, {"/", ".", "/"}, {"/a", "", "/a"}, {"/a/b", "./c/../d", "/a/b/d"},
	} {
		got, ok := Clean(buf[:], []byte(tc.dir), []byte(tc.path))
		if !ok || string(got) != tc.want {
			t.Errorf("Clean(%q, %q) = %q, %v; want %q", tc.dir, tc.path, got, ok, tc.want)
		}
	}
	if _, ok := Clean(make([]byte, 4), []byte("/"), []byte("toolong")); ok {
		t.Error("Clean into a small buffer succeeded")
	}
}

func TestRelative(t *testing.T) {
	for _, tc := range []struct {
		abs, mount, rel string
		inside, above   bool
	}{
		{"/work/pkg/a", "/work/pkg", "a", true, false}, {"/work/pkg", "/work/pkg", "", true, false},
		{"/work", "/work/pkg", "", false, true}, {"/", "/work/pkg", "", false, true},
		{"/workx", "/work", "", false, false}, {"/etc/passwd", "/", "etc/passwd", true, false},
	} {
		rel, inside, above := Relative([]byte(tc.abs), []byte(tc.mount))
		if string(rel) != tc.rel || inside != tc.inside || above != tc.above {
			t.Errorf("Relative(%q, %q) = %q %v %v", tc.abs, tc.mount, rel, inside, above)
		}
	}
}

// FuzzClean checks that cleaned paths are absolute and have no "." or ".."
// elements.
func FuzzClean(f *testing.F) {
	f.Add("/a/b", "../c/./d//e")
	f.Fuzz(func(t *testing.T, dir, path string) {
		var dbuf, buf [MaxPath]byte
		d, ok := Clean(dbuf[:], []byte("/"), []byte(dir))
		if !ok {
			return
		}
		p, ok := Clean(buf[:], d, []byte(path))
		if !ok {
			return
		}
		s := string(p)
		if s[0] != '/' || strings.Contains(s, "//") || strings.Contains(s+"/", "/./") || strings.Contains(s+"/", "/../") {
			t.Fatalf("Clean(%q, %q) = %q", d, path, s)
		}
	})
}

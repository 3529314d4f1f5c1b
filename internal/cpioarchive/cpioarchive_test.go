package cpioarchive

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestPackLayout(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.txt":            "hello",
		"testdata/b.txt":   "four",
		"testdata/c/d.txt": "",
		"z.go":             "package z\n",
	})
	if err := os.Symlink("a.txt", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(dir, "a.txt"), filepath.Join(dir, "hard")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "z.go"), 0o755); err != nil {
		t.Fatal(err)
	}
	a, err := Pack(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a)%4 != 0 {
		t.Errorf("archive size %d is not a multiple of 4", len(a))
	}
	entries, err := List(a)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]Entry{}
	inos := map[uint64]bool{}
	for _, e := range entries {
		names = append(names, e.Name)
		byName[e.Name] = e
		if inos[e.Ino] {
			t.Errorf("inode %d used twice", e.Ino)
		}
		inos[e.Ino] = true
	}
	want := ". a.txt hard link testdata testdata/b.txt testdata/c testdata/c/d.txt z.go"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("names:\n got %s\nwant %s", got, want)
	}
	check := func(name string, mode uint64, data string) {
		t.Helper()
		e, ok := byName[name]
		if !ok {
			t.Errorf("%s missing", name)
			return
		}
		if e.Mode != mode {
			t.Errorf("%s: mode %#o, want %#o", name, e.Mode, mode)
		}
		if string(e.Data) != data {
			t.Errorf("%s: data %q, want %q", name, e.Data, data)
		}
	}
	check(".", 0o040000|dirPerm(t, dir), "")
	check("a.txt", 0o100644, "hello")
	check("hard", 0o100644, "hello") // a hard link is a full copy
	check("link", 0o120777, "a.txt")
	check("testdata/b.txt", 0o100644, "four")
	check("testdata/c/d.txt", 0o100644, "")
	check("z.go", 0o100755, "package z\n")
	if e := byName["."]; e.Ino != 1 {
		t.Errorf("root inode %d, want 1", e.Ino)
	}
}

func dirPerm(t *testing.T, dir string) uint64 {
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(st.Mode().Perm())
}

func TestPackLimit(t *testing.T) {
	dir := writeTree(t, map[string]string{"big": strings.Repeat("x", 10000)})
	_, err := Pack(dir, Options{Limit: 4096})
	var tl *TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("Pack with a small limit: %v, want a TooLargeError", err)
	}
	if !strings.Contains(err.Error(), "limited to") {
		t.Errorf("message %q", err)
	}
	if _, err := Pack(dir, Options{Limit: 20000}); err != nil {
		t.Errorf("Pack under the limit: %v", err)
	}
}

func TestPackSkip(t *testing.T) {
	dir := writeTree(t, map[string]string{"keep": "1", ".git/HEAD": "x", "sub/.git/y": "z"})
	a, err := Pack(dir, Options{Skip: func(rel string, d fs.DirEntry) bool { return d.Name() == ".git" }})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := List(a)
	for _, e := range entries {
		if strings.Contains(e.Name, ".git") {
			t.Errorf("%s was not skipped", e.Name)
		}
	}
	if len(entries) != 3 { // . keep sub
		t.Errorf("%d entries, want 3", len(entries))
	}
}

func TestPackErrors(t *testing.T) {
	if _, err := Pack(filepath.Join(t.TempDir(), "missing"), Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := Pack(f, Options{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file: %v", err)
	}
}

func TestCheckMount(t *testing.T) {
	for m, ok := range map[string]bool{
		"/": true, "/work/x": true, "": false, "work": false, "/a/../b": false, "/a/": false, "/a b": false,
	} {
		if err := CheckMount(m); (err == nil) != ok {
			t.Errorf("CheckMount(%q) = %v", m, err)
		}
	}
}

func TestBuilderPlaces(t *testing.T) {
	dir := writeTree(t, map[string]string{"pkg/a.go": "a", "pkg/testdata/t.txt": "t", "extra/e.txt": "e"})
	b := NewBuilder(Options{})
	if err := b.AddTree(filepath.Join(dir, "pkg"), "/src/mod/pkg"); err != nil {
		t.Fatal(err)
	}
	if err := b.AddFile(filepath.Join(dir, "extra", "e.txt"), "tmp/bin/e.txt"); err != nil {
		t.Fatal(err)
	}
	if err := b.AddFile(filepath.Join(dir, "extra", "e.txt"), "tmp/bin/e.txt"); err != nil { // twice: kept once
		t.Fatal(err)
	}
	a, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := List(a)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
		if e.Name == "src" && e.Mode != 0o040755 {
			t.Errorf("made-up directory %s: mode %#o", e.Name, e.Mode)
		}
	}
	want := ". src src/mod src/mod/pkg src/mod/pkg/a.go src/mod/pkg/testdata src/mod/pkg/testdata/t.txt tmp tmp/bin tmp/bin/e.txt"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("names:\n got %s\nwant %s", got, want)
	}
}

package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// These tests run inside gobare under `go test -exec "mkimage exec"`,
// which serves this directory at its own path: writable in the guest's
// RAM, or read-only with GOBARE_FILES_RO=1. They also pass on the host
// (except the guest-only checks, which are skipped there).

func TestReadFile(t *testing.T) {
	b, err := os.ReadFile("testdata/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "hello from testdata\n" {
		t.Errorf("hello.txt = %q", b)
	}
	b, err = os.ReadFile(filepath.Join("testdata", "sub", "lines.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "second line\nthird line\n" {
		t.Errorf("lines.txt = %q", b)
	}
}

func TestGetwd(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if pwd := os.Getenv("PWD"); pwd != "" && pwd != wd {
		t.Errorf("Getwd = %q, PWD = %q", wd, pwd)
	}
	if filepath.Base(wd) != "readfiles" {
		t.Errorf("Getwd = %q, want the package directory", wd)
	}
	if _, err := os.Stat(filepath.Join(wd, "testdata", "hello.txt")); err != nil {
		t.Errorf("stat by absolute path: %v", err)
	}
}

func TestStat(t *testing.T) {
	st, err := os.Stat("testdata/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != 20 || !st.Mode().IsRegular() || st.Name() != "hello.txt" {
		t.Errorf("stat hello.txt: size %d mode %v name %q", st.Size(), st.Mode(), st.Name())
	}
	st, err = os.Stat("testdata/sub")
	if err != nil {
		t.Fatal(err)
	}
	if !st.IsDir() {
		t.Errorf("testdata/sub: mode %v, want a directory", st.Mode())
	}
	if _, err := os.Stat("testdata/missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stat of a missing file: %v, want ErrNotExist", err)
	}
	f, err := os.Open("testdata/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fst, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fst.Size() != 20 {
		t.Errorf("fstat size %d", fst.Size())
	}
}

func TestSeekAndReadAt(t *testing.T) {
	f, err := os.Open("testdata/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if off, err := f.Seek(6, io.SeekStart); err != nil || off != 6 {
		t.Fatalf("Seek = %d, %v", off, err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(f, buf); err != nil || string(buf) != "from" {
		t.Errorf("read after seek: %q, %v", buf, err)
	}
	if off, err := f.Seek(-5, io.SeekEnd); err != nil || off != 15 {
		t.Errorf("Seek from the end = %d, %v", off, err)
	}
	if n, err := f.ReadAt(buf, 11); err != nil || string(buf[:n]) != "test" {
		t.Errorf("ReadAt = %q, %v", buf[:n], err)
	}
	if n, err := f.ReadAt(buf, 18); n != 2 || err != io.EOF {
		t.Errorf("ReadAt at the end = %d, %v; want 2, EOF", n, err)
	}
}

func TestReadDir(t *testing.T) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"hello.txt", "link.txt", "sub"}; !slices.Equal(names, want) {
		t.Errorf("ReadDir(testdata) = %v, want %v", names, want)
	}
	var walked []string
	err = filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		walked = append(walked, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"main.go", "readfiles_test.go", "testdata/sub/lines.txt"} {
		if !slices.Contains(walked, want) {
			t.Errorf("WalkDir did not find %s: %v", want, walked)
		}
	}
}

func TestSymlink(t *testing.T) {
	target, err := os.Readlink("testdata/link.txt")
	if err != nil {
		t.Fatal(err)
	}
	if target != "hello.txt" {
		t.Errorf("Readlink = %q", target)
	}
	st, err := os.Lstat("testdata/link.txt")
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("Lstat mode %v, want a symbolic link", st.Mode())
	}
	b, err := os.ReadFile("testdata/link.txt")
	if err != nil || string(b) != "hello from testdata\n" {
		t.Errorf("reading through the link: %q, %v", b, err)
	}
}

func TestReadOnly(t *testing.T) {
	if !strings.HasSuffix(os.Args[0], ".test") || os.Getenv("GOBARE_READFILES_GUEST") == "" {
		t.Skip("checks gobare's read-only file system; set GOBARE_READFILES_GUEST (and pass it with GOBARE_PASSENV)")
	}
	err := os.WriteFile("testdata/new.txt", []byte("x"), 0o644)
	if !errors.Is(err, syscall.EROFS) {
		t.Errorf("creating a file: %v, want EROFS", err)
	}
	f, err := os.OpenFile("testdata/hello.txt", os.O_WRONLY, 0)
	if err == nil {
		f.Close()
	}
	if !errors.Is(err, syscall.EROFS) {
		t.Errorf("opening a file for writing: %v, want EROFS", err)
	}
	if err := os.Mkdir("testdata/dir", 0o755); !errors.Is(err, syscall.EROFS) {
		t.Errorf("mkdir: %v, want EROFS", err)
	}
}

// TestWriteBeside changes this directory through the overlay mkimage
// exec serves it with: the writes show inside the guest, and
// tests/files_test.go checks that the host's files did not change.
func TestWriteBeside(t *testing.T) {
	if !strings.HasSuffix(os.Args[0], ".test") || os.Getenv("GOBARE_READFILES_RW") == "" {
		t.Skip("changes the package's own files inside gobare; set GOBARE_READFILES_RW (and pass it with GOBARE_PASSENV)")
	}
	if err := os.WriteFile("testdata/new.txt", []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile("testdata/hello.txt", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("more\n")
	f.Close()
	if err := os.Remove("testdata/sub/lines.txt"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir("testdata/made", 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("testdata/hello.txt")
	if err != nil || string(b) != "hello from testdata\nmore\n" {
		t.Errorf("hello.txt after appending: %q, %v", b, err)
	}
	entries, _ := os.ReadDir("testdata")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"hello.txt", "link.txt", "made", "new.txt", "sub"}; !slices.Equal(names, want) {
		t.Errorf("ReadDir(testdata) = %v, want %v", names, want)
	}
	if sub, _ := os.ReadDir("testdata/sub"); len(sub) != 0 {
		t.Errorf("testdata/sub still lists %v after its only file was removed", sub)
	}
	if st, err := os.Stat("testdata/made"); err != nil || st.Mode() != fs.ModeDir|0o700 {
		t.Errorf("the new directory: %v, %v", st, err)
	}
}

// TestMustFail fails on purpose when GOBARE_READFILES_FAIL is set, so that
// the integration tests can check that a failure reaches go test.
func TestMustFail(t *testing.T) {
	if os.Getenv("GOBARE_READFILES_FAIL") != "" {
		t.Fatal("failing on purpose (GOBARE_READFILES_FAIL is set)")
	}
}

// Command mmap maps files and prints what it sees, so that
// tests/files_test.go can compare a run inside gobare with a run on the
// host line by line: shared mappings and read/write see each other's
// bytes, msync, private mappings copy on write, mappings outlive munmap
// of others, close and unlink, a page past the end of the file faults
// (also once the file shrank under the mapping),
// the errors of bad requests, and a read-only file of the archive (the
// path given as the argument) mapped both ways.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"unsafe"
)

const page = 4096

func main() {
	if len(os.Args) != 2 {
		fmt.Println("usage: mmap PACKED-FILE")
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "gobare-mmap")
	check("mkdirtemp", err)
	defer os.RemoveAll(dir)
	debug.SetPanicOnFault(true)
	shared(filepath.Join(dir, "shared"))
	private(filepath.Join(dir, "private"))
	outlives(filepath.Join(dir, "outlives"))
	refused(dir)
	packed(os.Args[1])
	fmt.Println("done")
}

// check ends the program on an error that should not happen.
func check(what string, err error) {
	if err != nil {
		fmt.Printf("FAIL: %s: %v\n", what, err)
		os.Exit(1)
	}
}

// create makes a file of n bytes, byte i being 'a'+i%26, open read-write.
func create(path string, n int) *os.File {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	check("create", err)
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	_, err = f.Write(b)
	check("write", err)
	return f
}

func mmap(f *os.File, off int64, n, prot, flags int) []byte {
	m, err := syscall.Mmap(int(f.Fd()), off, n, prot, flags)
	check("mmap", err)
	return m
}

func pread(f *os.File, off int64, n int) string {
	b := make([]byte, n)
	_, err := f.ReadAt(b, off)
	check("pread", err)
	return string(b)
}

func msync(m []byte, flags int) error {
	_, _, e := syscall.Syscall(syscall.SYS_MSYNC, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(flags))
	if e != 0 {
		return e
	}
	return nil
}

// touch reads m[i] and reports a fault instead of dying of it.
func touch(m []byte, i int) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprint("fault: ", r)
		}
	}()
	return fmt.Sprintf("%q", m[i])
}

// shared: a MAP_SHARED mapping of 4 pages over a file of 2 pages and 100
// bytes.
func shared(path string) {
	f := create(path, 2*page+100)
	defer f.Close()
	m := mmap(f, 0, 4*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	fmt.Printf("shared: page 1 reads %q\n", m[page:page+8])
	_, err := f.WriteAt([]byte("WRITTEN!"), page+8)
	check("pwrite", err)
	fmt.Printf("shared: after pwrite the map reads %q\n", m[page+8:page+16])
	copy(m[2*page:], "STORED!!")
	fmt.Printf("shared: after a store pread reads %q\n", pread(f, 2*page, 8))
	fmt.Println("shared: msync MS_SYNC:", msync(m, syscall.MS_SYNC), "MS_ASYNC:", msync(m, syscall.MS_ASYNC))
	fmt.Println("shared: msync MS_SYNC|MS_ASYNC:", msync(m, syscall.MS_SYNC|syscall.MS_ASYNC))
	fmt.Printf("shared: past the end in the last page: %q\n", m[2*page+100:2*page+104])
	fmt.Println("shared: the page past the end:", touch(m, 3*page))
	// Growing the file makes the page past the end readable.
	check("truncate", f.Truncate(3*page+10))
	fmt.Println("shared: after ftruncate up, that page:", touch(m, 3*page), touch(m, 3*page+10))
	_, err = f.WriteAt([]byte("GROWN"), 3*page)
	check("pwrite", err)
	fmt.Printf("shared: after pwrite there the map reads %q\n", m[3*page:3*page+5])
	check("munmap", syscall.Munmap(m))
	fmt.Printf("shared: after munmap pread reads %q %q\n", pread(f, page+8, 8), pread(f, 2*page, 8))
	m = mmap(f, page, page, syscall.PROT_READ, syscall.MAP_SHARED)
	fmt.Printf("shared: mapped again at offset 1 page: %q\n", m[8:16])
	check("munmap", syscall.Munmap(m))
	// Shrinking the file takes the pages past its new end away.
	m = mmap(f, 0, 3*page, syscall.PROT_READ, syscall.MAP_SHARED)
	fmt.Println("shared: before ftruncate down:", touch(m, 2*page))
	check("truncate", f.Truncate(page+10))
	fmt.Printf("shared: after ftruncate down: %q, the page past the end: %s\n", m[page+8:page+12], touch(m, 2*page))
	check("munmap", syscall.Munmap(m))
}

// private: a MAP_PRIVATE mapping copies a page on its first write.
func private(path string) {
	f := create(path, 3*page)
	defer f.Close()
	m := mmap(f, 0, 3*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	fmt.Printf("private: page 0 reads %q\n", m[:8])
	_, err := f.WriteAt([]byte("BEFORE!!"), page)
	check("pwrite", err)
	fmt.Printf("private: a page not yet written sees pwrite: %q\n", m[page:page+8])
	copy(m, "MINE!!!!")
	fmt.Printf("private: after a store, the map %q, the file %q\n", m[:8], pread(f, 0, 8))
	_, err = f.WriteAt([]byte("LATER!!!"), 8)
	check("pwrite", err)
	fmt.Printf("private: the copied page does not see pwrite: %q\n", m[8:16])
	// A read(2) into the mapping writes it, so it copies the page too.
	_, err = f.ReadAt(m[2*page:2*page+8], 0)
	check("pread into the map", err)
	fmt.Printf("private: pread into the map: map %q, file %q\n", m[2*page:2*page+8], pread(f, 2*page, 8))
	// Opening with O_TRUNC empties the file: every page of the map is
	// past the end now, copied or not.
	g, err := os.OpenFile(path, os.O_RDWR|os.O_TRUNC, 0)
	check("open O_TRUNC", err)
	g.Close()
	fmt.Println("private: after O_TRUNC, a copied page:", touch(m, 0), "- a page not copied:", touch(m, page))
	check("munmap", syscall.Munmap(m))
}

// outlives: a mapping keeps working after close and unlink of its file.
func outlives(path string) {
	f := create(path, page)
	m := mmap(f, 0, page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	f.Close()
	check("remove", os.Remove(path))
	copy(m[100:], "still here")
	fmt.Printf("outlives: after close and unlink: %q %q\n", m[:4], m[100:110])
	check("munmap", syscall.Munmap(m))
}

// refused: what mmap and mprotect refuse, with their errors.
func refused(dir string) {
	path := filepath.Join(dir, "refused")
	create(path, page).Close()
	try := func(what string, flag int, off int64, n, prot, flags int) {
		f, err := os.OpenFile(path, flag, 0)
		check("open", err)
		defer f.Close()
		m, err := syscall.Mmap(int(f.Fd()), off, n, prot, flags)
		if err == nil {
			syscall.Munmap(m)
		}
		fmt.Printf("refused: %s: %v\n", what, err)
	}
	rw := syscall.PROT_READ | syscall.PROT_WRITE
	try("shared writable, opened read-only", os.O_RDONLY, 0, page, rw, syscall.MAP_SHARED)
	try("private writable, opened read-only", os.O_RDONLY, 0, page, rw, syscall.MAP_PRIVATE)
	try("shared read-only, opened write-only", os.O_WRONLY, 0, page, syscall.PROT_READ, syscall.MAP_SHARED)
	try("misaligned offset", os.O_RDWR, 100, page, rw, syscall.MAP_SHARED)
	try("length 0", os.O_RDWR, 0, 0, rw, syscall.MAP_SHARED)
	try("no map type", os.O_RDWR, 0, page, rw, 0)

	d, err := os.Open(dir)
	check("open dir", err)
	_, err = syscall.Mmap(int(d.Fd()), 0, page, syscall.PROT_READ, syscall.MAP_PRIVATE)
	fmt.Println("refused: a directory:", err)
	d.Close()
	r, w, err := os.Pipe()
	check("pipe", err)
	_, err = syscall.Mmap(int(r.Fd()), 0, page, syscall.PROT_READ, syscall.MAP_SHARED)
	fmt.Println("refused: a pipe:", err)
	r.Close()
	w.Close()
	_, err = syscall.Mmap(1000, 0, page, syscall.PROT_READ, syscall.MAP_SHARED)
	fmt.Println("refused: a closed descriptor:", err)

	f, err := os.Open(path)
	check("open", err)
	m := mmap(f, 0, page, syscall.PROT_READ, syscall.MAP_SHARED)
	fmt.Println("refused: mprotect PROT_WRITE of a shared map opened read-only:", syscall.Mprotect(m, rw))
	syscall.Munmap(m)
	m = mmap(f, 0, page, syscall.PROT_READ, syscall.MAP_PRIVATE)
	fmt.Println("refused: mprotect PROT_WRITE of a private map opened read-only:", syscall.Mprotect(m, rw))
	syscall.Munmap(m)
	f.Close()
	fmt.Println("refused: msync of an unmapped range:", msync(m, syscall.MS_SYNC))
}

// packed maps a file that is read-only (in the archive, inside gobare).
func packed(path string) {
	want, err := os.ReadFile(path)
	check("read packed file", err)
	f, err := os.Open(path)
	check("open packed file", err)
	defer f.Close()
	n := (len(want) + page - 1) / page * page
	m := mmap(f, 0, n, syscall.PROT_READ, syscall.MAP_SHARED)
	h := fnv.New64a()
	h.Write(m[:len(want)])
	fmt.Printf("packed: %d pages, shared map equals read: %v, zero past the end: %v, hash %016x\n",
		n/page, bytes.Equal(m[:len(want)], want), allZero(m[len(want):]), h.Sum64())
	check("munmap", syscall.Munmap(m))
	m = mmap(f, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	copy(m, "PRIVATE")
	again, err := os.ReadFile(path)
	check("read packed file", err)
	fmt.Printf("packed: a private store: map %q, file unchanged: %v\n", m[:7], bytes.Equal(again, want))
	check("munmap", syscall.Munmap(m))
	_, err = syscall.Mmap(int(f.Fd()), 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	fmt.Println("packed: shared writable:", err, errors.Is(err, syscall.EACCES))
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

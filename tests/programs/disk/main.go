// Command disk uses the persistent disk (mkimage run -disk) the way
// programs do; tests/disk_test.go runs it. The first argument says what
// to do in the directory the second names:
//
//	write DIR  write DIR/persist/data.bin (1 MiB), fsync it and its
//	           directory, print "synced", and wait to be killed
//	mapwrite DIR  the same file written through a shared mapping
//	           (ftruncate, fsync of it and its directory first, then
//	           the bytes stored into the mapping and msync(MS_SYNC)),
//	           print "synced", and wait to be killed
//	read DIR   read it back and print its length and hash
//	db DIR     a database's pattern: files written under a temporary
//	           name, fsynced, renamed into place, read back, replaced,
//	           truncated, removed, listed; the same output as on Linux
//	fill DIR   write until the disk is full and print the error, then
//	           remove the file and write again
//	probe DIR  try stat, listing, create, read and write on a damaged
//	           disk, and print each error
//	bench DIR  measure sequential write and read throughput and the
//	           latency of fsync
package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: disk write|mapwrite|read|db|fill|probe|bench DIR")
		os.Exit(2)
	}
	dir := os.Args[2]
	// mkimage run -disk gives the kernel the word disk=/MOUNT: the
	// kernel's own, which stays out of the program's environment.
	if v, ok := os.LookupEnv("disk"); ok {
		fmt.Println("FAIL: the environment has the kernel word disk=" + v)
		os.Exit(1)
	}
	var err error
	switch os.Args[1] {
	case "write":
		err = write(dir)
	case "mapwrite":
		err = mapWrite(dir)
	case "read":
		err = read(dir)
	case "db":
		err = db(dir)
	case "fill":
		err = fill(dir)
	case "probe":
		probe(dir)
	case "bench":
		err = bench(dir)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Println("FAIL:", err)
		os.Exit(1)
	}
}

// pattern is n deterministic bytes from seed.
func pattern(n int, seed uint32) []byte {
	b := make([]byte, n)
	x := seed*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func write(dir string) error {
	d := filepath.Join(dir, "persist")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	data := pattern(1<<20, 7)
	f, err := os.Create(filepath.Join(d, "data.bin"))
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := syncDir(d); err != nil {
		return err
	}
	fmt.Printf("synced %x\n", sha256.Sum256(data))
	time.Sleep(time.Hour) // the test kills the machine now
	return nil
}

// mapWrite writes data.bin through a shared mapping: only msync puts
// its bytes on the disk (the file was synced while it was all zeroes).
func mapWrite(dir string) error {
	d := filepath.Join(dir, "persist")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	data := pattern(1<<20, 7)
	f, err := os.OpenFile(filepath.Join(d, "data.bin"), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := f.Truncate(int64(len(data))); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := syncDir(d); err != nil {
		return err
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, len(data), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("mmap: %v", err)
	}
	copy(m, data)
	const msSync = 4 // MS_SYNC (uapi asm-generic/mman-common.h)
	if _, _, e := syscall.Syscall(syscall.SYS_MSYNC, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), msSync); e != 0 {
		return fmt.Errorf("msync: %v", e)
	}
	fmt.Printf("synced %x\n", sha256.Sum256(data))
	time.Sleep(time.Hour) // the test kills the machine now
	return nil
}

func syncDir(d string) error {
	f, err := os.Open(d)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func read(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "persist", "data.bin"))
	if err != nil {
		return err
	}
	fmt.Printf("read %d bytes %x\n", len(b), sha256.Sum256(b))
	return nil
}

// db writes records as a database or a build cache does: each under a
// temporary name, synced, then renamed into place.
func db(dir string) error {
	d := filepath.Join(dir, "db")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	for i := 0; i < 20; i++ {
		tmp := filepath.Join(d, fmt.Sprintf(".record-%02d.tmp", i))
		if err := writeSynced(tmp, pattern(1000+i*700, uint32(i))); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(d, fmt.Sprintf("record-%02d.json", i))); err != nil {
			return err
		}
	}
	if err := syncDir(d); err != nil {
		return err
	}
	for i := 0; i < 20; i++ {
		b, err := os.ReadFile(filepath.Join(d, fmt.Sprintf("record-%02d.json", i)))
		if err != nil {
			return err
		}
		if !bytes.Equal(b, pattern(1000+i*700, uint32(i))) {
			return fmt.Errorf("record %d reads back differently", i)
		}
	}
	fmt.Println("20 records written, synced, renamed and read back")
	steps := []struct {
		what string
		do   func() error
	}{
		{"replace record-01 by record-00", func() error {
			return os.Rename(filepath.Join(d, "record-00.json"), filepath.Join(d, "record-01.json"))
		}},
		{"truncate record-02 to 10 bytes", func() error { return os.Truncate(filepath.Join(d, "record-02.json"), 10) }},
		{"append to record-03", func() error {
			f, err := os.OpenFile(filepath.Join(d, "record-03.json"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteString("appended")
			return err
		}},
		{"remove record-04", func() error { return os.Remove(filepath.Join(d, "record-04.json")) }},
		{"mkdir archive", func() error { return os.Mkdir(filepath.Join(d, "archive"), 0o755) }},
		{"move record-05 into archive", func() error {
			return os.Rename(filepath.Join(d, "record-05.json"), filepath.Join(d, "archive", "Record 05 (old).json"))
		}},
		{"remove the full archive", func() error { return os.Remove(filepath.Join(d, "archive")) }},
		{"mkdir archive again", func() error { return os.Mkdir(filepath.Join(d, "archive"), 0o755) }},
		{"open a missing record", func() error { _, err := os.Open(filepath.Join(d, "record-99.json")); return err }},
		{"a name in Unicode", func() error {
			return os.WriteFile(filepath.Join(d, "naïve-日本-🙂.txt"), []byte("unicode"), 0o644)
		}},
		{"a sparse file", func() error {
			f, err := os.Create(filepath.Join(d, "sparse"))
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt([]byte("end"), 100_000)
			return err
		}},
	}
	for _, s := range steps {
		fmt.Printf("%s: %s\n", s.what, errText(s.do()))
	}
	return list(d, "")
}

// list prints the tree below d: names, sizes, and a hash of each file.
func list(d, indent string) error {
	entries, err := os.ReadDir(d)
	if err != nil {
		return err
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return err
		}
		if e.IsDir() {
			fmt.Printf("%s%s/\n", indent, e.Name())
			if err := list(filepath.Join(d, e.Name()), indent+"  "); err != nil {
				return err
			}
			continue
		}
		b, err := os.ReadFile(filepath.Join(d, e.Name()))
		if err != nil {
			return err
		}
		fmt.Printf("%s%s %d %x\n", indent, e.Name(), info.Size(), sha256.Sum256(b))
	}
	return nil
}

func writeSynced(name string, data []byte) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// errText is an error's errno name, or "ok".
func errText(err error) string {
	var errno syscall.Errno
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &errno):
		return errnoName(errno)
	}
	return err.Error()
}

func errnoName(e syscall.Errno) string {
	for _, n := range []struct {
		e    syscall.Errno
		name string
	}{{syscall.ENOENT, "ENOENT"}, {syscall.EIO, "EIO"}, {syscall.ENOSPC, "ENOSPC"}, {syscall.ENOTEMPTY, "ENOTEMPTY"},
		{syscall.EEXIST, "EEXIST"}, {syscall.ENOTDIR, "ENOTDIR"}, {syscall.EINVAL, "EINVAL"}} {
		if e == n.e {
			return n.name
		}
	}
	return e.Error()
}

func fill(dir string) error {
	name := filepath.Join(dir, "fill.bin")
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	chunk := pattern(1<<20, 3)
	total := 0
	for {
		n, err := f.Write(chunk)
		total += n
		if err != nil {
			fmt.Printf("fill: %s after %d MiB\n", errText(err), total>>20)
			break
		}
		if total > 1<<30 {
			return errors.New("wrote 1 GiB and the disk is not full")
		}
	}
	fmt.Printf("fsync of the full disk: %s\n", errText(f.Sync()))
	f.Close()
	fmt.Printf("mkdir on the full disk: %s\n", errText(os.Mkdir(filepath.Join(dir, "more"), 0o755)))
	fmt.Printf("remove: %s\n", errText(os.Remove(name)))
	fmt.Printf("write after the removal: %s\n", errText(writeSynced(filepath.Join(dir, "small.txt"), []byte("room again"))))
	return nil
}

// probe reports what each operation gives on a damaged disk.
func probe(dir string) {
	_, err := os.Stat(dir)
	fmt.Printf("stat: %s\n", errText(err))
	_, err = os.ReadDir(dir)
	fmt.Printf("readdir: %s\n", errText(err))
	_, err = os.ReadFile(filepath.Join(dir, "file.txt"))
	fmt.Printf("read: %s\n", errText(err))
	fmt.Printf("create: %s\n", errText(os.WriteFile(filepath.Join(dir, "new.txt"), []byte("x"), 0o644)))
	fmt.Printf("mkdir: %s\n", errText(os.Mkdir(filepath.Join(dir, "newdir"), 0o755)))
	fmt.Println("probed")
}

// bench writes and reads a 32 MiB file in 1 MiB writes and times 100
// small write+fsync pairs.
func bench(dir string) error {
	name := filepath.Join(dir, "bench.bin")
	chunk := pattern(1<<20, 5)
	const total = 32
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	start := time.Now()
	for i := 0; i < total; i++ {
		if _, err := f.Write(chunk); err != nil {
			return err
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	w := time.Since(start)
	f.Close()
	f, err = os.Open(name)
	if err != nil {
		return err
	}
	start = time.Now()
	n, err := io.Copy(io.Discard, f)
	r := time.Since(start)
	f.Close()
	if err != nil || n != total<<20 {
		return fmt.Errorf("read %d bytes: %v", n, err)
	}
	f, err = os.Create(filepath.Join(dir, "fsync.bin"))
	if err != nil {
		return err
	}
	start = time.Now()
	for i := 0; i < 100; i++ {
		if _, err := f.Write([]byte(strings.Repeat("x", 100))); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
	}
	s := time.Since(start)
	f.Close()
	fmt.Printf("write %d MiB + fsync: %.1f MB/s\n", total, float64(total<<20)/w.Seconds()/1e6)
	fmt.Printf("read %d MiB: %.1f MB/s\n", total, float64(total<<20)/r.Seconds()/1e6)
	fmt.Printf("100-byte write + fsync: %v each\n", (s / 100).Round(time.Microsecond))
	return nil
}

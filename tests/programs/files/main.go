// Command files exercises what a program expects of a Linux file system
// and prints one line per observation: permission bits and the umask,
// timestamps, hard links, atomic rename, a file open after its last name
// is gone, a file larger than memory pages would make a toy, and advisory
// locks (flock, fcntl record locks, OFD locks). With the argument
// "beside" it changes the files in its working directory instead (a
// packed directory served writable: mkimage run -files DIR:/MOUNT:rw).
// tests/files_test.go runs it natively and inside gobare and wants the
// same lines. It prints nothing that differs between two Linux systems
// (inode numbers, times).
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "beside" {
		if err := beside(); err != nil {
			fmt.Println("beside: FAIL:", err)
		}
		fmt.Println("done")
		return
	}
	dir, err := os.MkdirTemp("", "files")
	if err != nil {
		fmt.Println("mkdirtemp:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	for _, step := range []struct {
		name string
		run  func(dir string) error
	}{
		{"modes", modes}, {"times", times}, {"links", links}, {"rename", rename},
		{"unlinked", unlinked}, {"large", large}, {"flock", flock}, {"records", records},
	} {
		if err := step.run(dir); err != nil {
			fmt.Printf("%s: FAIL: %v\n", step.name, err)
		}
	}
	fmt.Println("done")
}

// say prints one observation.
func say(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func modes(dir string) error {
	old := syscall.Umask(0o027)
	say("modes: umask was %o", old)
	p := filepath.Join(dir, "m")
	if err := os.WriteFile(p, nil, 0o666); err != nil {
		return err
	}
	st, _ := os.Stat(p)
	say("modes: created 666 under umask 027: %v", st.Mode())
	os.Mkdir(filepath.Join(dir, "d"), 0o777)
	st, _ = os.Stat(filepath.Join(dir, "d"))
	say("modes: mkdir 777: %v", st.Mode())
	syscall.Umask(old)
	if err := os.Chmod(p, 0o4711); err != nil {
		return err
	}
	st, _ = os.Stat(p)
	say("modes: chmod 4711: %v", st.Mode())
	f, _ := os.Open(p)
	f.Chmod(0o400)
	f.Close()
	st, _ = os.Stat(p)
	say("modes: fchmod 400: %v", st.Mode())
	return nil
}

func times(dir string) error {
	p := filepath.Join(dir, "t")
	os.WriteFile(p, []byte("x"), 0o644)
	at := time.Date(2001, 2, 3, 4, 5, 6, 789, time.UTC)
	mt := time.Date(2002, 3, 4, 5, 6, 7, 123456789, time.UTC)
	if err := os.Chtimes(p, at, mt); err != nil {
		return err
	}
	var st syscall.Stat_t
	syscall.Stat(p, &st)
	say("times: mtime %v", time.Unix(st.Mtim.Unix()).UTC())
	say("times: atime %v", time.Unix(st.Atim.Unix()).UTC())
	before := time.Now().Add(-time.Minute)
	os.WriteFile(p, []byte("later"), 0o644)
	fi, _ := os.Stat(p)
	say("times: a write sets mtime to now: %v", fi.ModTime().After(before))
	syscall.Stat(p, &st)
	say("times: ctime is now: %v", time.Unix(st.Ctim.Unix()).After(before))
	return nil
}

func links(dir string) error {
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("shared"), 0o644)
	if err := os.Link(a, b); err != nil {
		return err
	}
	fa, _ := os.Stat(a)
	fb, _ := os.Stat(b)
	say("links: same file %v, nlink %d", os.SameFile(fa, fb), fa.Sys().(*syscall.Stat_t).Nlink)
	os.Remove(a)
	data, err := os.ReadFile(b)
	fb, _ = os.Stat(b)
	say("links: after removing a: %q %v, nlink %d", data, err, fb.Sys().(*syscall.Stat_t).Nlink)
	err = os.Link(dir, filepath.Join(dir, "dirlink"))
	say("links: a directory: %v", errors.Is(err, syscall.EPERM))
	return nil
}

func rename(dir string) error {
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	os.WriteFile(src, []byte("new"), 0o644)
	os.WriteFile(dst, []byte("old"), 0o644)
	keep, _ := os.Open(dst)
	if err := os.Rename(src, dst); err != nil {
		return err
	}
	data, _ := os.ReadFile(dst)
	_, err := os.Stat(src)
	say("rename: dst %q, src gone %v", data, errors.Is(err, os.ErrNotExist))
	old := make([]byte, 3)
	keep.Read(old)
	keep.Close()
	say("rename: the replaced file, still open, reads %q", old)
	d := filepath.Join(dir, "tree")
	os.MkdirAll(filepath.Join(d, "sub"), 0o755)
	os.WriteFile(filepath.Join(d, "sub", "f"), []byte("deep"), 0o644)
	err = os.Rename(d, filepath.Join(d, "sub", "inside"))
	say("rename: a directory into itself: %v", errors.Is(err, syscall.EINVAL))
	if err := os.Rename(d, filepath.Join(dir, "moved")); err != nil {
		return err
	}
	data, err = os.ReadFile(filepath.Join(dir, "moved", "sub", "f"))
	say("rename: moved tree: %q %v", data, err)
	os.Mkdir(filepath.Join(dir, "full"), 0o755)
	os.WriteFile(filepath.Join(dir, "full", "x"), nil, 0o644)
	err = os.Rename(filepath.Join(dir, "moved"), filepath.Join(dir, "full"))
	say("rename: over a non-empty directory: %v", errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST))
	return nil
}

func unlinked(dir string) error {
	p := filepath.Join(dir, "gone")
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	defer f.Close()
	f.WriteString("written before")
	os.Remove(p)
	f.WriteString(" and after unlink")
	buf := make([]byte, 64)
	n, _ := f.ReadAt(buf, 0)
	st, _ := f.Stat()
	say("unlinked: reads %q, nlink %d", buf[:n], st.Sys().(*syscall.Stat_t).Nlink)
	return nil
}

func large(dir string) error {
	p := filepath.Join(dir, "large")
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	defer f.Close()
	for i := 0; i < 100; i++ { // 6.25 MiB
		chunk[0] = byte(i)
		if _, err := f.Write(chunk); err != nil {
			return err
		}
	}
	if _, err := f.WriteAt([]byte("far"), 1<<32); err != nil {
		return err
	}
	st, _ := f.Stat()
	buf := make([]byte, 1)
	f.ReadAt(buf, 99*int64(len(chunk)))
	say("large: size %d, chunk 99 starts with %d", st.Size(), buf[0])
	hole := make([]byte, 4)
	f.ReadAt(hole, 1<<31)
	say("large: a hole reads %v", hole)
	f.Truncate(1000)
	st, _ = f.Stat()
	say("large: truncated to %d", st.Size())
	err = os.Truncate(p, 2000)
	st, _ = f.Stat()
	say("large: truncate(2) by name to %d: %v", st.Size(), err)
	return nil
}

func flock(dir string) error {
	p := filepath.Join(dir, "lock")
	a, _ := os.Create(p)
	b, _ := os.Open(p)
	defer a.Close()
	defer b.Close()
	say("flock: LOCK_EX: %v", syscall.Flock(int(a.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
	err := syscall.Flock(int(b.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	say("flock: LOCK_SH|LOCK_NB from another open: %v", err)
	done := make(chan error)
	go func() { done <- syscall.Flock(int(b.Fd()), syscall.LOCK_SH) }()
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-done:
		say("flock: LOCK_SH did not wait: %v", err)
	default:
		say("flock: LOCK_SH waits")
	}
	syscall.Flock(int(a.Fd()), syscall.LOCK_UN)
	say("flock: after LOCK_UN it gets it: %v", <-done)
	say("flock: a second LOCK_SH: %v", syscall.Flock(int(a.Fd()), syscall.LOCK_SH|syscall.LOCK_NB))
	say("flock: bad operation: %v", syscall.Flock(int(a.Fd()), 0))
	return nil
}

func records(dir string) error {
	p := filepath.Join(dir, "records")
	a, _ := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	b, _ := os.OpenFile(p, os.O_RDWR, 0)
	defer a.Close()
	defer b.Close()
	lk := func(typ int16, start, n int64) *syscall.Flock_t {
		return &syscall.Flock_t{Type: typ, Whence: 0, Start: start, Len: n}
	}
	say("records: F_SETLK write 0-100: %v", syscall.FcntlFlock(a.Fd(), syscall.F_SETLK, lk(syscall.F_WRLCK, 0, 100)))
	say("records: the process again through b: %v", syscall.FcntlFlock(b.Fd(), syscall.F_SETLK, lk(syscall.F_WRLCK, 50, 100)))
	q := lk(syscall.F_WRLCK, 0, 0)
	syscall.FcntlFlock(b.Fd(), syscall.F_GETLK, q)
	say("records: F_GETLK sees its own locks as %v", q.Type == syscall.F_UNLCK)
	const ofdGetlk, ofdSetlk, ofdSetlkw = 36, 37, 38
	err := syscall.FcntlFlock(b.Fd(), ofdSetlk, lk(syscall.F_RDLCK, 10, 5))
	say("records: an OFD read lock over it: %v", err)
	q = lk(syscall.F_RDLCK, 0, 0)
	syscall.FcntlFlock(b.Fd(), ofdGetlk, q)
	say("records: F_OFD_GETLK: type write %v, start %d, len %d, the holder is this process %v", q.Type == syscall.F_WRLCK, q.Start, q.Len, int(q.Pid) == os.Getpid())
	syscall.FcntlFlock(a.Fd(), syscall.F_SETLK, lk(syscall.F_UNLCK, 0, 0))
	say("records: after F_UNLCK, OFD write lock: %v", syscall.FcntlFlock(b.Fd(), ofdSetlk, lk(syscall.F_WRLCK, 0, 10)))
	say("records: another description's OFD lock: %v", syscall.FcntlFlock(a.Fd(), ofdSetlk, lk(syscall.F_WRLCK, 5, 1)))
	done := make(chan error)
	go func() { done <- syscall.FcntlFlock(a.Fd(), ofdSetlkw, lk(syscall.F_WRLCK, 5, 1)) }()
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-done:
		say("records: F_OFD_SETLKW did not wait: %v", err)
	default:
		say("records: F_OFD_SETLKW waits")
	}
	b.Close()
	say("records: closing b releases it: %v", <-done)
	return nil
}

// beside changes the files of the working directory: appends to one,
// replaces one by rename, removes one, makes a directory with a file and
// lists the result.
func beside() error {
	f, err := os.OpenFile("hello.txt", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	f.WriteString("appended\n")
	f.Close()
	data, _ := os.ReadFile("hello.txt")
	say("beside: hello.txt %q", data)
	if err := os.WriteFile("new.txt", []byte("new"), 0o600); err != nil {
		return err
	}
	if err := os.Rename("new.txt", "sub/lines.txt"); err != nil {
		return err
	}
	data, _ = os.ReadFile("sub/lines.txt")
	say("beside: sub/lines.txt replaced: %q", data)
	if err := os.Remove("link.txt"); err != nil {
		return err
	}
	if err := os.MkdirAll("made/deeper", 0o755); err != nil {
		return err
	}
	os.WriteFile("made/deeper/f", []byte("f"), 0o644)
	err = filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, _ := d.Info()
		if d.IsDir() { // directory sizes differ between file systems
			say("beside: %s %v", p, info.Mode())
		} else {
			say("beside: %s %v %d", p, info.Mode(), info.Size())
		}
		return nil
	})
	if err != nil {
		return err
	}
	os.Chmod("hello.txt", 0o600)
	st, _ := os.Stat("hello.txt")
	say("beside: chmod hello.txt: %v", st.Mode())
	return nil
}

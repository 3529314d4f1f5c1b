package tests

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The file systems against Linux: each program here prints what it
// observes, and runs natively on the host and inside gobare; the two
// outputs must be the same, line for line.

// filesNative runs a program on the host in dir and returns its standard
// output.
func filesNative(t *testing.T, dir string, env []string, prog string, args ...string) string {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s natively: %v\n%s", filepath.Base(prog), err, out)
	}
	return string(out)
}

// filesGuest boots a program with `mkimage run` and returns its standard
// output; the kernel's lines and the program's errors go to the log.
func filesGuest(t *testing.T, flags []string, prog string, args ...string) string {
	t.Helper()
	mk := mkimage(t)
	all := append([]string{"run", "-accel", execAccel, "-timeout", "300s", "-append", "quiet"}, flags...)
	all = append(append(all, prog), args...)
	cmd := exec.Command(mk, all...)
	cmd.Env = append(os.Environ(), "GOBARE_ROOT="+repoRoot(t))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s in gobare: %v, %v", filepath.Base(prog), time.Since(start).Round(time.Second), err)
	if stderr.Len() > 0 {
		t.Logf("stderr:\n%s", stderr.String())
	}
	return stdout.String()
}

// sameLines fails the test where the guest's output differs from the
// host's.
func sameLines(t *testing.T, native, guest string) {
	t.Helper()
	if native == guest {
		return
	}
	n, g := strings.Split(native, "\n"), strings.Split(guest, "\n")
	for i := 0; i < max(len(n), len(g)); i++ {
		var a, b string
		if i < len(n) {
			a = n[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			t.Errorf("line %d:\n  native: %s\n  gobare: %s", i+1, a, b)
		}
	}
}

// TestFilesLikeLinux runs tests/programs/files: permission bits and the
// umask, times, hard links, atomic rename, an open unlinked file, a file
// past 4 GiB, flock and fcntl record locks.
func TestFilesLikeLinux(t *testing.T) {
	needQEMU(t)
	prog := testProgram(t, "files")
	native := filesNative(t, t.TempDir(), []string{"TMPDIR=" + t.TempDir()}, prog)
	if !strings.HasSuffix(native, "done\n") || strings.Contains(native, "FAIL") {
		t.Fatalf("the program fails natively:\n%s", native)
	}
	sameLines(t, native, filesGuest(t, nil, prog))
}

// TestFilesWritableOverlay serves a directory with -files DIR:/data:rw:
// the program changes it (append, rename over a file, remove, mkdir,
// chmod) as it would a copy on the host, and the host's directory does
// not change.
func TestFilesWritableOverlay(t *testing.T) {
	needQEMU(t)
	prog := testProgram(t, "files")
	src := filepath.Join(repoRoot(t), "tests", "programs", "readfiles", "testdata")
	before := treeHash(t, src)
	cp := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(cp, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	native := filesNative(t, cp, nil, prog, "beside")
	if !strings.HasSuffix(native, "done\n") || strings.Contains(native, "FAIL") {
		t.Fatalf("the program fails natively:\n%s", native)
	}
	sameLines(t, native, filesGuest(t, []string{"-files", src + ":/data:rw"}, prog, "beside"))
	if treeHash(t, src) != before {
		t.Errorf("the host's %s changed", src)
	}
}

// TestExecWritesBeside runs a test that changes its own package directory
// under `go test -exec "mkimage exec"`: it passes, and the host's files
// stay as they were.
func TestExecWritesBeside(t *testing.T) {
	needQEMU(t)
	src := filepath.Join(repoRoot(t), "tests", "programs", "readfiles")
	before := treeHash(t, src)
	out, code := goTestExec(t, []string{"GOBARE_READFILES_RW=1", "GOBARE_PASSENV=GOBARE_READFILES_RW"},
		"-v", "-run", "TestWriteBeside", "./tests/programs/readfiles")
	if code != 0 || !strings.Contains(out, "--- PASS: TestWriteBeside") {
		t.Fatalf("exit status %d, want 0 and TestWriteBeside passing; output:\n%s", code, out)
	}
	if treeHash(t, src) != before {
		t.Errorf("the host's %s changed", src)
	}
}

// treeHash hashes the names, modes and contents of the files below dir.
func treeHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %v %d\n", p, info.Mode(), info.Size())
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			h.Write(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// moduleProgram builds tests/programs/NAME, a module of its own (so that
// gobare's module does not depend on what it imports), fetching its
// requirements through the module proxy into the module cache.
func moduleProgram(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "tests", "programs", name)
	return builtOnce(t, "module program "+name, func() (string, error) {
		out := filepath.Join(shared.dir, "bin", name)
		env := append(staticEnv, "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off")
		return out, goBuild(dir, env, "-trimpath", "-o", out, ".")
	})
}

// TestSQLite runs an embedded SQL database (modernc.org/sqlite) on a
// database file of 7 MB in /tmp: pread/pwrite, fcntl record locks, a
// rollback journal made and removed, fsync, ftruncate.
func TestSQLite(t *testing.T) {
	needQEMU(t)
	prog := moduleProgram(t, "sqlite")
	native := filesNative(t, t.TempDir(), nil, prog, t.TempDir())
	if !strings.Contains(native, "integrity_check: ok") || strings.Contains(native, "FAIL") {
		t.Fatalf("the program fails natively:\n%s", native)
	}
	sameLines(t, native, filesGuest(t, nil, prog))
}

// TestBbolt runs an embedded key-value store (go.etcd.io/bbolt), which
// locks its file with flock and reads it through a shared mmap while it
// writes with pwrite and grows the file: 10,000 keys in five
// transactions, read back, and again after reopening read-only.
func TestBbolt(t *testing.T) {
	needQEMU(t)
	prog := moduleProgram(t, "bbolt")
	native := filesNative(t, t.TempDir(), []string{"TMPDIR=" + t.TempDir()}, prog)
	if !strings.HasPrefix(native, "opened\n") || strings.Contains(native, "FAIL") {
		t.Fatalf("the program fails natively:\n%s", native)
	}
	sameLines(t, native, filesGuest(t, nil, prog))
}

// TestMmapFiles runs tests/programs/mmap: shared and private mappings of
// tmpfs files against read and write, msync, a page past the end (also
// after ftruncate and O_TRUNC), the errors of bad requests, and a packed
// read-only file (the program's own source, served with -files, and
// through the writable overlay with :rw) mapped shared and private; and
// the same with its files on the disk.
func TestMmapFiles(t *testing.T) {
	needQEMU(t)
	prog := testProgram(t, "mmap")
	src := filepath.Join(repoRoot(t), "tests", "programs", "mmap")
	native := filesNative(t, t.TempDir(), []string{"TMPDIR=" + t.TempDir()}, prog, filepath.Join(src, "main.go"))
	if !strings.HasSuffix(native, "done\n") || strings.Contains(native, "FAIL") {
		t.Fatalf("the program fails natively:\n%s", native)
	}
	for _, mode := range []string{"", ":rw"} {
		t.Run("files"+mode, func(t *testing.T) {
			sameLines(t, native, filesGuest(t, []string{"-files", src + ":/src" + mode}, prog, "/src/main.go"))
		})
	}
	t.Run("disk", func(t *testing.T) { // its files on the disk (fatfs's page cache)
		img := newDisk(t, "64M")
		sameLines(t, native, filesGuest(t, []string{"-files", src + ":/src", "-disk", img, "-env", "TMPDIR=/disk"}, prog, "/src/main.go"))
	})
}

// TestTmpFull: a program that fills /tmp gets ENOSPC once files hold
// half the memory (as a Linux tmpfs's default size), keeps the rest to
// run in, and has room again after removing the file. Before files had a
// ceiling, the program's next page fault found no frame and ended it.
func TestTmpFull(t *testing.T) {
	r := runMkimage(t, nil, "run", "-m", "128", "-timeout", bootTimeout.String(), testProgram(t, "tmpfull"))
	r.wantExit(t, 0)
	r.wantLines(t, "tmpfull: 24 MiB allocated and touched with /tmp full", "tmpfull: a write after the removal: ok")
	var mib int
	for line := range strings.Lines(r.Stdout) {
		fmt.Sscanf(line, "tmpfull: ENOSPC after %d MiB", &mib)
	}
	if mib < 16 || mib > 64 {
		r.fatalf(t, "ENOSPC after %d MiB of a 128 MiB machine's files, want between 16 and 64 (half the memory free at boot)", mib)
	}
}

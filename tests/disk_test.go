package tests

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The persistent disk (mkimage run -disk; kernel/dev/virtio/blk,
// kernel/fs/fatfs): tests/programs/disk on a FAT32 image that mkimage
// disk makes.

// newDisk makes a disk image of size ("64M") with mkimage disk create.
func newDisk(t *testing.T, size string) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "disk.img")
	if out, code := runTool(t, "", nil, time.Minute, mkimage(t), "disk", "create", "-size", size, img); code != 0 {
		t.Fatalf("mkimage disk create: status %d\n%s", code, out)
	}
	return img
}

// diskGuest runs tests/programs/disk MODE /disk on img and returns its
// standard output; the run must end with status 0.
func diskGuest(t *testing.T, img, mode string) string {
	t.Helper()
	r := runMkimageOpts(t, mkimageOpts{Timeout: 5 * time.Minute}, "run", "-accel", execAccel, "-timeout", "240s",
		"-append", "quiet", "-disk", img, testProgram(t, "disk"), mode, "/disk")
	if r.Code != 0 {
		r.fatalf(t, "disk %s: exit status %d, want 0", mode, r.Code)
	}
	return r.Stdout
}

// TestDiskPersistence: run 1 writes a file, fsyncs it and its directory,
// prints "synced", and the machine is killed at once (SIGKILL to mkimage
// and QEMU); run 2 reads the file back intact, and so does mkimage disk
// cp on the host.
func TestDiskPersistence(t *testing.T) { persistence(t, "write") }

// TestDiskMappedPersistence: the same with the file's bytes written
// through a shared mapping and msync(MS_SYNC) (the file was synced
// while still all zeroes).
func TestDiskMappedPersistence(t *testing.T) { persistence(t, "mapwrite") }

// persistence writes with tests/programs/disk MODE, kills the machine
// once it says "synced", and reads the file back in a second run and on
// the host.
func persistence(t *testing.T, mode string) {
	needQEMU(t)
	img := newDisk(t, "64M")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mkimage(t), "run", "-accel", execAccel, "-timeout", "240s", "-append", "quiet",
		"-disk", img, testProgram(t, "disk"), mode, "/disk")
	cmd.Dir = repoRoot(t)
	killGroup(cmd)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the machine dies right after the fsync
	cmd.Wait()
	synced, ok := strings.CutPrefix(strings.TrimSpace(line), "synced ")
	if err != nil || !ok {
		t.Fatalf("run 1 printed %q (%v), want \"synced HASH\"\nstderr:\n%s", line, err, stderr.String())
	}

	if got, want := diskGuest(t, img, "read"), fmt.Sprintf("read 1048576 bytes %s\n", synced); got != want {
		t.Errorf("run 2 read %q, want %q", got, want)
	}
	host := filepath.Join(t.TempDir(), "data.bin")
	if out, code := runTool(t, "", nil, time.Minute, mkimage(t), "disk", "cp", img+":/persist/data.bin", host); code != 0 {
		t.Fatalf("mkimage disk cp: status %d\n%s", code, out)
	}
	b, err := os.ReadFile(host)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%x", sha256.Sum256(b)); got != synced || len(b) != 1<<20 {
		t.Errorf("mkimage disk cp gives %d bytes hashing to %s, want 1048576 hashing to %s", len(b), got, synced)
	}
}

// TestDiskDatabase: records written under temporary names, fsynced,
// renamed into place, replaced, truncated, removed and listed — the
// same output as on Linux, and the host reads the result.
func TestDiskDatabase(t *testing.T) {
	needQEMU(t)
	native := filesNative(t, t.TempDir(), nil, testProgram(t, "disk"), "db", t.TempDir())
	if !strings.Contains(native, "read back") || strings.Contains(native, "FAIL") {
		t.Fatalf("the program fails natively:\n%s", native)
	}
	img := newDisk(t, "64M")
	sameLines(t, native, diskGuest(t, img, "db"))
	out, code := runTool(t, "", nil, time.Minute, mkimage(t), "disk", "ls", img+":/db")
	if code != 0 || !strings.Contains(out, " record-01.json\n") || strings.Contains(out, "record-00") || !strings.Contains(out, " archive/\n") {
		t.Errorf("mkimage disk ls after the run: status %d\n%s", code, out)
	}
}

// TestDiskFull: a full disk gives the program ENOSPC, and room again
// after a removal.
func TestDiskFull(t *testing.T) {
	needQEMU(t)
	img := newDisk(t, "8M")
	got := diskGuest(t, img, "fill")
	for _, want := range []string{"fill: ENOSPC after 7 MiB\n", "fsync of the full disk: ok\n", "mkdir on the full disk: ENOSPC\n",
		"remove: ok\n", "write after the removal: ok\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

// TestDiskCorrupt: garbage in the boot sector, or in the FAT and root
// directory, gives the program errors (EIO), never a kernel fault.
func TestDiskCorrupt(t *testing.T) {
	needQEMU(t)
	for _, tc := range []struct {
		name       string
		off, n     int64
		kernelLine string
	}{
		{"bpb", 0, 512, "disk: no boot signature 55 AA; every access to it is EIO"},
		{"fat and root", 16 << 10, 1 << 20, ""}, // the FATs start after 32 reserved sectors
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := newDisk(t, "64M")
			if out, code := runTool(t, "", nil, time.Minute, mkimage(t), "disk", "cp", "/etc/hostname", img+":/file.txt"); code != 0 {
				t.Fatalf("mkimage disk cp: status %d\n%s", code, out)
			}
			f, err := os.OpenFile(img, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			garbage := make([]byte, tc.n)
			for i := range garbage {
				garbage[i] = byte(i*7919 + 13)
			}
			f.WriteAt(garbage, tc.off)
			f.Close()
			r := runMkimageOpts(t, mkimageOpts{Timeout: 5 * time.Minute}, "run", "-accel", execAccel, "-timeout", "240s",
				"-disk", img, testProgram(t, "disk"), "probe", "/disk")
			if r.Code != 0 || !strings.HasSuffix(r.Stdout, "probed\n") || !strings.Contains(r.Stdout, "EIO") {
				r.fatalf(t, "probe: exit status %d, want 0, a line of EIO and \"probed\"", r.Code)
			}
			if !strings.Contains(r.Kernel, tc.kernelLine) {
				r.fatalf(t, "no %q line from the kernel", tc.kernelLine)
			}
			t.Logf("%s", r.Stdout)
		})
	}
}

// TestDiskSQLite runs the embedded SQL database of TestSQLite with its
// 5 MB database on the disk: the same output as natively.
func TestDiskSQLite(t *testing.T) {
	needQEMU(t)
	prog := moduleProgram(t, "sqlite")
	native := filesNative(t, t.TempDir(), nil, prog, t.TempDir())
	if !strings.Contains(native, "integrity_check: ok") || strings.Contains(native, "FAIL") {
		t.Fatalf("the program fails natively:\n%s", native)
	}
	img := newDisk(t, "64M")
	sameLines(t, native, filesGuest(t, []string{"-disk", img}, prog, "/disk"))
}

// TestDiskBbolt runs the key-value store of TestBbolt (flock, and its
// database read through a shared mapping of the file) with its database
// on the disk: the same output as natively.
func TestDiskBbolt(t *testing.T) {
	needQEMU(t)
	prog := moduleProgram(t, "bbolt")
	native := filesNative(t, t.TempDir(), []string{"TMPDIR=" + t.TempDir()}, prog)
	if !strings.HasPrefix(native, "opened\n") || strings.Contains(native, "FAIL") {
		t.Fatalf("the program fails natively:\n%s", native)
	}
	img := newDisk(t, "64M")
	sameLines(t, native, filesGuest(t, []string{"-disk", img, "-env", "TMPDIR=/disk"}, prog))
}

// BenchmarkDisk prints the disk's throughput and fsync latency in the
// guest (tests/programs/disk bench): go test -run '^$' -bench Disk ./tests
func BenchmarkDisk(b *testing.B) {
	needQEMU(b)
	img := filepath.Join(b.TempDir(), "disk.img")
	if out, code := runTool(b, "", nil, time.Minute, mkimage(b), "disk", "create", "-size", "256M", img); code != 0 {
		b.Fatalf("mkimage disk create: status %d\n%s", code, out)
	}
	for range b.N {
		r := runMkimageOpts(b, mkimageOpts{Timeout: 5 * time.Minute}, "run", "-accel", execAccel, "-timeout", "240s",
			"-append", "quiet", "-disk", img, testProgram(b, "disk"), "bench", "/disk")
		if r.Code != 0 {
			r.fatalf(b, "bench: exit status %d", r.Code)
		}
		b.Log("\n" + r.Stdout)
	}
}

// TestDiskFsck: on a volume made by dosfstools' mkfs.fat, the database
// pattern gives the same output as on Linux, a full disk gives ENOSPC,
// and dosfstools' fsck.fat then finds the volume the kernel wrote
// consistent (it notes only the free-cluster count left unknown, as
// the FAT spec allows).
func TestDiskFsck(t *testing.T) {
	needQEMU(t)
	mkfs, err1 := exec.LookPath("mkfs.fat")
	fsck, err2 := exec.LookPath("fsck.fat")
	if err1 != nil || err2 != nil {
		t.Skip("dosfstools is not installed (make deps installs it)")
	}
	img := filepath.Join(t.TempDir(), "disk.img")
	if out, err := exec.Command(mkfs, "-F", "32", "-C", img, "32768").CombinedOutput(); err != nil {
		t.Fatalf("mkfs.fat: %v\n%s", err, out)
	}
	native := filesNative(t, t.TempDir(), nil, testProgram(t, "disk"), "db", t.TempDir())
	sameLines(t, native, diskGuest(t, img, "db"))
	if got := diskGuest(t, img, "fill"); !strings.Contains(got, "fill: ENOSPC") || !strings.Contains(got, "write after the removal: ok") {
		t.Errorf("fill:\n%s", got)
	}
	if out, err := exec.Command(fsck, "-n", "-v", img).CombinedOutput(); err != nil {
		t.Errorf("fsck.fat -n: %v\n%s", err, out)
	}
}

package fatfs

import (
	"bytes"
	"github.com/gobare/gobare/internal/kfstest"
	"github.com/gobare/gobare/kernel/vfs"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/disk"
	"github.com/diskfs/go-diskfs/filesystem"
)

// TestWithDiskfs: the kernel's driver and the host's tool (go-diskfs, as
// mkimage disk uses it) read each other's volumes: go-diskfs makes one
// with files in directories, the driver reads them and writes its own,
// go-diskfs reads those back.
func TestWithDiskfs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "disk.img")
	d, err := diskfs.Create(path, 40<<20, diskfs.SectorSizeDefault)
	if err != nil {
		t.Fatal(err)
	}
	hfs, err := d.CreateFilesystem(disk.FilesystemSpec{Partition: 0, FSType: filesystem.TypeFat32, VolumeLabel: "GOBARE"})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("host data "), 100_000)
	hostWrite(t, hfs, "/Some Directory/host file.txt", []byte("from the host\n"))
	hostWrite(t, hfs, "/BIG.DAT", big)
	d.Close()

	img, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := mount(t, img)
	if got := string(readFile(t, fs, "Some Directory/host file.txt")); got != "from the host\n" {
		t.Errorf("the host's file reads %q", got)
	}
	if got := readFile(t, fs, "BIG.DAT"); !bytes.Equal(got, big) {
		t.Errorf("the host's big file differs (%d bytes)", len(got))
	}
	if got := list(t, fs, ""); !slices.Contains(got, "Some Directory") || !slices.Contains(got, "BIG.DAT") {
		t.Errorf("root lists %q", got)
	}

	mine := bytes.Repeat([]byte("guest data "), 50_000)
	fs.Create([]byte("guest dir"), true)
	writeFile(t, fs, "guest dir/a rather long name.bin", mine)
	writeFile(t, fs, "Some Directory/second.txt", []byte("second\n"))
	writeFile(t, fs, "tmp-name", []byte("renamed\n"))
	if err := fs.Rename([]byte("tmp-name"), []byte("guest dir/final name.txt")); err != 0 {
		t.Fatal(err)
	}
	if err := fs.Unlink([]byte("BIG.DAT"), false); err != 0 {
		t.Fatal(err)
	}
	if err := fs.Sync(); err != 0 {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}

	d, err = diskfs.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	hfs, err = d.GetFilesystem(0)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{
		"/guest dir/a rather long name.bin": mine,
		"/Some Directory/second.txt":        []byte("second\n"),
		"/Some Directory/host file.txt":     []byte("from the host\n"),
		"/guest dir/final name.txt":         []byte("renamed\n"),
	} {
		if got := hostRead(t, hfs, name); !bytes.Equal(got, want) {
			t.Errorf("go-diskfs reads %s as %d bytes %.40q, want %d bytes", name, len(got), got, len(want))
		}
	}
	entries, err := hfs.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if slices.Contains(names, "BIG.DAT") || slices.Contains(names, "tmp-name") || !slices.Contains(names, "guest dir") {
		t.Errorf("go-diskfs lists the root as %q", names)
	}
}

func hostWrite(t *testing.T, fs filesystem.FileSystem, name string, data []byte) {
	t.Helper()
	if err := fs.Mkdir(filepath.Dir(name)); err != nil {
		t.Fatal(err)
	}
	f, err := fs.OpenFile(name, os.O_CREATE|os.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func hostRead(t *testing.T, fs filesystem.FileSystem, name string) []byte {
	t.Helper()
	f, err := fs.OpenFile(name, os.O_RDONLY)
	if err != nil {
		t.Errorf("go-diskfs: %s: %v", name, err)
		return nil
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Errorf("go-diskfs: %s: %v", name, err)
	}
	return b
}

// The kernel's pools of open files take their pages from Go memory
// the GC scans.
func init() { vfs.UsePages(&kfstest.Pages{Pointers: true}) }

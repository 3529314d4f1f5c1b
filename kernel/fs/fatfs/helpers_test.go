package fatfs

import (
	"testing"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// memDisk is a device in memory: img is the volume's bytes.
type memDisk struct {
	img     []byte
	pages   *fakePages
	reads   int
	writes  int
	flushes int
	broken  bool // every read and write fails
}

func (d *memDisk) Read(sector uint64, pages []uintptr, n uint32) errno.Errno {
	if d.broken || int(sector)*512+int(n) > len(d.img) || int(n) > len(pages)*BlockSize {
		return errno.EIO
	}
	img := d.img[sector*512 : sector*512+uint64(n)]
	for _, pg := range pages {
		img = img[copy(d.pages.Page(pg), img):]
	}
	d.reads++
	return 0
}

func (d *memDisk) Write(sector uint64, pages []uintptr, n uint32) errno.Errno {
	if d.broken || int(sector)*512+int(n) > len(d.img) || int(n) > len(pages)*BlockSize {
		return errno.EIO
	}
	img := d.img[sector*512 : sector*512+uint64(n)]
	for _, pg := range pages {
		img = img[copy(img, d.pages.Page(pg)):]
	}
	d.writes++
	return 0
}

func (d *memDisk) Flush() errno.Errno {
	if d.broken {
		return errno.EIO
	}
	d.flushes++
	return 0
}

// fakePages hands out pages from Go memory, at most limit (0: no
// limit); page numbers start at 1. holds counts the holders of a page
// beyond the first (share takes one, as a mapping does); a freed page
// is nil.
type fakePages struct {
	pages [][]byte
	limit int
	holds map[uintptr]int
}

func (p *fakePages) Alloc() (uintptr, bool) {
	if p.limit > 0 && len(p.pages) == p.limit {
		return 0, false
	}
	p.pages = append(p.pages, make([]byte, BlockSize))
	return uintptr(len(p.pages)), true
}

func (p *fakePages) share(pg uintptr) {
	if p.holds == nil {
		p.holds = map[uintptr]int{}
	}
	p.holds[pg]++
}

func (p *fakePages) FreeFrame(pg uintptr) {
	if p.holds[pg] > 0 {
		p.holds[pg]--
		return
	}
	p.pages[pg-1] = nil
}

func (p *fakePages) Shared(pg uintptr) bool { return p.holds[pg] > 0 }

func (p *fakePages) Page(pg uintptr) []byte { return p.pages[pg-1] }

// clock ticks one second each time it is read, from 2024-01-02.
type clock struct{ t int64 }

func (c *clock) now() int64 { c.t += 1e9; return c.t }

// format makes a FAT32 volume of size bytes with spc sectors per
// cluster, as mkfs.fat lays one out: 32 reserved sectors (boot sector,
// FSInfo), two FATs, the root directory in cluster 2.
func format(size int, spc int) []byte {
	img := make([]byte, size)
	total := size / 512
	const reserved = 32
	fatSize := 1
	for (total-reserved-2*fatSize)/spc+2 > fatSize*128 {
		fatSize++
	}
	b := img[:512]
	copy(b, []byte{0xEB, 0x58, 0x90})
	copy(b[3:], "MSWIN4.1")
	put16(b, 11, 512)
	b[13] = byte(spc)
	put16(b, 14, reserved)
	b[16] = 2
	b[21] = 0xF8
	put32(b, 32, uint32(total))
	put32(b, 36, uint32(fatSize))
	put32(b, 44, 2)
	put16(b, 48, 1)
	put16(b, 50, 6)
	b[66] = 0x29
	copy(b[71:], "NO NAME    FAT32   ")
	b[510], b[511] = 0x55, 0xAA
	fsi := img[512:1024]
	put32(fsi, 0, 0x41615252)
	put32(fsi, 484, 0x61417272)
	put32(fsi, 488, 0xFFFFFFFF)
	put32(fsi, 492, 3)
	put32(fsi, 508, 0xAA550000)
	for n := 0; n < 2; n++ {
		fat := img[(reserved+n*fatSize)*512:]
		put32(fat, 0, 0x0FFFFFF8)
		put32(fat, 4, 0x0FFFFFFF)
		put32(fat, 8, 0x0FFFFFFF)
	}
	return img
}

// mount mounts img; the test fails when it cannot.
func mount(t testing.TB, img []byte) (*FS, *memDisk) {
	t.Helper()
	pages := &fakePages{}
	d := &memDisk{img: img, pages: pages}
	fs := &FS{}
	c := &clock{t: 1704153600e9}
	if why := fs.Mount(d, pages, int64(len(img)), false, c.now); why != "" {
		t.Fatalf("Mount: %s", why)
	}
	return fs, d
}

func open(t testing.TB, fs *FS, rel string, flags uint32) vfs.File {
	t.Helper()
	n, err := fs.Lookup([]byte(rel))
	if err == errno.ENOENT && flags&vfs.Creat != 0 {
		n, err = fs.Create([]byte(rel), false)
	}
	if err != 0 {
		t.Fatalf("open %q: %v", rel, err)
	}
	f, err := fs.Open(n, flags)
	if err != 0 {
		t.Fatalf("open %q: %v", rel, err)
	}
	return f
}

func closeFile(f vfs.File) {
	if f.Desc().Free() {
		return
	}
	f.Release()
	*f.Desc() = vfs.Base{}
}

func writeFile(t testing.TB, fs *FS, rel string, data []byte) {
	t.Helper()
	f := open(t, fs, rel, vfs.ReadWrite|vfs.Creat|vfs.Trunc)
	defer closeFile(f)
	if n, err := f.Write(data); err != 0 || n != len(data) {
		t.Fatalf("write %q: %d, %v", rel, n, err)
	}
}

func readFile(t testing.TB, fs *FS, rel string) []byte {
	t.Helper()
	f := open(t, fs, rel, vfs.ReadOnly)
	defer closeFile(f)
	size, _ := f.Size()
	b := make([]byte, size+10)
	n, err := f.Read(b)
	if err != 0 {
		t.Fatalf("read %q: %v", rel, err)
	}
	return b[:n]
}

func list(t testing.TB, fs *FS, rel string) []string {
	t.Helper()
	f := open(t, fs, rel, vfs.ReadOnly)
	defer closeFile(f)
	var names []string
	var d vfs.Dirent
	for pos := int64(0); ; pos = d.Next {
		ok, err := f.ReadDir(pos, &d)
		if err != 0 {
			t.Fatalf("readdir %q: %v", rel, err)
		}
		if !ok {
			return names
		}
		names = append(names, string(d.Name))
	}
}

package fatfs

import (
	"bytes"
	"testing"

	"github.com/gobare/gobare/kernel/vfs"
)

// FuzzParseBPB: any boot sector parses without a panic, and what it
// accepts lies within the device, with cluster numbers the FAT can hold.
func FuzzParseBPB(f *testing.F) {
	f.Add(format(1<<20, 1)[:512], int64(1<<20))
	f.Add(format(8<<20, 8)[:512], int64(8<<20))
	f.Fuzz(func(t *testing.T, b []byte, size int64) {
		g, why := ParseBPB(b, size)
		if why != "" {
			return
		}
		switch {
		case g.Size > size || g.DataStart >= g.Size:
			t.Fatalf("volume of %d bytes, data at %d, on a device of %d", g.Size, g.DataStart, size)
		case g.ClusterOffset(g.Clusters+1)+int64(g.ClusterSize) > g.Size:
			t.Fatalf("the last cluster ends past the volume: %+v", g)
		case int64(g.Clusters+2)*4 > g.FATSize:
			t.Fatalf("the FAT cannot hold %d clusters: %+v", g.Clusters, g)
		case !g.ValidCluster(g.RootCluster):
			t.Fatalf("root cluster %d", g.RootCluster)
		}
	})
}

// fuzzMeta is how much of a volume's start a fuzz input replaces: the
// boot sector, the FATs and the first clusters (the root directory).
const fuzzMeta = 96 << 10

// FuzzVolume: a volume whose boot sector, FATs and directories are
// damaged in any way mounts or refuses to, and then every operation
// answers — data or an error — without a panic or a hang.
func FuzzVolume(f *testing.F) {
	seed := format(1<<20, 1)
	fs, _ := mount(f, seed)
	fs.Create([]byte("dir"), true)
	writeFile(f, fs, "dir/a file with a long name.txt", bytes.Repeat([]byte("x"), 3000))
	writeFile(f, fs, "SHORT.TXT", []byte("short"))
	fs.Sync()
	f.Add(seed[:fuzzMeta])
	f.Fuzz(func(t *testing.T, meta []byte) { exercise(meta) })
}

// exercise mounts a volume whose start is meta and runs every kind of
// operation on it.
func exercise(meta []byte) {
	{
		img := format(1<<20, 1)
		copy(img, meta)
		pages := &fakePages{limit: 16} // a small cache: blocks are evicted and read again
		fs := &FS{}
		if fs.Mount(&memDisk{img: img, pages: pages}, pages, int64(len(img)), false, (&clock{t: 1e18}).now) != "" {
			return
		}
		pages.limit += 4 // frames for the page cache (mapped pages)
		var buf [256]byte
		for _, dir := range []string{"", "dir"} {
			n, err := fs.Lookup([]byte(dir))
			if err != 0 {
				continue
			}
			d, err := fs.Open(n, vfs.ReadOnly)
			if err != 0 {
				continue
			}
			var e vfs.Dirent
			for pos, k := int64(0), 0; k < 100; k++ {
				ok, err := d.ReadDir(pos, &e)
				if !ok || err != 0 {
					break
				}
				pos = e.Next
				if n, err := fs.Lookup(append([]byte(dir + "/")[:len(dir)+min(len(dir), 1)], e.Name...)); err == 0 {
					if f, err := fs.Open(n, vfs.ReadWrite); err == 0 {
						f.ReadAt(buf[:], 0)
						f.MapFrame(0, true) // a page cached and dirty: read, write, truncate and close use it
						f.WriteAt(buf[:], 5000)
						f.Truncate(100)
						closeFile(f)
					}
				}
			}
			d.Path(buf[:])
			closeFile(d)
		}
		fs.Create([]byte("dir/new file"), false)
		fs.Create([]byte("newdir"), true)
		fs.Rename([]byte("SHORT.TXT"), []byte("dir/moved"))
		fs.Rename([]byte("dir"), []byte("newdir/dir"))
		fs.Unlink([]byte("dir/a file with a long name.txt"), false)
		fs.Unlink([]byte("newdir"), true)
		fs.Sync()
	}
}

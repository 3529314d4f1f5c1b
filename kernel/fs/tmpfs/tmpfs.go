// Package tmpfs owns a small writable file system in RAM, mounted at /tmp,
// where os.TempDir and t.TempDir put their files. Each file or directory is
// a node named by its full path below the mount; a file's data lives in
// pages from a page allocator (the kernel's frame allocator), at most
// MaxPages of them.
package tmpfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// Limits of this small file system.
const (
	MaxNodes = 512
	MaxPath  = 192
	MaxPages = 64 // 256 KiB per file
	PageSize = 4096
)

// Pages gives and takes the pages file data lives in (*mem.FrameAllocator;
// a slice-backed fake in host tests).
type Pages interface {
	Alloc() (uintptr, bool)
	FreeFrame(page uintptr)
	Page(page uintptr) []byte
}

// node is a file, directory or symbolic link (whose target is its data).
type node struct {
	used    bool
	dir     bool
	link    bool
	path    [MaxPath]byte // relative to the mount; "" for the root
	pathLen int
	size    int64
	mtime   int64
	pages   [MaxPages]uintptr // 0 where nothing was written yet
}

func (n *node) name() []byte { return n.path[:n.pathLen] }

// FS is the file system; nodes[0] is its root.
type FS struct {
	pages Pages
	now   func() int64 // seconds since 1970, for mtime
	nodes [MaxNodes]node
}

// Init empties the file system, with the root directory.
func (fs *FS) Init(pages Pages, now func() int64) {
	fs.pages, fs.now = pages, now
	for i := range fs.nodes {
		fs.remove(i)
	}
	fs.nodes[0] = node{used: true, dir: true, mtime: now()}
}

// lookup returns the index of the node at rel, or -1.
func (fs *FS) lookup(rel []byte) int {
	for i := range fs.nodes {
		if fs.nodes[i].used && string(fs.nodes[i].name()) == string(rel) {
			return i
		}
	}
	return -1
}

func (fs *FS) Lookup(rel []byte) (vfs.Node, errno.Errno) {
	i := fs.lookup(rel)
	if i < 0 {
		return vfs.Node{}, errno.ENOENT
	}
	n := vfs.Node{ID: int64(i), Mode: fs.mode(i)}
	if fs.nodes[i].link {
		n.Link = fs.linkTarget(&fs.nodes[i])
	}
	return n, 0
}

func (fs *FS) mode(i int) uint32 {
	switch {
	case fs.nodes[i].dir:
		return vfs.ModeDir | 0o755
	case fs.nodes[i].link:
		return vfs.ModeSymlink | 0o777
	}
	return vfs.ModeRegular | 0o644
}

func (fs *FS) Stat(n vfs.Node, st *vfs.Stat) errno.Errno {
	i := int(n.ID)
	nd := &fs.nodes[i]
	*st = vfs.Stat{Ino: uint64(1<<20 + i), Mode: fs.mode(i), Nlink: 1, Size: nd.size, Mtime: nd.mtime}
	return 0
}

// create makes a node at rel, whose parent must be a directory here.
func (fs *FS) create(rel []byte, dir bool) (int, errno.Errno) {
	if len(rel) > MaxPath {
		return -1, errno.ENAMETOOLONG
	}
	p := fs.lookup(vfs.RelDir(rel))
	if p < 0 {
		return -1, errno.ENOENT
	}
	if !fs.nodes[p].dir {
		return -1, errno.ENOTDIR
	}
	for i := range fs.nodes {
		if !fs.nodes[i].used {
			fs.nodes[i] = node{used: true, dir: dir, mtime: fs.now()}
			fs.nodes[i].pathLen = copy(fs.nodes[i].path[:], rel)
			return i, 0
		}
	}
	return -1, errno.ENOSPC
}

func (fs *FS) Create(rel []byte, dir bool) (vfs.Node, errno.Errno) {
	i, err := fs.create(rel, dir)
	if err != 0 {
		return vfs.Node{}, err
	}
	return vfs.Node{ID: int64(i), Mode: fs.mode(i)}, 0
}

func (fs *FS) ReadOnly() bool { return false }

// Symlink keeps the target in the link's first page.
func (fs *FS) Symlink(rel, target []byte) errno.Errno {
	if len(target) == 0 || len(target) > PageSize {
		return errno.ENOENT
	}
	i, err := fs.create(rel, false)
	if err != 0 {
		return err
	}
	page, ok := fs.pages.Alloc()
	if !ok {
		fs.remove(i)
		return errno.ENOSPC
	}
	n := &fs.nodes[i]
	n.link = true
	n.pages[0] = page
	n.size = int64(copy(fs.pages.Page(page), target))
	return 0
}

func (fs *FS) linkTarget(n *node) []byte {
	if n.pages[0] == 0 {
		return nil
	}
	return fs.pages.Page(n.pages[0])[:n.size]
}

// truncate frees the pages beyond size bytes and sets the size.
func (fs *FS) truncate(n *node, size int64) {
	for pg := (size + PageSize - 1) / PageSize; pg < MaxPages; pg++ {
		if n.pages[pg] != 0 {
			fs.pages.FreeFrame(n.pages[pg])
			n.pages[pg] = 0
		}
	}
	if size < n.size && size%PageSize != 0 && n.pages[size/PageSize] != 0 {
		clear(fs.pages.Page(n.pages[size/PageSize])[size%PageSize:])
	}
	n.size = size
}

// remove deletes a node: its pages go back to the allocator.
func (fs *FS) remove(i int) {
	if fs.nodes[i].used {
		fs.truncate(&fs.nodes[i], 0)
	}
	fs.nodes[i] = node{}
}

// hasChildren reports whether directory node i is not empty.
func (fs *FS) hasChildren(i int) bool {
	dir := fs.nodes[i].name()
	for j := range fs.nodes {
		if fs.nodes[j].used && j != i && string(vfs.RelDir(fs.nodes[j].name())) == string(dir) {
			return true
		}
	}
	return false
}

func (fs *FS) Unlink(rel []byte, dir bool) errno.Errno {
	i := fs.lookup(rel)
	switch {
	case i < 0:
		return errno.ENOENT
	case i == 0:
		return errno.EBUSY // the mount point
	case fs.nodes[i].dir != dir && dir:
		return errno.ENOTDIR
	case fs.nodes[i].dir != dir:
		return errno.EISDIR
	case dir && fs.hasChildren(i):
		return errno.ENOTEMPTY
	}
	fs.remove(i)
	return 0
}

// Rename renames the node and everything below it (paths are full names).
// An existing target is replaced, unless it is a non-empty directory.
func (fs *FS) Rename(from, to []byte) errno.Errno {
	src := fs.lookup(from)
	if src < 0 {
		return errno.ENOENT
	}
	if len(to) > MaxPath {
		return errno.ENAMETOOLONG
	}
	if dst := fs.lookup(to); dst >= 0 {
		if dst == src {
			return 0
		}
		if fs.nodes[dst].dir && fs.hasChildren(dst) {
			return errno.ENOTEMPTY
		}
		fs.remove(dst)
	} else if p := fs.lookup(vfs.RelDir(to)); p < 0 || !fs.nodes[p].dir {
		return errno.ENOENT
	}
	var old [MaxPath]byte
	oldLen := copy(old[:], fs.nodes[src].name())
	for j := range fs.nodes {
		n := &fs.nodes[j]
		name := n.name()
		if !n.used || len(name) < oldLen || string(name[:oldLen]) != string(old[:oldLen]) ||
			len(name) > oldLen && name[oldLen] != '/' {
			continue
		}
		var tail [MaxPath]byte
		tl := copy(tail[:], name[oldLen:])
		if len(to)+tl > MaxPath {
			return errno.ENAMETOOLONG
		}
		n.pathLen = copy(n.path[:], to)
		n.pathLen += copy(n.path[n.pathLen:], tail[:tl])
	}
	return 0
}

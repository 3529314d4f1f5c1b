package vfs

import "github.com/gobare/gobare/kernel/errno"

// FS is a mounted file system. Paths it sees are relative to its root,
// clean, with no leading slash ("" is the root itself).
type FS interface {
	// Lookup finds what rel names (a symbolic link is not followed).
	Lookup(rel []byte) (Node, errno.Errno)
	// Open opens a node Lookup returned, with open(2)'s flags.
	Open(n Node, flags uint32) (File, errno.Errno)
	// Stat describes a node.
	Stat(n Node, st *Stat) errno.Errno
	// Create makes a regular file or (dir) a directory at rel; ENOENT
	// when its parent does not exist here, EROFS on a read-only FS.
	Create(rel []byte, dir bool) (Node, errno.Errno)
	// Symlink makes a symbolic link at rel pointing to target.
	Symlink(rel, target []byte) errno.Errno
	// Unlink removes a file, or (dir) an empty directory.
	Unlink(rel []byte, dir bool) errno.Errno
	// Rename moves from to to within this file system, replacing what to
	// names in one step.
	Rename(from, to []byte) errno.Errno
	// Link makes to a second name (a hard link) of the file from names.
	Link(from, to []byte) errno.Errno
	// SetAttr changes a node's permission bits or times.
	SetAttr(n Node, a Attr) errno.Errno
	// ReadOnly reports whether every change is refused with EROFS.
	ReadOnly() bool
}

// Node is what a path names in one file system: the file system's own
// handle for it, its type, and a symbolic link's target.
type Node struct {
	ID   int64
	Mode uint32 // type and permission bits
	Link []byte // the target, for a symbolic link
}

// IsDir and IsSymlink report the node's type.
func (n Node) IsDir() bool     { return n.Mode&ModeType == ModeDir }
func (n Node) IsSymlink() bool { return n.Mode&ModeType == ModeSymlink }

// mount is one entry of the mount table: a file system at an absolute
// path. When below is set, a name missing from this file system is looked
// up in the mount underneath (the archive's files under /tmp show through
// the tmpfs there).
type mount struct {
	path  [maxMountPath]byte
	plen  int
	fs    FS
	below bool
}

func (m *mount) Path() []byte { return m.path[:m.plen] }

// maxMountPath bounds a mount point's path (Mount refuses longer ones).
const maxMountPath = 1024

// maxMounts bounds the mount table.
const maxMounts = 16

var (
	mounts  [maxMounts]mount
	nmounts int
)

// Mount attaches fs at the clean absolute path at; below as in mount.
func Mount(at []byte, fs FS, below bool) bool {
	if nmounts == maxMounts {
		return false
	}
	m := &mounts[nmounts]
	p, ok := Clean(m.path[:], nil, at)
	if !ok {
		return false
	}
	m.plen, m.fs, m.below = len(p), fs, below
	nmounts++
	return true
}

// Unmount removes every mount (host tests start over with it).
func Unmount() { nmounts = 0 }

// covering returns the index of the mount with the longest path at or
// above abs, below index limit (so that a lookup can fall through), and
// abs relative to it; -1 if none covers abs.
func covering(abs []byte, limit int) (int, []byte) {
	best, bestLen := -1, -1
	var rel []byte
	for i := 0; i < nmounts; i++ {
		m := &mounts[i]
		r, inside, _ := Relative(abs, m.Path())
		if inside && m.plen > bestLen && (limit < 0 || m.plen < limit) {
			best, bestLen, rel = i, m.plen, r
		}
	}
	return best, rel
}

// isAbove reports whether abs is a directory on the way to some mount
// point (such as "/" when the archive is mounted at "/work") that no mount
// covers: such a directory exists and lists the next element.
func isAbove(abs []byte) bool {
	for i := 0; i < nmounts; i++ {
		if _, _, above := Relative(abs, mounts[i].Path()); above {
			return true
		}
	}
	return false
}

// Unchangeable answers every change with EROFS; embed it in a file system
// whose names cannot be made, removed or renamed.
type Unchangeable struct{}

func (*Unchangeable) Create([]byte, bool) (Node, errno.Errno) { return Node{}, errno.EROFS }
func (*Unchangeable) Symlink(_, _ []byte) errno.Errno         { return errno.EROFS }
func (*Unchangeable) Unlink([]byte, bool) errno.Errno         { return errno.EROFS }
func (*Unchangeable) Rename(_, _ []byte) errno.Errno          { return errno.EROFS }
func (*Unchangeable) Link(_, _ []byte) errno.Errno            { return errno.EROFS }
func (*Unchangeable) SetAttr(Node, Attr) errno.Errno          { return errno.EROFS }

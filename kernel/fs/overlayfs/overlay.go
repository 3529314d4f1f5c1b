// Package overlayfs owns the writable view of the packed files: a file
// system made of a read-only lower layer (the archive, kernel/fs/cpiofs)
// and a writable upper layer (a tmpfs in RAM), as Linux's overlayfs makes
// one. A name is looked up in the upper layer first, then in the lower.
// Writing to a lower file copies it up first (its data, permission bits
// and times); making a name copies up the directories above it; removing
// or renaming away a lower name leaves a whiteout (a character device
// 0/0) in the upper layer that hides it; a directory made where a lower
// one was removed is opaque (the lower one's entries stay hidden).
// Listing a directory merges both layers. The lower layer never changes.
//
// Like overlayfs without redirect_dir, renaming a directory that exists
// in the lower layer fails with EXDEV (callers copy it themselves), and a
// description opened read-only before its file was copied up keeps
// reading the lower layer's data.
package overlayfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/tmpfs"
	"github.com/gobare/gobare/kernel/vfs"
)

// FS is an overlay of Upper on Lower.
type FS struct {
	Lower vfs.FS
	Upper *tmpfs.FS

	// The name the last Lookup found in the lower layer, and its node:
	// the VFS opens (or changes) a node right after looking it up, and a
	// lower node must be copied up by name.
	last    [vfs.MaxPath]byte
	lastLen int
	lastID  int64
}

// lowerTag sets the lower layer's node IDs apart from the upper layer's
// inode numbers: a lower node's ID is lowerTag + 1 + its ID in Lower
// (whose root may be -1).
const lowerTag = int64(1) << 48

func isLower(n vfs.Node) bool { return n.ID >= lowerTag }

func toLower(n vfs.Node) vfs.Node {
	n.ID -= lowerTag + 1
	return n
}

func fromLower(n vfs.Node) vfs.Node {
	n.ID += lowerTag + 1
	return n
}

// Init gives the upper layer's root the lower root's permission bits and
// times (the root is the one directory never copied up).
func (fs *FS) Init() {
	root, _ := fs.Upper.Lookup(nil)
	var st vfs.Stat
	if ln, err := vfs.LookupIn(fs.Lower, nil); err == 0 && vfs.StatIn(fs.Lower, ln, &st) == 0 {
		t := vfs.Time{Sec: st.Mtime, Nsec: st.MtimeNsec}
		fs.Upper.SetAttr(root, vfs.Attr{Set: vfs.SetMode | vfs.SetAtime | vfs.SetMtime, Mode: st.Mode, Atime: t, Mtime: t})
	}
}

func isWhiteout(n vfs.Node) bool { return n.Mode == tmpfs.WhiteoutMode }

func (fs *FS) ReadOnly() bool { return false }

// Lookup finds rel in the upper layer, else — unless the upper layer hides
// it — in the lower.
func (fs *FS) Lookup(rel []byte) (vfs.Node, errno.Errno) {
	hidden, err := fs.shadow(rel)
	if err != 0 {
		return vfs.Node{}, err
	}
	n, err := fs.Upper.Lookup(rel)
	switch {
	case err == 0 && isWhiteout(n):
		return vfs.Node{}, errno.ENOENT
	case err == 0:
		return n, 0
	case err != errno.ENOENT:
		return vfs.Node{}, err
	case hidden:
		return vfs.Node{}, errno.ENOENT
	}
	n, err = vfs.LookupIn(fs.Lower, rel)
	if err != 0 {
		return vfs.Node{}, err
	}
	fs.lastLen = copy(fs.last[:], rel)
	fs.lastID = fromLower(n).ID
	return fromLower(n), 0
}

// shadow reports how the upper layer hides what is below rel's
// directories: a whiteout or a non-directory on the way (ENOENT,
// ENOTDIR), or an opaque directory (hidden: the lower layer's rel does
// not show).
func (fs *FS) shadow(rel []byte) (hidden bool, err errno.Errno) {
	for i := 0; i < len(rel); i++ {
		if rel[i] != '/' {
			continue
		}
		n, uerr := fs.Upper.Lookup(rel[:i])
		switch {
		case uerr != 0:
			return hidden, 0 // nothing deeper in the upper layer
		case isWhiteout(n):
			return hidden, errno.ENOENT
		case !n.IsDir():
			return hidden, errno.ENOTDIR
		case fs.Upper.Opaque(n):
			hidden = true
		}
	}
	return hidden, 0
}

// inLower reports whether the lower layer's rel shows through (and so
// needs a whiteout when the name goes).
func (fs *FS) inLower(rel []byte) bool {
	if hidden, err := fs.shadow(rel); hidden || err != 0 {
		return false
	}
	_, err := vfs.LookupIn(fs.Lower, rel)
	return err == 0
}

func (fs *FS) Stat(n vfs.Node, st *vfs.Stat) errno.Errno {
	if isLower(n) {
		return vfs.StatIn(fs.Lower, toLower(n), st)
	}
	return fs.Upper.Stat(n, st)
}

// Open opens an upper node, or a lower one: as it is to read, copied up
// first to write.
func (fs *FS) Open(n vfs.Node, flags uint32) (vfs.File, errno.Errno) {
	if !isLower(n) {
		if n.IsDir() {
			return fs.openDir(n, flags)
		}
		return fs.Upper.Open(n, flags)
	}
	if flags&vfs.AccMode == vfs.ReadOnly && flags&vfs.Trunc == 0 {
		return vfs.OpenIn(fs.Lower, toLower(n), flags)
	}
	un, err := fs.copyUpLast(n)
	if err != 0 {
		return nil, err
	}
	return fs.Upper.Open(un, flags)
}

// SetAttr changes an upper node, copying a lower one up first.
func (fs *FS) SetAttr(n vfs.Node, a vfs.Attr) errno.Errno {
	if isLower(n) {
		un, err := fs.copyUpLast(n)
		if err != 0 {
			return err
		}
		n = un
	}
	return fs.Upper.SetAttr(n, a)
}

// copyUpLast copies up the lower node the last Lookup found.
func (fs *FS) copyUpLast(n vfs.Node) (vfs.Node, errno.Errno) {
	if n.ID != fs.lastID {
		return vfs.Node{}, errno.EIO // not what the VFS just looked up
	}
	var buf [vfs.MaxPath]byte
	return fs.copyUp(buf[:copy(buf[:], fs.last[:fs.lastLen])])
}

package overlayfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/tmpfs"
	"github.com/gobare/gobare/kernel/vfs"
)

// The changes: each makes sure the upper layer holds what it changes
// (copy-up), changes it there, and hides what the lower layer still has
// under a name that went (a whiteout).

// copyUp makes rel, which the overlay shows, an upper node: the lower
// layer's directory, symbolic link or file (with its data), with its
// permission bits and times; the directories above it first.
func (fs *FS) copyUp(rel []byte) (vfs.Node, errno.Errno) {
	n, err := fs.Lookup(rel)
	if err != 0 || !isLower(n) {
		return n, err
	}
	if err := fs.copyUpParents(rel); err != 0 {
		return vfs.Node{}, err
	}
	ln := toLower(n)
	var st vfs.Stat
	vfs.StatIn(fs.Lower, ln, &st)
	var un vfs.Node
	switch {
	case ln.IsDir():
		un, err = fs.Upper.Create(rel, true)
	case ln.IsSymlink():
		if err = fs.Upper.Symlink(rel, ln.Link); err == 0 {
			un, err = fs.Upper.Lookup(rel)
		}
	default:
		un, err = fs.copyData(rel, ln)
	}
	if err != 0 {
		return vfs.Node{}, err
	}
	fs.Upper.SetAttr(un, vfs.Attr{Set: vfs.SetMode | vfs.SetAtime | vfs.SetMtime, Mode: st.Mode,
		Atime: vfs.Time{Sec: st.Mtime, Nsec: st.MtimeNsec}, Mtime: vfs.Time{Sec: st.Mtime, Nsec: st.MtimeNsec}})
	return un, 0
}

// copyUpParents copies up the directories above rel.
func (fs *FS) copyUpParents(rel []byte) errno.Errno {
	for i := 0; i < len(rel); i++ {
		if rel[i] == '/' {
			if _, err := fs.copyUp(rel[:i]); err != 0 {
				return err
			}
		}
	}
	return 0
}

// copyData makes an upper file at rel with the lower file's data.
func (fs *FS) copyData(rel []byte, ln vfs.Node) (vfs.Node, errno.Errno) {
	un, err := fs.Upper.Create(rel, false)
	if err != 0 {
		return un, err
	}
	src, err := vfs.OpenIn(fs.Lower, ln, vfs.ReadOnly)
	if err != 0 {
		fs.Upper.Unlink(rel, false)
		return vfs.Node{}, err
	}
	dst, err := fs.Upper.Open(un, vfs.WriteOnly)
	if err != 0 {
		vfs.Put(src)
		fs.Upper.Unlink(rel, false)
		return vfs.Node{}, err
	}
	err = copyFile(dst, src)
	vfs.Put(src)
	vfs.Put(dst)
	if err != 0 {
		fs.Upper.Unlink(rel, false)
		return vfs.Node{}, err
	}
	return un, 0
}

// copyFile copies src's bytes into dst, a page at a time.
func copyFile(dst, src vfs.File) errno.Errno {
	var buf [tmpfs.PageSize]byte
	for off := int64(0); ; {
		n, err := vfs.ReadAt(src, buf[:], off)
		if err != 0 || n == 0 {
			return err
		}
		if _, err := vfs.WriteAt(dst, buf[:n], off); err != 0 {
			return err
		}
		off += int64(n)
	}
}

// dropWhiteout removes a whiteout at rel and reports whether there was
// one.
func (fs *FS) dropWhiteout(rel []byte) bool {
	if n, err := fs.Upper.Lookup(rel); err == 0 && isWhiteout(n) {
		fs.Upper.Unlink(rel, false)
		return true
	}
	return false
}

// whiteout hides the lower layer's rel.
func (fs *FS) whiteout(rel []byte) errno.Errno {
	if err := fs.copyUpParents(rel); err != 0 {
		return err
	}
	_, err := fs.Upper.CreateNode(rel, tmpfs.WhiteoutMode)
	return err
}

// prepare readies the upper layer for a new name rel: its directories
// copied up, a whiteout there removed (reported: a directory made there
// must be opaque).
func (fs *FS) prepare(rel []byte) (bool, errno.Errno) {
	if _, err := fs.Lookup(rel); err == 0 {
		return false, errno.EEXIST
	}
	if err := fs.copyUpParents(rel); err != 0 {
		return false, err
	}
	return fs.dropWhiteout(rel), 0
}

func (fs *FS) Create(rel []byte, dir bool) (vfs.Node, errno.Errno) {
	wasWhiteout, err := fs.prepare(rel)
	if err != 0 {
		return vfs.Node{}, err
	}
	n, err := fs.Upper.Create(rel, dir)
	if err == 0 && dir && wasWhiteout {
		fs.Upper.SetOpaque(n)
	}
	return n, err
}

func (fs *FS) Symlink(rel, target []byte) errno.Errno {
	if _, err := fs.prepare(rel); err != 0 {
		return err
	}
	return fs.Upper.Symlink(rel, target)
}

func (fs *FS) Link(from, to []byte) errno.Errno {
	n, err := fs.Lookup(from)
	switch {
	case err != 0:
		return err
	case n.IsDir():
		return errno.EPERM
	}
	if _, err := fs.copyUp(from); err != 0 {
		return err
	}
	if _, err := fs.prepare(to); err != 0 {
		return err
	}
	return fs.Upper.Link(from, to)
}

// Unlink removes rel from the upper layer and hides the lower layer's.
func (fs *FS) Unlink(rel []byte, dir bool) errno.Errno {
	if len(rel) == 0 {
		return errno.EBUSY
	}
	n, err := fs.Lookup(rel)
	switch {
	case err != 0:
		return err
	case n.IsDir() && !dir:
		return errno.EISDIR
	case !n.IsDir() && dir:
		return errno.ENOTDIR
	case dir && !fs.empty(rel, n):
		return errno.ENOTEMPTY
	}
	lower := fs.inLower(rel)
	if !isLower(n) {
		if dir {
			fs.Upper.ClearWhiteouts(n)
		}
		if err := fs.Upper.Unlink(rel, dir); err != 0 {
			return err
		}
	}
	if lower {
		return fs.whiteout(rel)
	}
	return 0
}

// empty reports whether the directory rel (node n) shows no entries:
// its upper directory holds only whiteouts, and each lower entry is one
// of them.
func (fs *FS) empty(rel []byte, n vfs.Node) bool {
	if !isLower(n) {
		if !fs.Upper.OnlyWhiteouts(n) {
			return false
		}
		if fs.Upper.Opaque(n) {
			return true
		}
	}
	if !fs.inLower(rel) {
		return true
	}
	ln, _ := vfs.LookupIn(fs.Lower, rel)
	d, err := vfs.OpenIn(fs.Lower, ln, vfs.ReadOnly)
	if err != 0 {
		return false
	}
	all := fs.allInUpper(rel, d)
	vfs.Put(d)
	return all
}

// allInUpper reports whether the upper layer names (or whites out) every
// entry of the lower directory d, at rel.
func (fs *FS) allInUpper(rel []byte, d vfs.File) bool {
	var e vfs.Dirent
	for pos := int64(0); ; pos = e.Next {
		ok, err := vfs.ReadDir(d, pos, &e)
		if err != 0 || !ok {
			return err == 0
		}
		if !fs.inUpper(rel, e.Name) {
			return false
		}
	}
}

// inUpper reports whether the upper layer has dir/name (a whiteout
// counts).
func (fs *FS) inUpper(dir, name []byte) bool {
	var buf [vfs.MaxPath]byte
	n := copy(buf[:], dir)
	if n > 0 && n < len(buf) {
		buf[n] = '/'
		n++
	}
	if n+len(name) > len(buf) {
		return false
	}
	n += copy(buf[n:], name)
	_, err := fs.Upper.Lookup(buf[:n])
	return err == 0
}

// Rename moves from to to in the upper layer (copying from up first) and
// hides the lower layer's from. A directory the lower layer has cannot
// move (EXDEV).
func (fs *FS) Rename(from, to []byte) errno.Errno {
	if len(from) == 0 || len(to) == 0 {
		return errno.EBUSY
	}
	fn, err := fs.Lookup(from)
	if err != 0 {
		return err
	}
	tn, terr := fs.Lookup(to)
	switch {
	case terr != 0 && terr != errno.ENOENT:
		return terr
	case terr == 0 && tn.ID == fn.ID:
		return 0
	case terr == 0 && fn.IsDir() && !tn.IsDir():
		return errno.ENOTDIR
	case terr == 0 && !fn.IsDir() && tn.IsDir():
		return errno.EISDIR
	case terr == 0 && tn.IsDir() && !fs.empty(to, tn):
		return errno.ENOTEMPTY
	case fn.IsDir() && fs.inLower(from):
		return errno.EXDEV
	}
	fromLower, toLower := fs.inLower(from), fs.inLower(to)
	if _, err := fs.copyUp(from); err != 0 {
		return err
	}
	if err := fs.copyUpParents(to); err != 0 {
		return err
	}
	fs.dropWhiteout(to)
	if un, err := fs.Upper.Lookup(to); err == 0 && un.IsDir() {
		fs.Upper.ClearWhiteouts(un)
	}
	if err := fs.Upper.Rename(from, to); err != 0 {
		return err
	}
	if un, err := fs.Upper.Lookup(to); err == 0 && un.IsDir() && toLower {
		fs.Upper.SetOpaque(un)
	}
	if fromLower {
		return fs.whiteout(from)
	}
	return 0
}

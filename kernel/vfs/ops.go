package vfs

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/errno"
)

// The path operations of the system calls that take names: they resolve
// the name, then ask the file system that holds it.

// Open flags the path walk itself looks at (uapi fcntl.h).
const (
	Creat     = 0o100
	Excl      = 0o200
	Trunc     = 0o1000
	Directory = 0o200000
	Nofollow  = 0o400000
)

// Open opens path (relative to dir, nil for the working directory) with
// open(2)'s flags, creating a regular file with O_CREAT (rw-r--r--).
func Open(dir, path []byte, flags uint32) (File, errno.Errno) {
	return OpenPerm(dir, path, flags, 0o644)
}

// OpenPerm is Open with the permission bits a created file gets (the
// caller has applied the umask).
func OpenPerm(dir, path []byte, flags, perm uint32) (File, errno.Errno) {
	var buf [MaxPath]byte
	excl := flags&(Creat|Excl) == Creat|Excl // a final symbolic link is not followed
	found, err := Resolve(dir, path, &buf, flags&Nofollow == 0 && !excl)
	switch {
	case err == errno.ENOENT && flags&Creat != 0:
		found.Mount, found.Rel = placeNew(found.Abs, found.Mount, found.Rel)
		found.Node, err = create(&found, false, perm)
		if err != 0 {
			return nil, err
		}
	case err != 0:
		return nil, err
	case flags&(Creat|Excl) == Creat|Excl:
		return nil, errno.EEXIST
	}
	if found.Above {
		if flags&AccMode != ReadOnly || flags&Creat != 0 {
			return nil, errno.EROFS
		}
		return openAbove(found.Abs, flags)
	}
	switch {
	case found.Node.IsDir() && flags&AccMode != ReadOnly:
		return nil, errno.EISDIR
	case !found.Node.IsDir() && flags&Directory != 0:
		return nil, errno.ENOTDIR
	case found.Node.IsSymlink():
		return nil, errno.ELOOP // O_NOFOLLOW on a link
	}
	f, err := found.FS().Open(hideNode(found.Node), flags)
	if err != 0 {
		return nil, err
	}
	f.Desc().mount = found.Mount
	return f, 0
}

// create makes a file or directory where found says the name would be.
// A file system that has no parent directory for it answers ENOENT; if the
// parent is in a file system below (the archive's directories under /tmp),
// the answer is EROFS: that directory cannot be written.
func create(found *Found, dir bool, perm uint32) (Node, errno.Errno) {
	fs := found.FS()
	if fs == nil {
		return Node{}, errno.EROFS
	}
	n, err := fs.Create(hide(found.Rel), dir)
	if err != 0 {
		return n, belowReadOnly(found, err)
	}
	if err := fs.SetAttr(hideNode(n), Attr{Set: SetMode, Mode: perm}); err == 0 {
		n.Mode = n.Mode&ModeType | perm&ModePerm
	}
	return n, 0
}

// placeNew moves a name that does not exist yet to the mount that holds
// its parent directory: a new name belongs where its directory is. A name
// under /tmp falls through to the mount below when the tmpfs does not
// have it, and that mount may be writable (the overlay mkimage exec puts
// over a package directory that lies under /tmp) or not (the archive:
// its file system then answers EROFS).
//
// It takes and returns the fields rather than a *Found: storing into a
// Found through a pointer would make escape analysis move the caller's
// path buffer to the heap.
func placeNew(abs []byte, mount int, rel []byte) (int, []byte) {
	p, err := lookupAbs(Parent(abs))
	if err != 0 || !p.Node.IsDir() || p.Mount < 0 || p.Mount == mount {
		return mount, rel
	}
	if r, inside, _ := Relative(abs, mounts[p.Mount].Path()); inside {
		return p.Mount, r
	}
	return mount, rel
}

// belowReadOnly turns a file system's ENOENT for a new name into EROFS
// when the name's parent directory exists in a read-only mount below.
func belowReadOnly(found *Found, err errno.Errno) errno.Errno {
	if err == errno.ENOENT {
		if p, perr := lookupAbs(Parent(found.Abs)); perr == 0 && p.Node.IsDir() {
			return errno.EROFS
		}
	}
	return err
}

// newName resolves a path that must not exist yet (mkdir, symlink).
func newName(dir, path []byte, buf *[MaxPath]byte) (Found, errno.Errno) {
	found, err := Resolve(dir, path, buf, false)
	switch {
	case err == 0:
		return found, errno.EEXIST
	case err != errno.ENOENT:
		return found, err
	}
	found.Mount, found.Rel = placeNew(found.Abs, found.Mount, found.Rel)
	return found, 0
}

// Mkdir makes a directory with permission bits perm.
func Mkdir(dir, path []byte, perm uint32) errno.Errno {
	var buf [MaxPath]byte
	found, err := newName(dir, path, &buf)
	if err != 0 {
		return err
	}
	_, err = create(&found, true, perm)
	return err
}

// Symlink makes a symbolic link at path pointing to target.
func Symlink(target, dir, path []byte) errno.Errno {
	var buf [MaxPath]byte
	found, err := newName(dir, path, &buf)
	switch {
	case err != 0:
		return err
	case found.FS() == nil:
		return errno.EROFS
	}
	return belowReadOnly(&found, found.FS().Symlink(hide(found.Rel), hide(target)))
}

// Unlink removes a file, or (dir) an empty directory.
func Unlink(dir, path []byte, rmdir bool) errno.Errno {
	var buf [MaxPath]byte
	found, err := Resolve(dir, path, &buf, false)
	last := lastName(path)
	switch {
	case err != 0:
		return err
	case rmdir && string(last) == ".":
		return errno.EINVAL
	case rmdir && string(last) == "..":
		return errno.ENOTEMPTY
	case found.Above || len(found.Rel) == 0:
		return errno.EBUSY // a mount point or a directory above one
	case found.Node.IsDir() && !rmdir:
		return errno.EISDIR
	case !found.Node.IsDir() && rmdir:
		return errno.ENOTDIR
	}
	return found.FS().Unlink(hide(found.Rel), rmdir)
}

// Rename moves oldpath to newpath, within one file system (EXDEV across).
func Rename(olddir, oldpath, newdir, newpath []byte) errno.Errno {
	var obuf, nbuf [MaxPath]byte
	if endsAsDot(oldpath) || endsAsDot(newpath) {
		return errno.EBUSY
	}
	from, err := Resolve(olddir, oldpath, &obuf, false)
	if err != 0 {
		return err
	}
	to, err := Resolve(newdir, newpath, &nbuf, false)
	if err == errno.ENOENT {
		to.Mount, to.Rel = placeNew(to.Abs, to.Mount, to.Rel)
	}
	switch {
	case err != 0 && err != errno.ENOENT:
		return err
	case from.Above || to.Above || len(from.Rel) == 0:
		return errno.EBUSY
	case from.Mount != to.Mount:
		return errno.EXDEV
	}
	return belowReadOnly(&to, from.FS().Rename(hide(from.Rel), hide(to.Rel)))
}

// lastName returns path's last element, trailing slashes aside.
func lastName(path []byte) []byte {
	for len(path) > 1 && path[len(path)-1] == '/' {
		path = path[:len(path)-1]
	}
	return LastElem(path)
}

// endsAsDot reports whether path's last element is "." or "..".
func endsAsDot(path []byte) bool {
	last := lastName(path)
	return string(last) == "." || string(last) == ".."
}

// Link makes newpath a hard link to what oldpath names (following a final
// symbolic link when follow is set, AT_SYMLINK_FOLLOW), within one file
// system.
func Link(olddir, oldpath, newdir, newpath []byte, follow bool) errno.Errno {
	var obuf, nbuf [MaxPath]byte
	from, err := Resolve(olddir, oldpath, &obuf, follow)
	if err != 0 {
		return err
	}
	to, err := newName(newdir, newpath, &nbuf)
	switch {
	case err != 0:
		return err
	case from.Above || from.Node.IsDir():
		return errno.EPERM
	case to.Mount < 0:
		return errno.EROFS
	case from.Mount != to.Mount:
		return errno.EXDEV
	}
	return belowReadOnly(&to, from.FS().Link(hide(from.Rel), hide(to.Rel)))
}

// Truncate sets the length of the regular file path names (truncate),
// through a description opened for writing and dropped again.
func Truncate(dir, path []byte, size int64) errno.Errno {
	if size < 0 {
		return errno.EINVAL
	}
	f, err := Open(dir, path, WriteOnly)
	if err != 0 {
		return err
	}
	err = f.Truncate(size)
	Put(f)
	return err
}

// SetAttrPath changes the permission bits or times of what path names
// (chmod, utimensat), following a final symbolic link when follow is set.
func SetAttrPath(dir, path []byte, follow bool, a Attr) errno.Errno {
	var buf [MaxPath]byte
	found, err := Resolve(dir, path, &buf, follow)
	switch {
	case err != 0:
		return err
	case found.Above:
		return errno.EROFS
	}
	return found.FS().SetAttr(hideNode(found.Node), a)
}

// Stat describes what path names (following a final symbolic link when
// follow is set).
func StatPath(dir, path []byte, follow bool, st *Stat) errno.Errno {
	var buf [MaxPath]byte
	found, err := Resolve(dir, path, &buf, follow)
	if err != 0 {
		return err
	}
	if found.Above {
		*st = Stat{Mode: ModeDir | 0o755, Nlink: 2}
		return 0
	}
	return found.FS().Stat(hideNode(found.Node), (*Stat)(noescape(unsafe.Pointer(st))))
}

// Readlink returns a symbolic link's target; EINVAL for anything else.
func Readlink(dir, path []byte) ([]byte, errno.Errno) {
	var buf [MaxPath]byte
	found, err := Resolve(dir, path, &buf, false)
	switch {
	case err != 0:
		return nil, err
	case !found.Node.IsSymlink():
		return nil, errno.EINVAL
	}
	return hide(found.Node.Link), 0 // the file system's memory, not buf
}

// Access checks that path exists and, for W_OK (2), that its file system
// can be written (there are no permission checks: the program is root).
func Access(dir, path []byte, mode uint32) errno.Errno {
	var buf [MaxPath]byte
	found, err := Resolve(dir, path, &buf, true)
	if err != 0 {
		return err
	}
	if mode&2 != 0 && !writable(&found) {
		return errno.EROFS
	}
	return 0
}

// writable reports whether the node's file system can change it.
func writable(found *Found) bool {
	fs := found.FS()
	return fs != nil && !found.Above && !fs.ReadOnly()
}

// Chdir makes path the working directory.
func Chdir(path []byte) errno.Errno {
	var buf [MaxPath]byte
	found, err := Resolve(nil, path, &buf, true)
	if err != 0 {
		return err
	}
	if !found.Node.IsDir() {
		return errno.ENOTDIR
	}
	SetCwd(found.Abs)
	return 0
}

// FilePath writes the absolute path of an open directory into buf.
func FilePath(f File, buf *[MaxPath]byte) ([]byte, errno.Errno) {
	var rel [MaxPath]byte
	r, err := PathOf(f, rel[:])
	if err != 0 {
		return nil, err
	}
	m := f.Desc().mount
	if m < 0 || m >= nmounts {
		return r, 0 // a directory above the mounts knows its absolute path
	}
	p, ok := Clean(buf[:], mounts[m].Path(), r)
	if !ok {
		return nil, errno.ENAMETOOLONG
	}
	return p, 0
}

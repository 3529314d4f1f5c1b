package vfs

import "github.com/gobare/gobare/kernel/errno"

// The path walk: from a program's path to a Node in a mounted file system,
// following symbolic links (at most maxSymlinks, else ELOOP).

// maxSymlinks bounds how many symbolic links one lookup follows.
const maxSymlinks = 8

// Found is a resolved path. With ENOENT, Mount and Rel say where the name
// would be created.
type Found struct {
	Node  Node
	Abs   []byte // the clean absolute path (in the caller's buffer)
	Mount int    // index in the mount table; -1 for none
	Rel   []byte // Abs relative to the mount
	Above bool   // a directory on the way to a mount point
}

// FS returns the file system f is in, or nil.
func (f *Found) FS() FS {
	if f.Mount < 0 {
		return nil
	}
	return mounts[f.Mount].fs
}

// The working directory.
var (
	cwd    = [MaxPath]byte{'/'}
	cwdLen = 1
)

// Cwd returns the working directory.
func Cwd() []byte { return cwd[:cwdLen] }

// SetCwd sets the working directory to the clean absolute path p.
func SetCwd(p []byte) { cwdLen = copy(cwd[:], p) }

// Resolve cleans path relative to dir (an absolute path; the working
// directory when nil) into buf and finds what it names, following a
// symbolic link at the end when follow is set.
func Resolve(dir, path []byte, buf *[MaxPath]byte, follow bool) (Found, errno.Errno) {
	if len(path) == 0 {
		return Found{Mount: -1}, errno.ENOENT
	}
	if dir == nil {
		dir = Cwd()
	}
	abs, ok := Clean(buf[:], dir, path)
	if !ok {
		return Found{Mount: -1}, errno.ENAMETOOLONG
	}
	mustDir := endsAsDir(path)
	if mustDir {
		follow = true // "link/" names what the link points to
	}
	f, err := resolve(abs, buf, follow)
	if err == 0 && mustDir && !f.Above && !f.Node.IsDir() {
		return f, errno.ENOTDIR // "file/", "file/."
	}
	return f, err
}

// endsAsDir reports whether path can only name a directory: it ends with
// a slash, "." or "..".
func endsAsDir(path []byte) bool {
	last := LastElem(path)
	return path[len(path)-1] == '/' || string(last) == "." || string(last) == ".."
}

// LastElem returns the last element of path as written ("" after a
// trailing slash).
func LastElem(path []byte) []byte {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[i+1:]
		}
	}
	return path
}

// resolve is Resolve after cleaning: it follows symbolic links in the
// middle of abs and, when follow is set, at its end.
func resolve(abs []byte, buf *[MaxPath]byte, follow bool) (Found, errno.Errno) {
	for links := 0; ; links++ {
		// A symbolic link in the middle of the path: replace that prefix
		// by the link's target and start over.
		if i, target := linkPrefix(abs); i > 0 {
			if links == maxSymlinks {
				return Found{Mount: -1}, errno.ELOOP
			}
			var t, joined [MaxPath]byte
			tp, ok := Clean(t[:], abs[:max(lastSlash(abs[:i]), 1)], target)
			if !ok || len(tp)+len(abs)-i > len(joined) {
				return Found{Mount: -1}, errno.ENAMETOOLONG
			}
			k := copy(joined[:], tp)
			k += copy(joined[k:], abs[i:])
			abs = buf[:copy(buf[:], joined[:k])]
			continue
		}
		f, err := lookupAbs(abs)
		if err != 0 || !follow || !f.Node.IsSymlink() {
			return f, err
		}
		if links == maxSymlinks {
			return Found{Mount: -1}, errno.ELOOP
		}
		// The link's target, relative to the directory holding the link.
		var tmp [MaxPath]byte
		target, ok := Clean(tmp[:], abs[:max(lastSlash(abs), 1)], f.Node.Link)
		if !ok {
			return Found{Mount: -1}, errno.ENAMETOOLONG
		}
		abs = buf[:copy(buf[:], target)]
	}
}

// linkPrefix returns the length of the shortest proper prefix of abs
// (ending before a '/') that names a symbolic link, and the link's
// target; 0 if there is none.
func linkPrefix(abs []byte) (int, []byte) {
	for i := 1; i < len(abs); i++ {
		if abs[i] == '/' {
			if f, err := lookupAbs(abs[:i]); err == 0 && f.Node.IsSymlink() {
				return i, f.Node.Link
			}
		}
	}
	return 0, nil
}

func lastSlash(p []byte) int {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return i
		}
	}
	return 0
}

// Parent returns the directory part of a clean absolute path.
func Parent(abs []byte) []byte { return abs[:max(lastSlash(abs), 1)] }

// lookupAbs finds what a clean absolute path names: in the mount covering
// it, or — when that mount lets names fall through — in the ones below.
func lookupAbs(abs []byte) (Found, errno.Errno) {
	top := Found{Abs: abs, Mount: -1}
	limit := -1
	for {
		i, rel := covering(abs, limit)
		if i < 0 {
			if top.Mount < 0 && isAbove(abs) {
				return Found{Abs: abs, Mount: -1, Above: true, Node: Node{Mode: ModeDir | 0o755}}, 0
			}
			return top, errno.ENOENT
		}
		if top.Mount < 0 {
			top.Mount, top.Rel = i, rel
		}
		n, err := mounts[i].fs.Lookup(hide(rel))
		if err == 0 {
			return Found{Node: n, Abs: abs, Mount: i, Rel: rel}, 0
		}
		if err != errno.ENOENT || !mounts[i].below {
			return top, err
		}
		limit = mounts[i].plen
	}
}

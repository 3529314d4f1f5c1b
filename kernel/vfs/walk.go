package vfs

import "github.com/gobare/gobare/kernel/errno"

// The path walk: from a program's path to a Node in a mounted file system,
// following symbolic links (at most maxSymlinks, else ELOOP).

// maxSymlinks bounds how many symbolic links one lookup follows (Linux's
// MAXSYMLINKS).
const maxSymlinks = 40

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

// Resolve finds what path names, relative to dir (an absolute, clean
// path; the working directory when nil), element by element as Linux
// walks it: a symbolic link met on the way is replaced by its target
// before the walk goes on, so ".." after it leaves the target's directory,
// not the link's; a final link is followed when follow is set. The clean
// absolute path of what it found goes into buf (Found.Abs).
func Resolve(dir, path []byte, buf *[MaxPath]byte, follow bool) (Found, errno.Errno) {
	if len(path) == 0 {
		return Found{Mount: -1}, errno.ENOENT
	}
	if dir == nil {
		dir = Cwd()
	}
	var rest [MaxPath]byte // what is left to walk
	r := rest[:copy(rest[:], path)]
	n := 1
	buf[0] = '/'
	if path[0] != '/' {
		n = copy(buf[:], dir)
	}
	mustDir := endsAsDir(path)
	follow = follow || mustDir // "link/" names what the link points to
	for links := 0; ; {
		var elem []byte
		elem, r = nextElem(r)
		switch {
		case len(elem) == 0:
			return found(buf[:n], mustDir)
		case string(elem) == ".":
			continue
		case string(elem) == "..":
			n = len(Parent(buf[:n]))
			continue
		}
		var ok bool
		if n, ok = pushElem(buf, n, elem); !ok {
			return Found{Mount: -1}, errno.ENAMETOOLONG
		}
		last := !hasElem(r)
		if last && !follow {
			return found(buf[:n], mustDir)
		}
		f, err := lookupAbs(buf[:n])
		switch {
		case err != 0 && last:
			return f, err
		case err != 0:
			return lexical(buf, n, r) // where a create would put it
		case f.Node.IsSymlink():
			if links++; links > maxSymlinks {
				return Found{Mount: -1}, errno.ELOOP
			}
			mustDir = mustDir || last && endsAsDir(f.Node.Link)
			if r, ok = joinRest(&rest, f.Node.Link, r); !ok {
				return Found{Mount: -1}, errno.ENAMETOOLONG
			}
			n = len(Parent(buf[:n])) // the target is relative to the link's directory
			if f.Node.Link[0] == '/' {
				n = 1
			}
		case !last && !f.Above && !f.Node.IsDir():
			return Found{Mount: -1}, errno.ENOTDIR
		}
	}
}

// found looks up the walked path abs; ENOTDIR when only a directory would
// do.
func found(abs []byte, mustDir bool) (Found, errno.Errno) {
	f, err := lookupAbs(abs)
	if err == 0 && mustDir && !f.Above && !f.Node.IsDir() {
		return f, errno.ENOTDIR // "file/", "file/."
	}
	return f, err
}

// lexical looks up the walked prefix buf[:n] with the rest r appended as
// written: the answer (ENOENT, ENOTDIR) for a path whose directory is
// missing, with where the file system would create it.
func lexical(buf *[MaxPath]byte, n int, r []byte) (Found, errno.Errno) {
	for len(r) > 0 && r[0] == '/' {
		r = r[1:] // relative to buf[:n]
	}
	abs, ok := Clean(buf[:], buf[:n], r)
	if !ok {
		return Found{Mount: -1}, errno.ENAMETOOLONG
	}
	return lookupAbs(abs)
}

// nextElem returns the first element of p and what follows it.
func nextElem(p []byte) (elem, rest []byte) {
	i := 0
	for i < len(p) && p[i] == '/' {
		i++
	}
	j := i
	for j < len(p) && p[j] != '/' {
		j++
	}
	return p[i:j], p[j:]
}

// hasElem reports whether p holds an element other than ".".
func hasElem(p []byte) bool {
	for len(p) > 0 {
		var e []byte
		e, p = nextElem(p)
		if len(e) > 0 && string(e) != "." {
			return true
		}
	}
	return false
}

// pushElem appends elem to the absolute path buf[:n].
func pushElem(buf *[MaxPath]byte, n int, elem []byte) (int, bool) {
	if n > 1 {
		if n == len(buf) {
			return n, false
		}
		buf[n] = '/'
		n++
	}
	if n+len(elem) > len(buf) {
		return n, false
	}
	return n + copy(buf[n:], elem), true
}

// joinRest makes a link's target followed by the rest r the new rest.
func joinRest(rest *[MaxPath]byte, target, r []byte) ([]byte, bool) {
	var joined [MaxPath]byte
	if len(target)+1+len(r) > len(joined) {
		return nil, false
	}
	k := copy(joined[:], target)
	joined[k] = '/'
	k++
	k += copy(joined[k:], r)
	return rest[:copy(rest[:], joined[:k])], true
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

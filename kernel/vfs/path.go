package vfs

// MaxPath is the longest path the kernel handles (Linux's PATH_MAX).
const MaxPath = 4096

// Clean writes the absolute, cleaned form of path into dst: relative
// paths start from dir (an absolute, clean path); "." and empty elements
// go, ".." removes the previous element (never above "/"). It returns the
// used part of dst, or ok=false if dst is too small.
func Clean(dst []byte, dir, path []byte) ([]byte, bool) {
	n := 0
	push := func(b byte) bool {
		if n == len(dst) {
			return false
		}
		dst[n] = b
		n++
		return true
	}
	if len(path) == 0 || path[0] != '/' {
		for i := 0; i < len(dir); i++ {
			if !push(dir[i]) {
				return nil, false
			}
		}
	}
	if n == 0 && !push('/') {
		return nil, false
	}
	for i := 0; i < len(path); {
		j := i
		for j < len(path) && path[j] != '/' {
			j++
		}
		elem := path[i:j]
		i = j + 1
		switch string(elem) {
		case "", ".":
			continue
		case "..":
			for n > 1 && dst[n-1] != '/' {
				n--
			}
			if n > 1 {
				n-- // the slash before the removed element
			}
			continue
		}
		if dst[n-1] != '/' && !push('/') {
			return nil, false
		}
		for k := 0; k < len(elem); k++ {
			if !push(elem[k]) {
				return nil, false
			}
		}
	}
	return dst[:n], true
}

// Relative returns abs (clean) relative to the mount point (clean,
// absolute): inside=true and the relative name when abs is at or below
// mount; above=true when abs is a directory on the way to mount (such as
// "/" for mount "/work"), which the kernel shows as an empty directory.
func Relative(abs, mount []byte) (rel []byte, inside, above bool) {
	if string(mount) == "/" {
		return abs[1:], true, false
	}
	if len(abs) >= len(mount) && string(abs[:len(mount)]) == string(mount) {
		if len(abs) == len(mount) {
			return abs[:0], true, false
		}
		if abs[len(mount)] == '/' {
			return abs[len(mount)+1:], true, false
		}
	}
	if string(abs) == "/" || (len(mount) > len(abs) && string(mount[:len(abs)]) == string(abs) && mount[len(abs)] == '/') {
		return nil, false, true
	}
	return nil, false, false
}

// RelDir returns the directory part of a relative name ("" at the top).
func RelDir(name []byte) []byte {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			return name[:i]
		}
	}
	return name[:0]
}

// RelBase returns the last element of a relative name.
func RelBase(name []byte) []byte {
	d := RelDir(name)
	if len(d) == 0 {
		return name
	}
	return name[len(d)+1:]
}

// Package cpiofs owns the read-only file system mkimage packs: a cpio
// archive (the "newc" format that mkimage writes with u-root's pkg/cpio),
// parsed in place (archive.go) and served as a vfs.FS (fs.go). It keeps no
// index: every lookup scans the archive's headers, which is simple and, for
// the few thousand files of a test directory, fast enough. Everything is
// pure computation on byte slices, tested and fuzzed on the host.
package cpiofs

import "github.com/gobare/gobare/kernel/vfs"

// The newc header: the magic "070701", then 13 fields of 8 hexadecimal
// digits (cpio(5), "New ASCII Format"): ino, mode, uid, gid, nlink, mtime,
// filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check.
const (
	headerSize = 110
	fieldIno   = 6
	fieldMode  = 14
	fieldNlink = 38
	fieldMtime = 46
	fieldSize  = 54
	fieldName  = 94
	trailer    = "TRAILER!!!"
)

// File type bits of a mode (Linux uapi stat.h).
const (
	ModeType    = 0o170000
	ModeDir     = 0o040000
	ModeRegular = 0o100000
	ModeSymlink = 0o120000
)

// Entry is one archive member. Name and Data are sub-slices of the archive.
type Entry struct {
	Name  []byte // relative to the archive's root, without "./" or "/" around it
	Mode  uint32
	Ino   uint64
	Nlink uint32
	Mtime uint64
	Data  []byte // file contents, or a symbolic link's target
	Off   int    // where the entry's header starts: its identity
}

// IsDir reports whether the entry is a directory.
func (e *Entry) IsDir() bool { return e.Mode&ModeType == ModeDir }

// Err says why an archive is unusable.
type Err uint8

const (
	ErrNone      Err = iota
	ErrMagic         // a header does not start with 070701
	ErrTruncated     // a header, name or data runs past the end
	ErrHex           // a header field is not hexadecimal
	ErrNoTrailer     // the archive ends without the TRAILER!!! entry
)

func (e Err) String() string {
	switch e {
	case ErrNone:
		return "ok"
	case ErrMagic:
		return "not a cpio newc archive (bad magic)"
	case ErrTruncated:
		return "truncated cpio archive"
	case ErrHex:
		return "corrupt cpio header"
	}
	return "cpio archive without a trailer"
}

// Next parses the entry whose header starts at off. It returns the entry,
// the offset of the next header, and done=true at the trailer.
func Next(a []byte, off int) (e Entry, next int, done bool, err Err) {
	if off < 0 || off > len(a) || len(a)-off < headerSize {
		return e, 0, false, ErrTruncated
	}
	h := a[off : off+headerSize]
	if string(h[:6]) != "070701" {
		return e, 0, false, ErrMagic
	}
	var f [13]uint64
	for i := range f {
		v, ok := hex8(h[6+8*i : 14+8*i])
		if !ok {
			return e, 0, false, ErrHex
		}
		f[i] = v
	}
	nameSize, size := f[11], f[6]
	nameOff := off + headerSize
	if nameSize == 0 || nameSize > uint64(len(a)-nameOff) {
		return e, 0, false, ErrTruncated
	}
	dataOff := align4(nameOff + int(nameSize))
	if dataOff > len(a) || size > uint64(len(a)-dataOff) {
		return e, 0, false, ErrTruncated
	}
	name := a[nameOff : nameOff+int(nameSize)-1] // without the NUL
	if string(name) == trailer {
		return e, 0, true, ErrNone
	}
	e = Entry{Name: trimName(name), Mode: uint32(f[1]), Ino: f[0], Nlink: uint32(f[4]), Mtime: f[5],
		Data: a[dataOff : dataOff+int(size)], Off: off}
	return e, align4(dataOff + int(size)), false, ErrNone
}

// Check walks the whole archive once and reports the first problem.
func Check(a []byte) Err {
	for off := 0; ; {
		_, next, done, err := Next(a, off)
		if err != ErrNone || done {
			return err
		}
		off = next
	}
}

// Lookup finds the entry named rel (a cleaned relative path, "" for the
// root).
func Lookup(a []byte, rel []byte) (Entry, bool) {
	for off := 0; ; {
		e, next, done, err := Next(a, off)
		if err != ErrNone || done {
			return Entry{}, false
		}
		if string(e.Name) == string(rel) {
			return e, true
		}
		off = next
	}
}

// At returns the entry whose header is at off.
func At(a []byte, off int) (Entry, bool) {
	e, _, done, err := Next(a, off)
	return e, err == ErrNone && !done
}

// NextChild returns the first entry at or after header offset off whose
// parent directory is dir, and the offset to continue from.
func NextChild(a []byte, dir []byte, off int) (Entry, int, bool) {
	for {
		e, next, done, err := Next(a, off)
		if err != ErrNone || done {
			return Entry{}, off, false
		}
		if len(e.Name) > 0 && string(vfs.RelDir(e.Name)) == string(dir) {
			return e, next, true
		}
		off = next
	}
}

// trimName removes a leading "./" or "/" and a trailing "/"; "." becomes "".
func trimName(n []byte) []byte {
	for len(n) > 0 && (n[0] == '/' || (n[0] == '.' && (len(n) == 1 || n[1] == '/'))) {
		n = n[1:]
	}
	for len(n) > 0 && n[len(n)-1] == '/' {
		n = n[:len(n)-1]
	}
	return n
}

func align4(n int) int { return (n + 3) &^ 3 }

func hex8(b []byte) (uint64, bool) {
	var v uint64
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | uint64(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

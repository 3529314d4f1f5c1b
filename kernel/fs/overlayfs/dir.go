package overlayfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/tmpfs"
	"github.com/gobare/gobare/kernel/vfs"
)

// dirFile is an open directory of the upper layer, listed merged with the
// lower layer's directory of the same name: first the upper entries
// (whiteouts left out), then the lower entries the upper layer does not
// name. Positions below lowerTag are the upper directory's, the others
// lowerTag plus the lower directory's.
type dirFile struct {
	vfs.Base
	fs    *FS
	upper vfs.File
	lower vfs.File // nil when no lower directory shows through
}

// dirs are the open directories, in pages from vfs.UsePages.
var dirs vfs.Pool[dirFile]

// openDir opens upper directory n with the lower directory it covers.
func (fs *FS) openDir(n vfs.Node, flags uint32) (vfs.File, errno.Errno) {
	d, err := vfs.TakeFree(&dirs)
	if err != 0 {
		return nil, err
	}
	upper, err := fs.Upper.Open(n, flags)
	if err != 0 {
		return nil, err
	}
	d.Base.Open(flags)
	d.fs, d.upper, d.lower = fs, upper, nil
	var buf [vfs.MaxPath]byte
	rel, err := fs.Upper.NodePath(n, buf[:])
	if err == 0 && !fs.Upper.Opaque(n) && fs.inLower(rel) {
		if ln, lerr := vfs.LookupIn(fs.Lower, rel); lerr == 0 && ln.IsDir() {
			d.lower, _ = vfs.OpenIn(fs.Lower, ln, vfs.ReadOnly)
		}
	}
	return d, 0
}

func (d *dirFile) Release() {
	vfs.Put(d.upper)
	if d.lower != nil {
		vfs.Put(d.lower)
	}
}

func (d *dirFile) Stat(st *vfs.Stat) errno.Errno         { return vfs.StatFile(d.upper, st) }
func (d *dirFile) SetAttr(a vfs.Attr) errno.Errno        { return d.upper.SetAttr(a) }
func (d *dirFile) Size() (int64, bool)                   { return 0, true }
func (d *dirFile) Path(buf []byte) ([]byte, errno.Errno) { return vfs.PathOf(d.upper, buf) }

// ReadDir returns the merged entry at pos.
func (d *dirFile) ReadDir(pos int64, e *vfs.Dirent) (bool, errno.Errno) {
	for pos < lowerTag {
		ok, err := vfs.ReadDir(d.upper, pos, e)
		switch {
		case err != 0:
			return false, err
		case !ok:
			pos = lowerTag
		case e.Mode == tmpfs.WhiteoutMode:
			pos = e.Next
		default:
			return true, 0
		}
	}
	if d.lower == nil {
		return false, 0
	}
	var buf [vfs.MaxPath]byte
	rel, err := vfs.PathOf(d.upper, buf[:])
	if err != 0 {
		return false, err
	}
	for {
		ok, err := vfs.ReadDir(d.lower, pos-lowerTag, e)
		if err != 0 || !ok {
			return false, err
		}
		e.Next += lowerTag
		if !d.fs.inUpper(rel, e.Name) {
			return true, 0
		}
		pos = e.Next
	}
}

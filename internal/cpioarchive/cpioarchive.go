// Package cpioarchive packs host directories into the cpio "newc" archive
// that a gobare image carries as its read-only file system
// (image.Program.Files). It writes with u-root's pkg/cpio.
//
// The archive's layout, which the kernel (kernel/fs) reads:
//
//   - the first record is the root directory, named ".";
//   - every other name is relative to that root, with "/" separators and no
//     leading "./" or "/" (for example "testdata/input.txt");
//   - a directory comes before everything inside it, and the members of a
//     directory are in lexical order (filepath.WalkDir's order);
//   - regular files keep their permission bits, size and modification time;
//     symbolic links are kept as links (the target is the record's data);
//     sockets, FIFOs and device files are left out;
//   - every record has its own inode number (from 1, the root) and hard
//     links become independent copies, so no record ever has empty data
//     standing for another's; UID and GID are 0;
//   - the archive ends with the TRAILER!!! record.
//
// The kernel mounts the root at an absolute path given on its command line
// (the word mount=/path; mount=/ when absent).
package cpioarchive

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/u-root/u-root/pkg/cpio"
)

// DefaultLimit is the largest archive Pack makes unless told otherwise: the
// archive is loaded into the guest's RAM with the image, and the image must
// fit below 4 GiB.
const DefaultLimit = 256 << 20

// TooLargeError is returned when the files would make an archive over the
// limit.
type TooLargeError struct {
	Dir   string // the directory being packed
	Size  int64  // bytes counted so far (at least Limit+1)
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s: the files take more than %d MiB (at least %d MiB); the file system archive is limited to %d MiB",
		e.Dir, e.Limit>>20, (e.Size+(1<<20)-1)>>20, e.Limit>>20)
}

// Options tune Pack.
type Options struct {
	// Limit is the largest archive size in bytes; 0 means DefaultLimit,
	// a negative value means no limit.
	Limit int64
	// Skip, when not nil, is called with each path relative to the root
	// ("/"-separated) and its entry; returning true leaves it out (and, for
	// a directory, everything in it).
	Skip func(rel string, d fs.DirEntry) bool
}

// Pack walks dir and returns the archive of everything in it, with dir as
// the archive's root.
func Pack(dir string, opt Options) ([]byte, error) {
	b := NewBuilder(opt)
	if err := b.AddTree(dir, "."); err != nil {
		return nil, err
	}
	return b.Bytes()
}

// A Builder collects host files and trees, each at a chosen place in the
// archive, then writes the archive. Places are relative names ("." is the
// root); the directories above a place are added as needed (mode 0755,
// or the host directory's when AddTree is given it). A name added twice
// keeps its first record.
type Builder struct {
	opt     Options
	limit   int64
	members []member
	names   map[string]bool
	size    int64
	dir     string // for TooLargeError: the first tree added
}

type member struct {
	name string // in the archive
	path string // on the host; "" for a directory made up by the Builder
	info fs.FileInfo
}

// NewBuilder starts an archive; its root directory record comes first.
func NewBuilder(opt Options) *Builder {
	limit := opt.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	return &Builder{opt: opt, limit: limit, names: map[string]bool{}}
}

// add records one member, refusing to go over the limit.
func (b *Builder) add(m member) error {
	if b.names[m.name] {
		return nil
	}
	b.ensureParents(m.name)
	b.names[m.name] = true
	b.size += recordSize(m.name, m.info)
	if b.limit > 0 && b.size > b.limit {
		dir := b.dir
		if dir == "" {
			dir = m.path
		}
		return &TooLargeError{Dir: dir, Size: b.size, Limit: b.limit}
	}
	b.members = append(b.members, m)
	return nil
}

// ensureParents adds made-up directories for the names above name.
func (b *Builder) ensureParents(name string) {
	if name == "." {
		return
	}
	parent := path.Dir(name)
	if b.names[parent] {
		return
	}
	b.ensureParents(parent)
	b.names[parent] = true
	info := dirInfo{name: path.Base(parent)}
	b.size += recordSize(parent, info)
	b.members = append(b.members, member{name: parent, info: info})
}

// AddTree adds the host directory dir and everything in it at place at
// ("." for the archive's root). Symbolic links are kept as links;
// sockets, FIFOs and devices are left out; Options.Skip applies.
func (b *Builder) AddTree(dir, at string) error {
	at = cleanName(at)
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if b.dir == "" {
		b.dir = dir
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel != "." && b.opt.Skip != nil && b.opt.Skip(rel, d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if p == dir && !info.IsDir() { // dir named a link to a directory
			info = st
		}
		switch info.Mode().Type() {
		case 0, fs.ModeDir, fs.ModeSymlink:
		default:
			return nil // sockets, FIFOs, devices: not served
		}
		return b.add(member{name: cleanName(path.Join(at, rel)), path: p, info: info})
	})
}

// AddFile adds one host file (or symbolic link) at name.
func (b *Builder) AddFile(p, name string) error {
	info, err := os.Lstat(p)
	if err != nil {
		return err
	}
	switch info.Mode().Type() {
	case 0, fs.ModeSymlink:
	default:
		return fmt.Errorf("%s is not a regular file", p)
	}
	return b.add(member{name: cleanName(name), path: p, info: info})
}

// Size is the archive's size so far, without the trailer.
func (b *Builder) Size() int64 { return b.size }

// Bytes writes the archive.
func (b *Builder) Bytes() ([]byte, error) {
	b.ensureRoot()
	var buf bytes.Buffer
	buf.Grow(int(b.size) + 512)
	w := cpio.Newc.Writer(&buf)
	for i, m := range b.members {
		rec, err := record(m.path, m.name, m.info, uint64(i+1))
		if err != nil {
			return nil, err
		}
		if err := w.WriteRecord(rec); err != nil {
			return nil, fmt.Errorf("%s: %v", m.path, err)
		}
	}
	if err := cpio.WriteTrailer(w); err != nil {
		return nil, err
	}
	if b.limit > 0 && int64(buf.Len()) > b.limit {
		return nil, &TooLargeError{Dir: b.dir, Size: int64(buf.Len()), Limit: b.limit}
	}
	return buf.Bytes(), nil
}

// ensureRoot makes sure the root directory is the first record.
func (b *Builder) ensureRoot() {
	if len(b.members) > 0 && b.members[0].name == "." {
		return
	}
	for i, m := range b.members {
		if m.name == "." {
			copy(b.members[1:i+1], b.members[:i])
			b.members[0] = m
			return
		}
	}
	info := dirInfo{name: "."}
	b.names["."] = true
	b.members = append([]member{{name: ".", info: info}}, b.members...)
}

// cleanName turns a place into a clean relative name ("." for the root).
func cleanName(n string) string {
	n = path.Clean("/" + filepath.ToSlash(n))
	if n == "/" {
		return "."
	}
	return n[1:]
}

// dirInfo describes a directory the Builder makes up.
type dirInfo struct{ name string }

func (d dirInfo) Name() string       { return d.name }
func (d dirInfo) Size() int64        { return 0 }
func (d dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o755 }
func (d dirInfo) ModTime() time.Time { return time.Unix(0, 0) }
func (d dirInfo) IsDir() bool        { return true }
func (d dirInfo) Sys() any           { return nil }

// recordSize is the size of a newc record: the header and the name with
// its NUL padded to 4, then the data padded to 4.
func recordSize(rel string, info fs.FileInfo) int64 {
	n := int64(110 + len(rel) + 1)
	n = (n + 3) &^ 3
	if info.Mode().IsRegular() {
		n += (info.Size() + 3) &^ 3
	} else if info.Mode().Type() == fs.ModeSymlink {
		n += 4096 // at most PATH_MAX; counted generously
	}
	return n
}

// record makes the cpio record for one member.
func record(p, rel string, info fs.FileInfo, ino uint64) (cpio.Record, error) {
	if p == "" {
		p = rel
	}
	mtime := info.ModTime().Unix()
	if mtime < 0 {
		mtime = 0
	}
	ci := cpio.Info{
		Ino:   ino,
		Mode:  uint64(info.Mode().Perm()),
		NLink: 1,
		MTime: uint64(mtime),
		Name:  rel,
	}
	if info.Mode()&fs.ModeSetuid != 0 {
		ci.Mode |= 0o4000
	}
	if info.Mode()&fs.ModeSetgid != 0 {
		ci.Mode |= 0o2000
	}
	if info.Mode()&fs.ModeSticky != 0 {
		ci.Mode |= 0o1000
	}
	switch info.Mode().Type() {
	case fs.ModeDir:
		ci.Mode |= cpio.S_IFDIR
		ci.NLink = 2
		return cpio.Record{Info: ci}, nil
	case fs.ModeSymlink:
		target, err := os.Readlink(p)
		if err != nil {
			return cpio.Record{}, err
		}
		ci.Mode |= cpio.S_IFLNK
		return cpio.StaticRecord([]byte(target), ci), nil
	}
	ci.Mode |= cpio.S_IFREG
	if info.Size() > 0xffffffff {
		return cpio.Record{}, fmt.Errorf("%s: %d bytes: too big for a cpio newc archive", p, info.Size())
	}
	ci.FileSize = uint64(info.Size())
	return cpio.Record{Info: ci, ReaderAt: &lazyFile{path: p, size: info.Size()}}, nil
}

// lazyFile opens its file on the first read, so that packing a tree never
// holds more than one file open; the writer closes it after copying.
type lazyFile struct {
	path string
	size int64
	f    *os.File
}

func (l *lazyFile) ReadAt(b []byte, off int64) (int, error) {
	if l.f == nil {
		f, err := os.Open(l.path)
		if err != nil {
			return 0, err
		}
		l.f = f
	}
	if off >= l.size {
		return 0, io.EOF
	}
	if rest := l.size - off; int64(len(b)) > rest {
		b = b[:rest]
		n, err := l.f.ReadAt(b, off)
		if err == nil {
			err = io.EOF
		}
		return n, err
	}
	return l.f.ReadAt(b, off)
}

func (l *lazyFile) Close() error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Entry is one record as List reads it back (for tests and tools).
type Entry struct {
	Name string // relative name ("." for the root)
	Mode uint64 // Linux mode: type and permission bits
	Ino  uint64
	Data []byte // contents, or a link's target
}

// List reads an archive made by Pack (or any newc archive) back.
func List(archive []byte) ([]Entry, error) {
	rr := cpio.Newc.Reader(bytes.NewReader(archive))
	var out []Entry
	err := cpio.ForEachRecord(cpio.EOFReader{RecordReader: rr}, func(r cpio.Record) error {
		var data []byte
		if r.FileSize > 0 {
			data = make([]byte, r.FileSize)
			if _, err := r.ReadAt(data, 0); err != nil && err != io.EOF {
				return err
			}
		}
		out = append(out, Entry{Name: r.Name, Mode: r.Mode, Ino: r.Ino, Data: data})
		return nil
	})
	return out, err
}

// CheckMount checks a mount point given on the command line: an absolute,
// clean path without spaces (the kernel's command line splits words on
// spaces).
func CheckMount(m string) error {
	switch {
	case m == "":
		return fmt.Errorf("empty mount point")
	case !strings.HasPrefix(m, "/"):
		return fmt.Errorf("mount point %q is not an absolute path", m)
	case path.Clean(m) != m:
		return fmt.Errorf("mount point %q is not a clean path (want %q)", m, path.Clean(m))
	case strings.ContainsAny(m, " \t\n\x00"):
		return fmt.Errorf("mount point %q contains a space or control character", m)
	case len(m) >= 4096:
		return fmt.Errorf("mount point is longer than 4095 bytes")
	}
	return nil
}

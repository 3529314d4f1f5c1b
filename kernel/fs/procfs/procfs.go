// Package procfs owns the files through which the kernel describes the
// process and the machine, as Linux's /proc does: /proc/self (a symbolic
// link to /proc/1, the one process) with cmdline, environ, status, stat,
// maps, exe, cwd, root and fd/; /proc/cpuinfo, meminfo, stat, uptime,
// loadavg and version; and the program's own file (Bin, mounted at /bin),
// which /proc/self/exe points to, so that os.Executable names a file that
// opens.
//
// A generated file is written when it is opened, into pages from the
// kernel's frame allocator (Text), and read from there until it is closed:
// two reads of one open file see one snapshot, as with Linux's seq_file
// for small files. cmdline, environ and the program file need no copy:
// they are read straight from the bytes the kernel already has.
//
// What it reports comes from a Source the kernel fills in
// (kernel/program.go); the host tests give a fake one, so everything here
// runs on the host.
package procfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
	"github.com/gobare/gobare/kernel/vm"
)

// Pid is the process's ID (getpid answers 1: gobare's program is init).
const Pid = 1

// Source is what procfs reports on.
type Source struct {
	Args []byte // argv, each string NUL-terminated
	Env  []byte // the environment, each string NUL-terminated
	Name []byte // the program's name (argv[0] without its directory)
	Exe  []byte // the program file's absolute path: exe's target
	ELF  []byte // the program file's bytes, served by Bin

	FDs     *vfs.FDTable       // the descriptor table, for fd/
	Regions func() []vm.Region // the address space, for maps
	// Resident is the number of pages the program has touched (VmRSS).
	Resident func() int
	Threads  func() int   // threads alive
	Uptime   func() int64 // nanoseconds since boot
	// KernelTime is the nanoseconds CPU cpu spent in the kernel, all
	// CPUs' together when cpu < 0 (stat's system time; the rest of the
	// uptime counts as user time).
	KernelTime func(cpu int) int64
	CPUs       func() int   // the CPUs that run the program (cpuinfo, stat)
	BootTime   func() int64 // seconds since 1970 at boot (stat's btime)
	// Memory is the RAM the kernel manages and how much of it is free,
	// in bytes.
	Memory func() (total, free uint64)
	// CPUInfo writes the lines that describe a processor in
	// /proc/cpuinfo after its "processor : N" line (every CPU is the
	// same model).
	CPUInfo func(t *Text)
}

// FS is /proc.
type FS struct {
	vfs.Unchangeable
	Src   *Source
	Pages Pages
	// link holds the target of the last fd/N link looked up: the path
	// walk reads a node's Link before it looks up anything else in /proc.
	link [linkMax]byte
}

// linkMax bounds an fd/N link's target.
const linkMax = 256

// kind is what a name in /proc is.
type kind uint8

const (
	kDir kind = iota
	kLink
	kGen   // generated at open into a Text
	kBytes // served from a slice the kernel keeps (cmdline, environ)
	kFDDir // fd/: one link per open descriptor
)

// entry is one fixed name in /proc: its path relative to /proc, what it
// is, and how its contents are made.
type entry struct {
	name string
	kind kind
	gen  func(src *Source, t *Text)
}

// Node IDs: an index into entries, or fdNode+N for fd/N.
const fdNode = 1 << 20

// The names in /proc. A directory comes before what it holds.
var entries = [...]entry{
	{"", kDir, nil},
	{"self", kLink, nil},
	{"1", kDir, nil},
	{"1/cmdline", kBytes, nil},
	{"1/environ", kBytes, nil},
	{"1/status", kGen, genStatus},
	{"1/stat", kGen, genPidStat},
	{"1/maps", kGen, genMaps},
	{"1/exe", kLink, nil},
	{"1/cwd", kLink, nil},
	{"1/root", kLink, nil},
	{"1/fd", kFDDir, nil},
	{"cpuinfo", kGen, genCPUInfo},
	{"meminfo", kGen, genMeminfo},
	{"stat", kGen, genStat},
	{"uptime", kGen, genUptime},
	{"loadavg", kGen, genLoadavg},
	{"version", kGen, genVersion},
}

const (
	idSelf    = 1
	idCmdline = 3
	idEnviron = 4
	idExe     = 8
	idCwd     = 9
	idRoot    = 10
)

// file is an open /proc file or directory.
type file struct {
	vfs.Base
	fs   *FS
	id   int64
	text Text
	name [4]byte // the name of the fd/ link ReadDir returned last
}

// files is the pool of open /proc files, in pages from vfs.UsePages.
var files vfs.Pool[file]

func (fs *FS) Lookup(rel []byte) (vfs.Node, errno.Errno) {
	for i := range entries {
		if string(rel) == entries[i].name {
			return fs.node(int64(i)), 0
		}
	}
	// fd/N
	if len(rel) > 5 && string(rel[:5]) == "1/fd/" {
		if fd, ok := parseFD(rel[5:]); ok && fs.Src.FDs.Get(uintptr(fd)) != nil {
			return fs.node(fdNode + int64(fd)), 0
		}
	}
	return vfs.Node{}, errno.ENOENT
}

// node makes the Node for an ID, with a link's target.
func (fs *FS) node(id int64) vfs.Node {
	if id >= fdNode {
		return vfs.Node{ID: id, Mode: vfs.ModeSymlink | 0o700, Link: fs.fdTarget(int(id - fdNode))}
	}
	switch id {
	case idSelf:
		return vfs.Node{ID: id, Mode: vfs.ModeSymlink | 0o777, Link: vfs.NameBytes("1")}
	case idExe:
		return vfs.Node{ID: id, Mode: vfs.ModeSymlink | 0o777, Link: fs.Src.Exe}
	case idCwd:
		return vfs.Node{ID: id, Mode: vfs.ModeSymlink | 0o777, Link: vfs.Cwd()}
	case idRoot:
		return vfs.Node{ID: id, Mode: vfs.ModeSymlink | 0o777, Link: vfs.NameBytes("/")}
	}
	if k := entries[id].kind; k == kDir || k == kFDDir {
		return vfs.Node{ID: id, Mode: vfs.ModeDir | 0o555}
	}
	return vfs.Node{ID: id, Mode: vfs.ModeRegular | 0o444}
}

// parseFD parses a descriptor number.
func parseFD(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 4 || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n < vfs.MaxFDs
}

// fdTarget writes what fd/N points to into fs.link: a directory's path;
// for the rest, whose names the kernel does not keep, Linux's form for
// files without one ("pipe:[ino]") with the file's kind.
func (fs *FS) fdTarget(fd int) []byte {
	f := fs.Src.FDs.Get(uintptr(fd))
	if f == nil {
		return nil
	}
	var path [vfs.MaxPath]byte
	if p, err := vfs.FilePath(f, &path); err == 0 && len(p) <= linkMax {
		return fs.link[:copy(fs.link[:], p)]
	}
	var st vfs.Stat
	vfs.StatFile(f, &st)
	kind := "anon_inode"
	switch st.Mode & vfs.ModeType {
	case vfs.ModeFIFO:
		kind = "pipe"
	case vfs.ModeCharDev:
		kind = "char"
	case vfs.ModeRegular:
		kind = "file"
	}
	n := copy(fs.link[:], kind)
	n += copy(fs.link[n:], ":[")
	var d [20]byte
	i := len(d)
	for v := st.Ino; ; v /= 10 {
		i--
		d[i] = byte('0' + v%10)
		if v < 10 {
			break
		}
	}
	n += copy(fs.link[n:], d[i:])
	n += copy(fs.link[n:], "]")
	return fs.link[:n]
}

func (fs *FS) Open(n vfs.Node, flags uint32) (vfs.File, errno.Errno) {
	if flags&vfs.AccMode != vfs.ReadOnly || flags&(vfs.Creat|vfs.Trunc) != 0 {
		return nil, errno.EACCES
	}
	f, err := vfs.TakeFree(&files)
	if err != 0 {
		return nil, err
	}
	f.Base.Open(flags)
	f.fs, f.id, f.text = fs, n.ID, Text{pages: fs.Pages}
	if n.ID < fdNode && entries[n.ID].kind == kGen {
		entries[n.ID].gen(fs.Src, &f.text)
	}
	return f, 0
}

func (fs *FS) Stat(n vfs.Node, st *vfs.Stat) errno.Errno {
	n = fs.node(n.ID)
	*st = vfs.Stat{Ino: uint64(n.ID) + 1, Mode: n.Mode, Nlink: 1}
	if n.IsDir() {
		st.Nlink = 2
	}
	if n.IsSymlink() {
		st.Size = int64(len(n.Link))
	}
	return 0
}

// ReadOnly: nothing in /proc can be written.
func (fs *FS) ReadOnly() bool { return true }

// bytes returns the slice a kBytes file serves.
func (f *file) bytes() []byte {
	if f.id == idCmdline {
		return f.fs.Src.Args
	}
	return f.fs.Src.Env
}

func (f *file) Read(p []byte) (int, errno.Errno) {
	n, err := f.ReadAt(p, f.Offset)
	f.Offset += int64(n)
	return n, err
}

func (f *file) ReadAt(p []byte, off int64) (int, errno.Errno) {
	if off < 0 {
		return 0, errno.EINVAL
	}
	switch entries[f.id].kind {
	case kDir, kFDDir:
		return 0, errno.EISDIR
	case kBytes:
		b := f.bytes()
		if off >= int64(len(b)) {
			return 0, 0
		}
		return copy(p, b[off:]), 0
	}
	return f.text.ReadAt(p, off), 0
}

func (f *file) Write([]byte) (int, errno.Errno)          { return 0, errno.EBADF }
func (f *file) WriteAt([]byte, int64) (int, errno.Errno) { return 0, errno.EBADF }

// Size: generated files report 0 in fstat, as on Linux, but SEEK_END
// counts from the end of the snapshot.
func (f *file) Size() (int64, bool) {
	if entries[f.id].kind == kBytes {
		return int64(len(f.bytes())), true
	}
	return int64(f.text.Len()), true
}

func (f *file) Stat(st *vfs.Stat) errno.Errno { return f.fs.Stat(vfs.Node{ID: f.id}, st) }

func (f *file) Release() { f.text.Free() }

func (f *file) Path(buf []byte) ([]byte, errno.Errno) {
	k := entries[f.id].kind
	if k != kDir && k != kFDDir {
		return nil, errno.ENOTDIR
	}
	return buf[:copy(buf, entries[f.id].name)], 0
}

// ReadDir lists a directory: the entries whose parent it is (a position
// is an index into entries), or for fd/ the open descriptors (a position
// is a descriptor number).
func (f *file) ReadDir(pos int64, d *vfs.Dirent) (bool, errno.Errno) {
	switch entries[f.id].kind {
	case kFDDir:
		for fd := pos; fd < int64(f.fs.Src.FDs.Len()); fd++ {
			if f.fs.Src.FDs.Get(uintptr(fd)) != nil {
				*d = vfs.Dirent{Ino: fdNode + uint64(fd) + 1, Mode: vfs.ModeSymlink, Name: fdName(fd, &f.name), Next: fd + 1}
				return true, 0
			}
		}
		return false, 0
	case kDir:
	default:
		return false, errno.ENOTDIR
	}
	dir := entries[f.id].name
	for i := max(pos, 1); i < int64(len(entries)); i++ {
		name := entries[i].name
		if parent, base := split(name); parent == dir {
			*d = vfs.Dirent{Ino: uint64(i) + 1, Mode: f.fs.node(i).Mode, Name: vfs.NameBytes(base), Next: i + 1}
			return true, 0
		}
	}
	return false, 0
}

// split cuts a relative path at its last slash.
func split(name string) (parent, base string) {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			return name[:i], name[i+1:]
		}
	}
	return "", name
}

// fdName writes fd's decimal name into b (a Dirent's name must outlive
// the call) and returns it.
func fdName(fd int64, b *[4]byte) []byte {
	n := len(b)
	for {
		n--
		b[n] = byte('0' + fd%10)
		if fd /= 10; fd == 0 {
			return b[n:]
		}
	}
}

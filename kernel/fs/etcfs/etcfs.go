// Package etcfs owns the fixed files a program expects of a Linux system
// outside /proc: /etc (passwd, group, hostname, hosts, nsswitch.conf —
// what os/user, os.Hostname's callers and the net package's resolver
// read — and resolv.conf, from the network service) and the few /sys
// files about the CPUs. Their contents are constants in the kernel (the
// CPU list set once at boot), so they exist whatever booted the kernel
// (plain QEMU included).
//
// /etc can also show an archive of files mkimage adds (Below): the
// time-zone database at /etc/zoneinfo — one of the directories Go's time
// package searches — and /etc/localtime, the host's zone. The kernel's
// own names come first; every other name is looked up in that archive.
package etcfs

import (
	"strings"
	"unsafe"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// File is one name: its path relative to the mount, and a regular file's
// contents (a directory when Dir is set).
type File struct {
	Name string
	Dir  bool
	Data string
	// Late: the file is made at run time (resolv.go): absent until its
	// Data is set, with its Mtime in seconds, or while it is awaited
	// there and empty, reads wait.
	Late  bool
	Mtime int64
}

// The users: root, whose home is / (the kernel's default HOME), and
// nobody; their groups.
const (
	passwd = "root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	group  = "root:x:0:\nnogroup:x:65534:\n"
)

// Etc is /etc. The host name matches uname(2)'s nodename. resolv.conf
// appears when the network service reports its name servers
// (SetNameServers); without one Go's resolver tries 127.0.0.1:53.
var Etc = []File{
	{Name: "passwd", Data: passwd},
	{Name: "group", Data: group},
	{Name: "hostname", Data: "gobare\n"},
	{Name: "hosts", Data: "127.0.0.1\tlocalhost gobare\n::1\tlocalhost ip6-localhost ip6-loopback\n"},
	{Name: "nsswitch.conf", Data: "passwd: files\ngroup: files\nhosts: files dns\n"},
	{Name: "shells", Data: "/bin/sh\n"},
	{Name: "resolv.conf", Late: true},
}

// Sys is /sys: the CPUs, numbered from 0 (one until SetCPUs says more).
var Sys = []File{
	{Name: "devices", Dir: true},
	{Name: "devices/system", Dir: true},
	{Name: "devices/system/cpu", Dir: true},
	{Name: "devices/system/cpu/online", Data: "0\n"},
	{Name: "devices/system/cpu/possible", Data: "0\n"},
	{Name: "devices/system/cpu/present", Data: "0\n"},
}

// cpuList holds what SetCPUs gives the three CPU files: "0-N\n" at most.
var cpuList [8]byte

// SetCPUs makes /sys/devices/system/cpu/online, possible and present
// list CPUs 0 to n-1 (n from 1 to 999), in Linux's list format: "0" for
// one, "0-3" for four (Documentation/ABI/testing/sysfs-devices-system-cpu).
func SetCPUs(n int) {
	k := copy(cpuList[:], "0")
	if n > 1 {
		k += copy(cpuList[k:], "-")
		for d := 100; d > 0; d /= 10 {
			if n-1 >= d || d == 1 {
				cpuList[k] = byte('0' + (n-1)/d%10)
				k++
			}
		}
	}
	cpuList[k] = '\n'
	// cpuList[:k+1] as a string, header by hand (unsafe.String would
	// check the length through the runtime; cpuList changes only here, at
	// boot, before anyone reads the files).
	h := struct {
		p *byte
		n int
	}{&cpuList[0], k + 1}
	list := *(*string)(unsafe.Pointer(&h))
	for i := range Sys {
		if strings.HasPrefix(Sys[i].Name, "devices/system/cpu/") {
			Sys[i].Data = list
		}
	}
}

// FS serves Files, and Below (if not nil) for the names it does not have.
// Node IDs: own names are ownID + their index, the root ownID - 1; other
// IDs are Below's.
type FS struct {
	vfs.Unchangeable
	Files []File
	Below vfs.FS
}

const ownID = 1 << 40

// file is an open name: one of the FS's own, or (below set) Below's.
type file struct {
	vfs.Base
	fs    *FS
	id    int64
	below vfs.File // Below's open file, or for the root Below's root
}

// files is the pool of open /etc and /sys names, in pages from vfs.UsePages.
var files vfs.Pool[file]

func (fs *FS) Lookup(rel []byte) (vfs.Node, errno.Errno) {
	if len(rel) == 0 {
		return vfs.Node{ID: ownID - 1, Mode: vfs.ModeDir | 0o755}, 0
	}
	for i := range fs.Files {
		if string(rel) == fs.Files[i].Name && fs.Files[i].exists() {
			return fs.node(int64(i)), 0
		}
	}
	if fs.Below != nil {
		n, err := fs.Below.Lookup(rel)
		if err == 0 && n.ID >= ownID-1 {
			return vfs.Node{}, errno.EIO
		}
		return n, err
	}
	return vfs.Node{}, errno.ENOENT
}

func (fs *FS) node(i int64) vfs.Node {
	if fs.Files[i].Dir {
		return vfs.Node{ID: ownID + i, Mode: vfs.ModeDir | 0o755}
	}
	return vfs.Node{ID: ownID + i, Mode: vfs.ModeRegular | 0o444}
}

func (fs *FS) Open(n vfs.Node, flags uint32) (vfs.File, errno.Errno) {
	if flags&vfs.AccMode != vfs.ReadOnly || flags&(vfs.Creat|vfs.Trunc) != 0 {
		return nil, errno.EROFS
	}
	var below vfs.File
	switch {
	case n.ID < ownID-1:
		return fs.Below.Open(n, flags) // Below's own file
	case n.ID == ownID-1 && fs.Below != nil:
		root, err := fs.Below.Lookup(nil)
		if err == 0 {
			below, err = fs.Below.Open(root, vfs.ReadOnly)
		}
		if err != 0 {
			return nil, err
		}
	}
	f, err := vfs.TakeFree(&files)
	if err != 0 {
		if below != nil {
			vfs.Put(below)
		}
		return nil, err
	}
	f.Base.Open(flags)
	f.fs, f.id, f.below = fs, n.ID, below
	return f, 0
}

func (fs *FS) Stat(n vfs.Node, st *vfs.Stat) errno.Errno {
	if n.ID < ownID-1 {
		return fs.Below.Stat(n, st)
	}
	if n.ID == ownID-1 {
		*st = vfs.Stat{Ino: 1, Mode: vfs.ModeDir | 0o755, Nlink: 2}
		return 0
	}
	i := n.ID - ownID
	*st = vfs.Stat{Ino: uint64(i) + 2, Mode: fs.node(i).Mode, Nlink: 1, Size: int64(len(fs.Files[i].Data)), Mtime: fs.Files[i].Mtime}
	if fs.Files[i].Dir {
		st.Nlink, st.Size = 2, 0
	}
	return 0
}

// ReadOnly: nothing here can be changed.
func (fs *FS) ReadOnly() bool { return true }

// own returns the File an open own name is, ok=false for the root.
func (f *file) own() (*File, bool) {
	if f.id < ownID {
		return nil, false
	}
	return &f.fs.Files[f.id-ownID], true
}

func (f *file) Read(p []byte) (int, errno.Errno) {
	if e, ok := f.own(); ok && e.pending() {
		return 0, errno.EAGAIN // until SetNameServers: WaitKey
	}
	n, err := f.ReadAt(p, f.Offset)
	f.Offset += int64(n)
	return n, err
}

func (f *file) ReadAt(p []byte, off int64) (int, errno.Errno) {
	e, ok := f.own()
	if !ok || e.Dir {
		return 0, errno.EISDIR
	}
	return vfs.ReadAtIn(p, e.Data, off)
}

func (f *file) Write([]byte) (int, errno.Errno)          { return 0, errno.EBADF }
func (f *file) WriteAt([]byte, int64) (int, errno.Errno) { return 0, errno.EBADF }

func (f *file) Size() (int64, bool) {
	if e, ok := f.own(); ok {
		return int64(len(e.Data)), true
	}
	return 0, true
}

func (f *file) Stat(st *vfs.Stat) errno.Errno { return f.fs.Stat(vfs.Node{ID: f.id}, st) }

func (f *file) Release() {
	if f.below != nil {
		vfs.Put(f.below)
		f.below = nil
	}
}

func (f *file) Path(buf []byte) ([]byte, errno.Errno) {
	e, ok := f.own()
	switch {
	case !ok:
		return buf[:0], 0
	case !e.Dir:
		return nil, errno.ENOTDIR
	}
	return buf[:copy(buf, e.Name)], 0
}

// ReadDir lists a directory: the own names whose parent it is (positions
// are indexes into Files), then for the root Below's root (positions
// after len(Files) are Below's, shifted by it).
func (f *file) ReadDir(pos int64, d *vfs.Dirent) (bool, errno.Errno) {
	dir := ""
	if e, ok := f.own(); ok {
		if !e.Dir {
			return false, errno.ENOTDIR
		}
		dir = e.Name
	}
	n := int64(len(f.fs.Files))
	for i := pos; i < n; i++ {
		e := &f.fs.Files[i]
		if parent, base := split(e.Name); parent == dir && e.exists() {
			*d = vfs.Dirent{Ino: uint64(i) + 2, Mode: f.fs.node(i).Mode, Name: vfs.NameBytes(base), Next: i + 1}
			return true, 0
		}
	}
	if f.below == nil {
		return false, 0
	}
	for {
		ok, err := vfs.ReadDir(f.below, max(pos-n, 0), d)
		if !ok || err != 0 {
			return ok, err
		}
		pos, d.Next = n+d.Next, n+d.Next
		if !f.hasOwn(d.Name) {
			return true, 0
		}
	}
}

// hasOwn reports whether the root has an own name that hides Below's.
func (f *file) hasOwn(name []byte) bool {
	for i := range f.fs.Files {
		if string(name) == f.fs.Files[i].Name && f.fs.Files[i].exists() {
			return true
		}
	}
	return false
}

// exists reports whether the name is there: a Late file once it has
// contents, or while they are awaited.
func (e *File) exists() bool { return !e.Late || e.Data != "" || awaiting }

// pending reports whether the file's contents are awaited.
func (e *File) pending() bool { return e.Late && e.Data == "" && awaiting }

// WaitKey: a reader of an awaited file waits for its contents.
func (f *file) WaitKey() uintptr { return lateKey() }

// split cuts a relative path at its last slash.
func split(name string) (parent, base string) {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			return name[:i], name[i+1:]
		}
	}
	return "", name
}

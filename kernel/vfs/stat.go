package vfs

// Stat is what fstat reports, before the system call layer lays it out as
// Linux's struct stat. Times are seconds and nanoseconds since 1970; a
// file system that keeps only Mtime leaves Atime and Ctime zero, and they
// read as Mtime.
type Stat struct {
	Ino   uint64
	Mode  uint32 // file type and permission bits, as in st_mode
	Nlink uint32 // names; 0 only for a file still open after its last name went
	Size  int64
	Mtime int64 // seconds since 1970
	Atime int64
	Ctime int64
	// The nanoseconds of each time.
	MtimeNsec, AtimeNsec, CtimeNsec int64
	Blocks                          int64 // 512-byte blocks in use; 0: computed from Size
}

// Time is a point in time: seconds and nanoseconds since 1970.
type Time struct{ Sec, Nsec int64 }

// Nanos returns t in nanoseconds since 1970.
func (t Time) Nanos() int64 { return t.Sec*1e9 + t.Nsec }

// TimeOf splits nanoseconds since 1970 into a Time.
func TimeOf(ns int64) Time { return Time{ns / 1e9, ns % 1e9} }

// Attr is a change of a file's attributes (chmod, utimensat): the fields
// whose bit is set in Set.
type Attr struct {
	Set   uint32 // SetMode, SetAtime, SetMtime, and the Now forms
	Mode  uint32 // permission bits (07777)
	Atime Time
	Mtime Time
}

// Attr.Set bits. The Now forms take the file system's clock instead of
// the given time (UTIME_NOW).
const (
	SetMode     = 1 << iota
	SetAtime    // Atime
	SetMtime    // Mtime
	SetAtimeNow // the current time
	SetMtimeNow // the current time
)

// File types (the S_IF* bits of st_mode) and the directory entry types
// derived from them (DT_* = S_IF* >> 12).
const (
	ModeType     = 0o170000
	ModeFIFO     = 0o010000
	ModeCharDev  = 0o020000
	ModeDir      = 0o040000
	ModeRegular  = 0o100000
	ModeSymlink  = 0o120000
	ModeSocket   = 0o140000
	ModeCharFile = ModeCharDev | 0o666 // the console, /dev/null: crw-rw-rw-
	ModePerm     = 0o7777              // permission bits with setuid, setgid, sticky
)

// Dirent is one directory entry.
type Dirent struct {
	Ino  uint64
	Mode uint32 // its type bits give the DT_* type
	Name []byte // points into the file system's memory
	Next int64  // the position of the entry after it
}

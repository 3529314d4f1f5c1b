package vfs

// Stat is what fstat reports, before the system call layer lays it out as
// Linux's struct stat.
type Stat struct {
	Ino   uint64
	Mode  uint32 // file type and permission bits, as in st_mode
	Nlink uint32
	Size  int64
	Mtime int64 // seconds since 1970
}

// File types (the S_IF* bits of st_mode) and the directory entry types
// derived from them (DT_* = S_IF* >> 12).
const (
	ModeType     = 0o170000
	ModeFIFO     = 0o010000
	ModeCharDev  = 0o020000
	ModeDir      = 0o040000
	ModeRegular  = 0o100000
	ModeSymlink  = 0o120000
	ModeCharFile = ModeCharDev | 0o666 // the console, /dev/null: crw-rw-rw-
)

// Dirent is one directory entry.
type Dirent struct {
	Ino  uint64
	Mode uint32 // its type bits give the DT_* type
	Name []byte // points into the file system's memory
	Next int64  // the position of the entry after it
}

package vfs

import "github.com/gobare/gobare/kernel/errno"

// Advisory file locks, as Linux keeps them: flock(2) locks, which belong
// to an open file description, and fcntl(2) record locks, which belong to
// the process (F_SETLK: "POSIX" locks) or to a description (F_OFD_SETLK).
// The two families never see each other; within one, locks of different
// owners conflict when their byte ranges overlap and one is a write lock.
// With one process, POSIX locks never conflict among themselves.
//
// Nothing here blocks: a lock that conflicts is refused with EAGAIN, and
// the system call layer waits on LockKey when the caller asked to wait.
// Every release notifies LockKey.

// Lock types: fcntl's l_type values (uapi asm-generic/fcntl.h).
const (
	LockRead   = 0 // F_RDLCK: shared
	LockWrite  = 1 // F_WRLCK: exclusive
	LockUnlock = 2 // F_UNLCK
)

// ProcessOwner owns the POSIX record locks: the one process.
const ProcessOwner = 1

// OffsetMax is the end of a lock that reaches the end of the file, however
// far that moves.
const OffsetMax = int64(^uint64(0) >> 1)

// maxLocks bounds the lock table (ENOLCK beyond).
const maxLocks = 256

// fileID tells files apart: the mount a description was opened through
// and the inode number its file system reports.
type fileID struct {
	mount int
	ino   uint64
}

// lockRec is one held lock on the byte range [start, end).
type lockRec struct {
	used  bool
	flock bool // a flock lock; else a record lock
	file  fileID
	owner uintptr // the description (flock, OFD) or ProcessOwner
	write bool
	start int64
	end   int64
}

// Lock is a record lock as F_GETLK reports it.
type Lock struct {
	Type       int   // LockRead, LockWrite or LockUnlock
	Start, End int64 // [Start, End); End is OffsetMax to the end of file
	Owner      uintptr
}

var (
	locks  [maxLocks]lockRec
	nlocks int // records in use
)

// LockKey is the key the callers waiting for a lock block on.
func LockKey() uintptr { return KeyOf(&locks) }

// OwnerOf is the owner of f's flock and OFD locks: its description.
func OwnerOf(f File) uintptr { return KeyOf(f.Desc()) }

// idOf returns the identity of f's file.
func idOf(f File) fileID {
	var st Stat
	StatFile(f, &st)
	return fileID{mount: f.Desc().mount, ino: st.Ino}
}

// Flock takes (LockRead: LOCK_SH, LockWrite: LOCK_EX) or drops
// (LockUnlock) the flock lock of f's description. As on Linux, changing
// a held lock drops it first, so a conversion that conflicts loses it.
func Flock(f File, typ int) errno.Errno {
	id, owner := idOf(f), OwnerOf(f)
	for i := range locks {
		l := &locks[i]
		if l.used && l.flock && l.file == id && l.owner == owner {
			if typ != LockUnlock && l.write == (typ == LockWrite) {
				return 0
			}
			remove(i)
		}
	}
	if typ == LockUnlock {
		return 0
	}
	want := lockRec{used: true, flock: true, file: id, owner: owner, write: typ == LockWrite, start: 0, end: OffsetMax}
	if conflict(&want) >= 0 {
		return errno.EAGAIN
	}
	return insert(want)
}

// SetLock sets the record lock of owner on [start, end) of f to typ:
// LockRead or LockWrite (EAGAIN when another owner's lock conflicts), or
// LockUnlock. The owner's own locks in the range are replaced, split
// where the range cuts them, and merged with the new one where they touch
// it with the same type.
func SetLock(f File, owner uintptr, typ int, start, end int64) errno.Errno {
	id := idOf(f)
	want := lockRec{used: true, file: id, owner: owner, write: typ == LockWrite, start: start, end: end}
	if typ != LockUnlock && conflict(&want) >= 0 {
		return errno.EAGAIN
	}
	if free := maxLocks - nlocks; free < 2 {
		return errno.ENOLCK // a split and the new lock need two records
	}
	cut(id, owner, start, end)
	if typ == LockUnlock {
		return 0
	}
	merge(&want)
	return insert(want)
}

// merge takes the owner's locks of the same type that touch want into it
// (Linux keeps one lock where two adjacent ones would be).
func merge(want *lockRec) {
	for i := range locks {
		l := &locks[i]
		if l.used && !l.flock && l.file == want.file && l.owner == want.owner && l.write == want.write &&
			(l.end == want.start || l.start == want.end) {
			want.start, want.end = min(want.start, l.start), max(want.end, l.end)
			remove(i)
		}
	}
}

// GetLock reports the first lock of another owner that would conflict
// with typ on [start, end) of f (F_GETLK), or a Lock of type LockUnlock.
func GetLock(f File, owner uintptr, typ int, start, end int64) Lock {
	want := lockRec{used: true, file: idOf(f), owner: owner, write: typ == LockWrite, start: start, end: end}
	i := conflict(&want)
	if i < 0 {
		return Lock{Type: LockUnlock, Start: start, End: end}
	}
	l := &locks[i]
	t := LockRead
	if l.write {
		t = LockWrite
	}
	return Lock{Type: t, Start: l.start, End: l.end, Owner: l.owner}
}

// conflict returns the index of a lock that conflicts with want, or -1.
func conflict(want *lockRec) int {
	for i := range locks {
		l := &locks[i]
		if l.used && l.flock == want.flock && l.file == want.file && l.owner != want.owner &&
			l.start < want.end && want.start < l.end && (l.write || want.write) {
			return i
		}
	}
	return -1
}

// cut removes owner's record locks on [start, end) of file, keeping the
// parts outside the range.
func cut(file fileID, owner uintptr, start, end int64) {
	for i := range locks {
		l := &locks[i]
		if !l.used || l.flock || l.file != file || l.owner != owner || l.end <= start || end <= l.start {
			continue
		}
		if l.start < start && end < l.end { // the range is inside: split
			tail := *l
			tail.start = end
			insert(tail)
			l.end = start
			continue
		}
		switch {
		case l.start < start:
			l.end = start
		case end < l.end:
			l.start = end
		default:
			remove(i)
		}
	}
	Changed(LockKey())
}

// insert adds a lock record; ENOLCK when the table is full.
func insert(l lockRec) errno.Errno {
	for i := range locks {
		if !locks[i].used {
			locks[i] = l
			nlocks++
			return 0
		}
	}
	return errno.ENOLCK
}

// remove drops lock record i and wakes the waiters.
func remove(i int) {
	locks[i] = lockRec{}
	nlocks--
	Changed(LockKey())
}

// dropOwned drops every lock f's description owns (flock and OFD locks),
// when its last reference goes.
func dropOwned(f File) {
	if nlocks == 0 {
		return
	}
	owner := OwnerOf(f)
	for i := range locks {
		if locks[i].used && locks[i].owner == owner {
			remove(i)
		}
	}
}

// dropProcessLocks drops the process's POSIX locks on f's file: Linux
// drops them when the process closes any descriptor of the file.
func dropProcessLocks(f File) {
	if nlocks == 0 {
		return
	}
	id := idOf(f)
	for i := range locks {
		l := &locks[i]
		if l.used && !l.flock && l.owner == ProcessOwner && l.file == id {
			remove(i)
		}
	}
}

// ResetLocks forgets every lock (host tests start over with it).
func ResetLocks() {
	locks = [maxLocks]lockRec{}
	nlocks = 0
}

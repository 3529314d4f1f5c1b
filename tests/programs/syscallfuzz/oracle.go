package main

import "syscall"

// An oracle for pointers: a call that must read a buffer (a path, a
// timespec, the bytes to write) cannot succeed when that buffer is at an
// address no access may succeed at, and a call that must write one
// cannot succeed when the buffer is there or in read-only memory (the
// program's text, the fuzzer's constants). Success then means the kernel
// read or wrote memory it had no right to — its own, most likely — so it
// is a finding. Linux answers EFAULT in every one of these cases.

// rule lists a call's buffers by argument index.
type rule struct {
	in, out []int
	count   bool // the buffers matter only if the result (a byte or item count) is > 0
	nullOK  bool // NULL is a valid value for the listed buffers (the call then skips them)
}

var rules = map[uintptr]rule{
	0:   {out: []int{1}, count: true},                // read
	1:   {in: []int{1}, count: true},                 // write
	2:   {in: []int{0}},                              // open
	4:   {in: []int{0}, out: []int{1}},               // stat
	5:   {out: []int{1}},                             // fstat
	6:   {in: []int{0}, out: []int{1}},               // lstat
	13:  {in: []int{1}, out: []int{2}, nullOK: true}, // rt_sigaction
	14:  {in: []int{1}, out: []int{2}, nullOK: true}, // rt_sigprocmask
	17:  {out: []int{1}, count: true},                // pread64
	18:  {in: []int{1}, count: true},                 // pwrite64
	21:  {in: []int{0}},                              // access
	22:  {out: []int{0}},                             // pipe
	35:  {in: []int{0}},                              // nanosleep
	63:  {out: []int{0}},                             // uname
	79:  {out: []int{0}, count: true},                // getcwd
	80:  {in: []int{0}},                              // chdir
	82:  {in: []int{0, 1}},                           // rename
	83:  {in: []int{0}},                              // mkdir
	84:  {in: []int{0}},                              // rmdir
	86:  {in: []int{0, 1}},                           // link
	87:  {in: []int{0}},                              // unlink
	88:  {in: []int{0, 1}},                           // symlink
	89:  {in: []int{0}, out: []int{1}},               // readlink (a success writes at least one byte)
	90:  {in: []int{0}},                              // chmod
	131: {in: []int{0}, out: []int{1}, nullOK: true}, // sigaltstack
	204: {out: []int{2}, count: true},                // sched_getaffinity
	217: {out: []int{1}, count: true},                // getdents64
	228: {out: []int{1}},                             // clock_gettime
	230: {in: []int{2}},                              // clock_nanosleep
	232: {out: []int{1}, count: true},                // epoll_wait
	257: {in: []int{1}},                              // openat
	258: {in: []int{1}},                              // mkdirat
	260: {in: []int{1}},                              // fchownat
	262: {in: []int{1}, out: []int{2}},               // newfstatat
	263: {in: []int{1}},                              // unlinkat
	264: {in: []int{1, 3}},                           // renameat
	265: {in: []int{1, 3}},                           // linkat
	266: {in: []int{0, 2}},                           // symlinkat
	267: {in: []int{1}, out: []int{2}},               // readlinkat
	268: {in: []int{1}},                              // fchmodat
	269: {in: []int{1}},                              // faccessat
	281: {out: []int{1}, count: true},                // epoll_pwait
	293: {out: []int{0}},                             // pipe2
	302: {in: []int{2}, out: []int{3}, nullOK: true}, // prlimit64
	316: {in: []int{1, 3}},                           // renameat2
	318: {out: []int{0}, count: true},                // getrandom
	280: {in: []int{1, 2}, nullOK: true},             // utimensat (a NULL path means the descriptor)
	439: {in: []int{1}},                              // faccessat2
}

// fdCalls are the calls whose first argument is a descriptor they must
// use: given one that is not open they fail with EBADF on Linux.
var fdCalls = map[uintptr]bool{0: true, 1: true, 3: true, 5: true, 8: true, 16: true, 17: true, 18: true,
	32: true, 33: true, 72: true, 74: true, 75: true, 77: true, 81: true, 91: true, 93: true, 217: true,
	232: true, 233: true, 281: true, 292: true,
	42: true, 43: true, 48: true, 49: true, 50: true, 51: true, 52: true, 54: true, 55: true, 288: true}

// notOpen reports whether fd is a number the fuzzer knows is not open:
// its closed dup2 targets, and numbers no descriptor can have (-1,
// AT_FDCWD, INT_MIN, INT_MAX, 2^20). Linux reads descriptors as 32-bit
// ints, so only these exact values are sure.
func notOpen(fd uintptr) bool {
	return fd >= uintptr(freeBase) && fd < uintptr(freeBase+16) ||
		fd == ^uintptr(0) || fd == atFdcwd || fd == 1<<31 || fd == 1<<31-1 || fd == 1<<20
}

// checkFD reports whether a successful call used a descriptor that is not
// open.
func checkFD(nr uintptr, a [6]uintptr, e syscall.Errno) bool {
	return e == 0 && fdCalls[nr] && notOpen(a[0])
}

// unreadable reports whether no access at p may succeed: the null page,
// the kernel's image, the top page of the user half (never mapped) and
// everything above.
func unreadable(p uintptr) bool {
	return p < page || p >= kernelBase && p < programFloor || p >= userTop-page
}

// unwritable adds the read-only memory: the program's text and the
// fuzzer's constants.
func unwritable(p uintptr) bool {
	return unreadable(p) || p >= programText && p < programText+64<<10 || p >= constBase && p < constBase+constSize
}

// checkPointers reports the first buffer argument that a successful call
// could not have used, or -1.
func checkPointers(nr uintptr, a [6]uintptr, r uintptr, e syscall.Errno) int {
	ru, ok := rules[nr]
	if !ok || e != 0 || ru.count && r == 0 {
		return -1
	}
	switch {
	case (nr == 1 || nr == 18) && a[0] == devnull:
		return -1 // /dev/null's write does not read the buffer (Linux's write_null)
	case nr == 262 && a[1] == 0:
		return -1 // newfstatat(fd, NULL, buf, AT_EMPTY_PATH) is fstat on Linux 6.11+
	}
	for _, i := range ru.in {
		if (a[i] != 0 || !ru.nullOK) && unreadable(a[i]) {
			return i
		}
	}
	for _, i := range ru.out {
		if (a[i] != 0 || !ru.nullOK) && unwritable(a[i]) {
			return i
		}
	}
	return -1
}

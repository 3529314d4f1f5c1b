// Package errno owns the Linux error numbers (uapi asm-generic/errno-base.h
// and errno.h) and their names. Kernel objects return an Errno; the system
// call layer turns it into the -errno a Linux system call returns in RAX.
package errno

// Errno is a Linux error number; 0 means success.
type Errno uint16

// The error numbers the kernel returns (untyped: they are also plain ints).
const (
	EPERM           = 1
	ENOENT          = 2
	ESRCH           = 3
	EINTR           = 4
	EIO             = 5
	EBADF           = 9
	ECHILD          = 10
	EAGAIN          = 11
	ENOMEM          = 12
	EACCES          = 13
	EFAULT          = 14
	EEXIST          = 17
	EBUSY           = 16
	EXDEV           = 18
	ENODEV          = 19
	ENOTDIR         = 20
	EISDIR          = 21
	EINVAL          = 22
	ENFILE          = 23
	EMFILE          = 24
	ENOTTY          = 25
	EFBIG           = 27
	ENOSPC          = 28
	ESPIPE          = 29
	EROFS           = 30
	EPIPE           = 32
	ERANGE          = 34
	ENAMETOOLONG    = 36
	ENOLCK          = 37
	ENOSYS          = 38
	ENOTEMPTY       = 39
	ELOOP           = 40
	EOVERFLOW       = 75
	ENOTSOCK        = 88
	EDESTADDRREQ    = 89
	EMSGSIZE        = 90
	EPROTOTYPE      = 91
	ENOPROTOOPT     = 92
	EPROTONOSUPPORT = 93
	ESOCKTNOSUPPORT = 94
	EOPNOTSUPP      = 95
	EAFNOSUPPORT    = 97
	EADDRINUSE      = 98
	ENETDOWN        = 100
	ECONNRESET      = 104
	EISCONN         = 106
	ENOTCONN        = 107
	ETIMEDOUT       = 110
	ECONNREFUSED    = 111
	EALREADY        = 114
	EINPROGRESS     = 115
)

// Result is the system call return value for e: -e as an unsigned word.
func (e Errno) Result() uintptr { return uintptr(-int(e)) }

// FromResult returns the Errno a system call result carries (Linux
// returns -4095..-1 for errors), or 0 for a successful result.
func FromResult(r uintptr) Errno {
	if v := int64(r); v < 0 && v >= -4095 {
		return Errno(-v)
	}
	return 0
}

// names maps each error number above to its name, for the trace.
var names = [...]string{
	EPERM: "EPERM", ENOENT: "ENOENT", ESRCH: "ESRCH", EINTR: "EINTR", EIO: "EIO",
	EBADF: "EBADF", ECHILD: "ECHILD", EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES",
	EFAULT: "EFAULT", EBUSY: "EBUSY", EEXIST: "EEXIST", EXDEV: "EXDEV", ENODEV: "ENODEV",
	ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL", ENFILE: "ENFILE", EMFILE: "EMFILE",
	ENOTTY: "ENOTTY", EFBIG: "EFBIG", ENOSPC: "ENOSPC", ESPIPE: "ESPIPE",
	EROFS: "EROFS", EPIPE: "EPIPE", ERANGE: "ERANGE", ENAMETOOLONG: "ENAMETOOLONG",
	ENOLCK: "ENOLCK", ENOSYS: "ENOSYS", ENOTEMPTY: "ENOTEMPTY", ELOOP: "ELOOP", EOVERFLOW: "EOVERFLOW", EOPNOTSUPP: "EOPNOTSUPP", ETIMEDOUT: "ETIMEDOUT",
	ENOTSOCK: "ENOTSOCK", EDESTADDRREQ: "EDESTADDRREQ", EMSGSIZE: "EMSGSIZE", ENOPROTOOPT: "ENOPROTOOPT", EPROTONOSUPPORT: "EPROTONOSUPPORT", EAFNOSUPPORT: "EAFNOSUPPORT",
	ENETDOWN: "ENETDOWN", ECONNRESET: "ECONNRESET", EISCONN: "EISCONN", ENOTCONN: "ENOTCONN", EALREADY: "EALREADY", EINPROGRESS: "EINPROGRESS",
	EPROTOTYPE: "EPROTOTYPE", EADDRINUSE: "EADDRINUSE", ESOCKTNOSUPPORT: "ESOCKTNOSUPPORT", ECONNREFUSED: "ECONNREFUSED",
}

// Name returns e's name ("ENOENT"), or "" for a number the kernel never
// returns.
func (e Errno) Name() string {
	if int(e) < len(names) {
		return names[e]
	}
	return ""
}

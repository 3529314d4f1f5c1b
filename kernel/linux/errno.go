package linux

import kerrno "github.com/gobare/gobare/kernel/errno"

// The error numbers, by the names the handlers use (kernel/errno owns
// them and their names).
const (
	EPERM           = kerrno.EPERM
	EACCES          = kerrno.EACCES
	EOVERFLOW       = kerrno.EOVERFLOW
	ENOENT          = kerrno.ENOENT
	ESRCH           = kerrno.ESRCH
	EINTR           = kerrno.EINTR
	EBADF           = kerrno.EBADF
	ECHILD          = kerrno.ECHILD
	EAGAIN          = kerrno.EAGAIN
	ENOMEM          = kerrno.ENOMEM
	EFAULT          = kerrno.EFAULT
	EEXIST          = kerrno.EEXIST
	ENODEV          = kerrno.ENODEV
	ENOTDIR         = kerrno.ENOTDIR
	EISDIR          = kerrno.EISDIR
	EINVAL          = kerrno.EINVAL
	EMFILE          = kerrno.EMFILE
	ENOTTY          = kerrno.ENOTTY
	ESPIPE          = kerrno.ESPIPE
	EROFS           = kerrno.EROFS
	ERANGE          = kerrno.ERANGE
	ENAMETOOLONG    = kerrno.ENAMETOOLONG
	ENOSYS          = kerrno.ENOSYS
	ETIMEDOUT       = kerrno.ETIMEDOUT
	ENOTSOCK        = kerrno.ENOTSOCK
	EDESTADDRREQ    = kerrno.EDESTADDRREQ
	EMSGSIZE        = kerrno.EMSGSIZE
	EOPNOTSUPP      = kerrno.EOPNOTSUPP
	ENOPROTOOPT     = kerrno.ENOPROTOOPT
	EPROTONOSUPPORT = kerrno.EPROTONOSUPPORT
	EAFNOSUPPORT    = kerrno.EAFNOSUPPORT
	EISCONN         = kerrno.EISCONN
	ENOTCONN        = kerrno.ENOTCONN
	EALREADY        = kerrno.EALREADY
	EINPROGRESS     = kerrno.EINPROGRESS
	ESOCKTNOSUPPORT = kerrno.ESOCKTNOSUPPORT
	EADDRINUSE      = kerrno.EADDRINUSE
	ECONNREFUSED    = kerrno.ECONNREFUSED
)

// errno returns -e as a system call result.
func errno[E kerrno.Errno | int](e E) uintptr { return kerrno.Errno(e).Result() }

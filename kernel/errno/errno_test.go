package errno

import (
	"syscall"
	"testing"
)

// TestNumbersMatchLinux compares every named error with the host's
// syscall package, which holds Linux's numbers.
func TestNumbersMatchLinux(t *testing.T) {
	want := map[string]syscall.Errno{
		"EPERM": 1, "ENOENT": 2, "ESRCH": 3, "EINTR": 4, "EIO": 5, "EBADF": 9, "ECHILD": 10, "EAGAIN": 11,
		"ENOMEM": 12, "EACCES": 13, "EFAULT": 14, "EBUSY": 16, "EEXIST": 17, "EXDEV": 18, "ENODEV": 19,
		"ENOTDIR": 20, "EISDIR": 21, "EINVAL": 22, "ENFILE": 23, "EMFILE": 24, "ENOTTY": 25, "EFBIG": 27,
		"ENOSPC": 28, "ESPIPE": 29, "EROFS": 30, "EPIPE": 32, "ERANGE": 34,
		"ENAMETOOLONG": 36, "ENOLCK": 37, "ENOSYS": 38, "ENOTEMPTY": 39, "ELOOP": 40, "EOVERFLOW": 75, "EOPNOTSUPP": 95, "ETIMEDOUT": 110,
		"ENOTSOCK": 88, "EDESTADDRREQ": 89, "EMSGSIZE": 90, "ENOPROTOOPT": 92, "EPROTONOSUPPORT": 93, "EAFNOSUPPORT": 97, "ENETDOWN": 100,
		"ECONNRESET": 104, "EISCONN": 106, "ENOTCONN": 107, "EALREADY": 114, "EINPROGRESS": 115,
		"EPROTOTYPE": 91, "EADDRINUSE": 98, "ESOCKTNOSUPPORT": 94, "ECONNREFUSED": 111,
	}
	n := 0
	for e := Errno(1); e < Errno(len(names)); e++ {
		name := e.Name()
		if name == "" {
			continue
		}
		n++
		if w, ok := want[name]; !ok || Errno(w) != e {
			t.Errorf("%s = %d, Linux says %d", name, e, w)
		}
	}
	if n != len(want) {
		t.Errorf("%d names, want %d", n, len(want))
	}
}

func TestResultRoundTrip(t *testing.T) {
	for _, e := range []Errno{EPERM, EFBIG, ENOSPC, ETIMEDOUT} {
		if got := FromResult(e.Result()); got != e {
			t.Errorf("FromResult(%d.Result()) = %d", e, got)
		}
	}
	if FromResult(0) != 0 || FromResult(4096) != 0 {
		t.Error("a successful result carries no errno")
	}
}

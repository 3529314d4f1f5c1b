package linux

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/sched"
)

// argKinds says how the trace prints each system call's arguments, one
// letter per argument (strace's conventions):
//
//	x hex   d signed decimal   u unsigned decimal   f file descriptor
//	s a C string (a path)      b the buffer of the next argument's length
//	p mmap protection          m mmap flags         F futex operation
//	S signal number            a arch_prctl code    C clock id
var argKinds = [...]string{
	0: "fxu", 1: "fbu", 2: "sxx", 3: "f", 4: "sx", 5: "fx", 6: "sx", 8: "fdd",
	9: "xupmfx", 10: "xup", 11: "xu", 13: "Sxxu", 14: "dxxu", 15: "", 16: "fxx",
	17: "fxud", 18: "fbud", 21: "sx", 24: "", 28: "xud", 35: "xx", 39: "", 56: "xxxxx",
	60: "d", 62: "dS", 63: "x", 72: "fdx", 77: "fd", 82: "ss", 83: "sx", 84: "s", 87: "s", 22: "x", 32: "f", 33: "ff", 79: "xu", 80: "s", 89: "sxu",
	131: "xx", 157: "xxxxx", 158: "ax", 186: "", 200: "dS", 202: "xFdxxd",
	204: "dux", 217: "fxu", 228: "Cx", 230: "Cdxx", 231: "d", 232: "fxdd",
	233: "fdfx", 234: "ddS", 257: "fsxx", 258: "fsx", 262: "fsxx", 263: "fsx", 264: "fsfs", 267: "fsxu", 269: "fsx",
	281: "fxddx", 290: "ux", 291: "x", 292: "ffx", 293: "xx", 316: "fsfsx", 302: "ddxx", 318: "xux",
}

// traceCall prints "sys: name(args) = result".
func traceCall(c call, nr uint64, r uintptr) {
	console.Print("sys: ")
	console.Print(Name(nr))
	console.Print("(")
	kinds := "xxx"
	if nr < uint64(len(argKinds)) && (argKinds[nr] != "" || Name(nr) != "unknown") {
		kinds = argKinds[nr]
	}
	for i := 0; i < len(kinds) && i < 6; i++ {
		if i > 0 {
			console.Print(", ")
		}
		next := uintptr(0)
		if i < 5 {
			next = c.arg(i + 1)
		}
		printArg(kinds[i], c.arg(i), next)
	}
	console.Print(") = ")
	switch {
	case nr == 60 || nr == 231: // exit, exit_group: they do not return
		console.Print("?")
	case c.t.State == sched.Blocked:
		console.Print("(blocks)")
	case int64(r) < 0 && int64(r) > -4096:
		console.Print("-")
		console.Print(errnoName(-int(int64(r))))
	case nr == 9 || nr == 12: // mmap, brk: addresses
		console.Hex(uint64(r))
	default:
		console.Dec(uint64(r))
	}
	console.Print("\n")
}

// printArg prints one argument v of the given kind; next is the argument
// after it (the length of a 'b' buffer).
func printArg(kind byte, v, next uintptr) {
	switch kind {
	case 'd':
		printSigned(int64(v))
	case 'u':
		console.Dec(uint64(v))
	case 'f':
		if int32(v) == atFdcwd {
			console.Print("AT_FDCWD")
		} else {
			printSigned(int64(int32(v)))
		}
	case 's':
		var b [64]byte
		n, ok := readCString(v, b[:])
		if !ok {
			console.Hex(uint64(v))
			return
		}
		printQuoted(b[:n], n == len(b))
	case 'b':
		var b [32]byte
		n := min(next, uintptr(len(b)))
		if !Space.CopyIn(b[:n], v) {
			console.Hex(uint64(v))
			return
		}
		printQuoted(b[:n], next > n)
	case 'p':
		printFlags(uint64(v), protNames[:], "PROT_NONE")
	case 'm':
		printFlags(uint64(v), mapNames[:], "0")
	case 'F':
		printFutexOp(v)
	case 'S':
		console.Print(signalName(int(v)))
		if signalName(int(v)) == "signal" {
			console.Print(" ")
			console.Dec(uint64(v))
		}
	case 'a':
		switch v {
		case archSetFS:
			console.Print("ARCH_SET_FS")
		case archGetFS:
			console.Print("ARCH_GET_FS")
		default:
			console.Hex(uint64(v))
		}
	case 'C':
		if v < uintptr(len(clockNames)) {
			console.Print(clockNames[v])
		} else {
			console.Dec(uint64(v))
		}
	default:
		console.Hex(uint64(v))
	}
}

func printSigned(v int64) {
	if v < 0 {
		console.Print("-")
		v = -v
	}
	console.Dec(uint64(v))
}

// printQuoted prints bytes as a Go-style quoted string.
func printQuoted(b []byte, more bool) {
	console.Print("\"")
	for _, c := range b {
		switch {
		case c == '\n':
			console.Print("\\n")
		case c == '"' || c == '\\':
			console.PutByte('\\')
			console.PutByte(c)
		case c < 0x20 || c >= 0x7f:
			console.Print("\\x")
			console.PutByte("0123456789abcdef"[c>>4])
			console.PutByte("0123456789abcdef"[c&15])
		default:
			console.PutByte(c)
		}
	}
	console.Print("\"")
	if more {
		console.Print("...")
	}
}

// flagName names one bit of a flags argument.
type flagName struct {
	bit  uint64
	name string
}

var protNames = [...]flagName{{1, "PROT_READ"}, {2, "PROT_WRITE"}, {4, "PROT_EXEC"}}

var mapNames = [...]flagName{
	{mapShared, "MAP_SHARED"}, {mapPrivate, "MAP_PRIVATE"}, {mapFixed, "MAP_FIXED"},
	{mapAnonymous, "MAP_ANONYMOUS"}, {0x4000, "MAP_NORESERVE"}, {mapFixedNoReplace, "MAP_FIXED_NOREPLACE"},
}

// printFlags prints v as NAME|NAME|0x.. for the bits it knows.
func printFlags(v uint64, names []flagName, zero string) {
	if v == 0 {
		console.Print(zero)
		return
	}
	first := true
	for _, n := range names {
		if v&n.bit != 0 {
			if !first {
				console.Print("|")
			}
			console.Print(n.name)
			v &^= n.bit
			first = false
		}
	}
	if v != 0 {
		if !first {
			console.Print("|")
		}
		console.Hex(v)
	}
}

var futexOps = [...]string{0: "FUTEX_WAIT", 1: "FUTEX_WAKE", 9: "FUTEX_WAIT_BITSET", 10: "FUTEX_WAKE_BITSET"}

func printFutexOp(v uintptr) {
	op := v & futexCmdMask
	if op < uintptr(len(futexOps)) && futexOps[op] != "" {
		console.Print(futexOps[op])
	} else {
		console.Dec(uint64(op))
	}
	if v&128 != 0 {
		console.Print("_PRIVATE")
	}
}

var clockNames = [...]string{"CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID",
	"CLOCK_THREAD_CPUTIME_ID", "CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE",
	"CLOCK_MONOTONIC_COARSE", "CLOCK_BOOTTIME"}

// errnoName names the errors the kernel returns.
func errnoName(e int) string {
	switch e {
	case EPERM:
		return "EPERM"
	case ENOENT:
		return "ENOENT"
	case ESRCH:
		return "ESRCH"
	case EINTR:
		return "EINTR"
	case EBADF:
		return "EBADF"
	case EAGAIN:
		return "EAGAIN"
	case ENOMEM:
		return "ENOMEM"
	case EACCES:
		return "EACCES"
	case EFAULT:
		return "EFAULT"
	case EEXIST:
		return "EEXIST"
	case ENODEV:
		return "ENODEV"
	case ENOTDIR:
		return "ENOTDIR"
	case EISDIR:
		return "EISDIR"
	case EINVAL:
		return "EINVAL"
	case EMFILE:
		return "EMFILE"
	case ENOTTY:
		return "ENOTTY"
	case ESPIPE:
		return "ESPIPE"
	case EROFS:
		return "EROFS"
	case ERANGE:
		return "ERANGE"
	case ENAMETOOLONG:
		return "ENAMETOOLONG"
	case ELOOP:
		return "ELOOP"
	case EPIPE:
		return "EPIPE"
	case ENOSYS:
		return "ENOSYS"
	case ETIMEDOUT:
		return "ETIMEDOUT"
	}
	return "errno"
}

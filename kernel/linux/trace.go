package linux

import (
	"github.com/gobare/gobare/kernel/console"
	kerrno "github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/percpu"
	"github.com/gobare/gobare/kernel/sched"
)

// traceCall prints "sys: name(args) = result"; on a machine with several
// CPUs, "sys: cpuN name(args) = result", N the CPU that ran it.
func traceCall(c call, nr uint64, r uintptr) {
	console.Print("sys: ")
	if percpu.Online > 1 {
		console.Print("cpu")
		console.Dec(uint64(percpu.ID()))
		console.Print(" ")
	}
	console.Print(Name(nr))
	console.Print("(")
	kinds := "xxx" // an unknown call: its first arguments in hex
	if nr < uint64(len(table)) && table[nr].handler != nil {
		kinds = table[nr].args
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
	case kerrno.FromResult(r) != 0:
		console.Print("-")
		if name := kerrno.FromResult(r).Name(); name != "" {
			console.Print(name)
		} else {
			console.Dec(uint64(kerrno.FromResult(r)))
		}
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

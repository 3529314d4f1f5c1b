// Package linux owns the Linux system call ABI that the Go runtime uses:
// the table from call number to handler (table.go) and one function per
// call. Arguments arrive in RDI, RSI, RDX, R10, R8, R9, the number in RAX,
// and the result (or -errno) goes back in RAX (System V x86-64 psABI
// §A.2.1; DESIGN.md lists the calls and what each must do).
package linux

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/trap"
	"github.com/gobare/gobare/kernel/vm"
)

// Errno values (Linux uapi errno-base.h, errno.h).
const (
	EPERM     = 1
	ENOENT    = 2
	EINTR     = 4
	EBADF     = 9
	EAGAIN    = 11
	ENOMEM    = 12
	EFAULT    = 14
	EEXIST    = 17
	ENODEV    = 19
	EINVAL    = 22
	EMFILE    = 24
	ENOSYS    = 38
	ETIMEDOUT = 110
	EROFS     = 30
	ESRCH     = 3
)

// errno returns -e as a system call result.
func errno(e int) uintptr { return uintptr(-e) }

// call is one system call in progress. Handlers take it by value: a
// pointer passed through the table's indirect call would escape to the
// heap, and the kernel has none.
type call struct {
	f *trap.Frame
	t *sched.Thread
}

// arg returns argument i (0-5).
func (c call) arg(i int) uintptr {
	switch i {
	case 0:
		return uintptr(c.f.DI)
	case 1:
		return uintptr(c.f.SI)
	case 2:
		return uintptr(c.f.DX)
	case 3:
		return uintptr(c.f.R10)
	case 4:
		return uintptr(c.f.R8)
	}
	return uintptr(c.f.R9)
}

// Process-wide state the calls share.
var (
	// Space is the program's address space.
	Space *vm.Space
	// Trace prints every call as "sys: name(args) = result".
	Trace bool
	// ProgramName is argv[0], for /proc/self/exe.
	ProgramName []byte
	// ExitHook stops the machine with the program's status.
	ExitHook func(code int)
	// Counts counts the calls by number; the last slot counts all larger
	// numbers (gobare's rt0_trace among them).
	Counts [len(syscallNames) + 1]uint32
	// reported marks numbers already logged as not implemented.
	reported [len(syscallNames) + 1]bool
)

// Syscall handles the system call in frame f made by the current thread.
func Syscall(f *trap.Frame) {
	c := call{f: f, t: sched.Current()}
	nr := f.AX
	Counts[min(nr, uint64(len(Counts)-1))]++
	var r uintptr
	if nr < uint64(len(table)) && table[nr] != nil {
		r = table[nr](c)
	} else {
		r = errno(ENOSYS)
		logUnknown(nr)
	}
	if c.t.State == sched.Running || c.t.State == sched.Blocked {
		if c.t.State == sched.Running {
			f.AX = uint64(r)
		}
		if Trace && nr != SysRt0Trace {
			traceCall(c, nr, r)
		}
	}
}

// logUnknown prints a system call the kernel does not implement, once.
func logUnknown(nr uint64) {
	i := min(nr, uint64(len(syscallNames)))
	if reported[i] {
		return
	}
	reported[i] = true
	console.Print("gobare: unimplemented system call ")
	console.Print(Name(nr))
	console.Print(" (")
	console.Dec(nr)
	console.Print("): returning -ENOSYS\n")
}

// Name returns a system call's name.
func Name(nr uint64) string {
	if nr < uint64(len(syscallNames)) && syscallNames[nr] != "" {
		return syscallNames[nr]
	}
	if nr == SysRt0Trace {
		return "rt0_trace"
	}
	return "unknown"
}

// Package linux owns the Linux system call ABI: the table from call number
// to handler, name, argument kinds and support note (table.go), and one
// function per call (sys_*.go, by topic), each a thin layer that checks
// and copies its arguments and asks a kernel object — vfs files, ipc,
// sched, vm — to do the work. Arguments arrive in RDI, RSI, RDX, R10, R8,
// R9, the number in RAX, and the result (or -errno) goes back in RAX
// (System V x86-64 psABI §A.2.1); every other register is preserved.
package linux

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/fs/devfs"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/task"
	"github.com/gobare/gobare/kernel/trap"
	"github.com/gobare/gobare/kernel/vm"
)

// call is one system call in progress. Handlers take it by value: a
// pointer passed through the table's indirect call would escape to the
// heap, and the kernel has none.
type call struct {
	f     *trap.Frame
	t     *sched.Thread
	retry bool        // run again by restart: the thread is already blocked
	again sched.Retry // restart, for block (a field, not a reference from block: the table would refer to itself)
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
	// Space is the program's address space, FDs its descriptor table.
	Space = &task.Procs[task.ProgramProc].Space
	FDs   = &task.Procs[task.ProgramProc].FDs
	// Trace prints every call as "sys: name(args) = result".
	Trace bool
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
	c := call{f: f, t: sched.Current(), again: restart}
	nr := f.AX
	Counts[min(nr, uint64(len(Counts)-1))]++
	if Trace && (nr == sysExitNr || nr == sysExitGroupNr) {
		traceCall(c, nr, 0) // they do not return
	}
	r := dispatch(c)
	if c.t.State == sched.Running {
		f.AX = uint64(r)
	}
	if Trace && nr != SysRt0Trace && nr != sysExitNr && nr != sysExitGroupNr && (c.t.State == sched.Running || r == blocked) {
		traceCall(c, nr, r)
	}
}

// quickCalls are the system calls that may take the quick path (Quick):
// their handlers never block, yield, start or end a thread, so the
// calling thread always goes on. What one may make due (an unblocked
// pending signal: rt_sigprocmask) the quick path's check after the call
// finds. Each has a handler in table (TestRegisters probes them all).
var quickCalls = [...]bool{
	14:  true, // rt_sigprocmask
	39:  true, // getpid
	102: true, // getuid
	104: true, // getgid
	107: true, // geteuid
	108: true, // getegid
	110: true, // getppid
	131: true, // sigaltstack
	186: true, // gettid
	204: true, // sched_getaffinity
	228: true, // clock_gettime
}

// Quick is trap.Quick, the quick path of the system call in f on CPU me:
// when the call is one of quickCalls, the trace is off, and the running
// thread may go on (sched.Quiet: no switch, wake-up or change to the
// thread table is due), only the handler runs, with the devices' poll
// after it, and Quick reports true; else it does nothing and reports
// false. The rest of the entry (kernel.handleTrap) would do nothing then:
// Schedule keeps the thread, DeliverPending finds no signal, the timer is
// already armed for the deadline NextDeadline would give (nothing it
// depends on changed since the entry that armed it; PollDeadline's
// "within 1 ms" only comes sooner), and no page entry changed. Whatever
// the call or the poll did make due (a wake-up, an unblocked signal, a
// stale TLB entry), Finish does, as handleTrap would. One Go call in
// all, and the handler's: each call and return is a lookup of the
// translated code under QEMU's TCG (docs/performance.md).
func Quick(f *trap.Frame, me int) bool {
	nr := f.AX
	if nr >= uint64(len(quickCalls)) || !quickCalls[nr] || Trace {
		return false
	}
	t := sched.Quiet(me)
	if t == nil {
		return false
	}
	Counts[nr]++
	f.AX = uint64(table[nr].handler(call{f: f, t: t, again: restart}))
	devfs.Poll()
	if sched.Due(me) || SignalPending(t) || vm.TLBStale {
		Finish(f)
	}
	return true
}

// Finish is the end of an entry (kernel.finish), which Quick runs when
// the call made something due. Set with trap.Quick.
var Finish func(f *trap.Frame)

// dispatch runs the handler of the call in c's frame.
func dispatch(c call) uintptr {
	nr := c.f.AX
	if nr < uint64(len(table)) && table[nr].handler != nil {
		return table[nr].handler(c)
	}
	logUnknown(nr)
	return errno(ENOSYS)
}

// The calls that do not return, traced before they run.
const (
	sysExitNr      = 60
	sysExitGroupNr = 231
)

// blocked is what a handler returns after blocking its thread: not a
// result (the thread's wait supplies that), and never a valid one.
const blocked = ^uintptr(0) - 8192

// block makes the calling thread wait on key until its call can complete
// (restart will run it again after each Notify of key) or until deadline
// (0: none) passes, when the call returns timeoutResult. On a retry the
// thread is already waiting and nothing changes.
func (c call) block(key uintptr, deadline int64, timeoutResult uintptr) uintptr {
	if !c.retry {
		sched.Block(c.f, key, deadline, timeoutResult, c.again)
	}
	return blocked
}

// restart runs a blocked thread's system call again, from the registers
// saved when it blocked (RAX still holds the call number): it either
// completes now or blocks on.
func restart(t *sched.Thread) (uintptr, bool) {
	r := dispatch(call{f: &t.Frame, t: t, retry: true})
	return r, r != blocked
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
	switch {
	case nr < uint64(len(table)) && table[nr].name != "":
		return table[nr].name
	case nr < uint64(len(syscallNames)) && syscallNames[nr] != "":
		return syscallNames[nr]
	}
	return "unknown"
}

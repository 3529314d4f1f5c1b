package linux

import (
	"github.com/gobare/gobare/kernel/ipc"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/task"
	"github.com/gobare/gobare/kernel/timer"
	"github.com/gobare/gobare/kernel/trap"
)

// clone flags (Linux uapi sched.h). The Go runtime passes
// CLONE_VM|FS|FILES|SIGHAND|SYSVSEM|THREAD|SETTLS = 0xd0f00 for new threads.
const (
	cloneVM           = 0x100
	cloneThread       = 0x10000
	cloneSettls       = 0x80000
	cloneParentSettid = 0x100000
	cloneChildSettid  = 0x1000000
)

// clone(flags, stack, parent_tid, child_tid, tls): a new thread sharing
// everything, starting with the parent's registers except RAX = 0, RSP =
// stack and FS base = tls.
func sysClone(c call) uintptr {
	flags, stack, ptid, ctid, tls := c.arg(0), c.arg(1), c.arg(2), c.arg(3), c.arg(4)
	switch {
	case flags&cloneThread != 0 && flags&cloneVM == 0:
		return errno(EINVAL) // as Linux: a thread shares the address space
	case flags&cloneVM == 0:
		return errno(ENOSYS) // fork: one address space only
	case flags&cloneThread == 0:
		return errno(ENOSYS) // a process sharing memory (vfork-like): not supported
	}
	trap.SaveFP(c.f) // the child starts with a copy of the parent's FP state
	child := *c.f
	child.AX = 0
	if stack != 0 {
		child.RSP = uint64(stack)
	}
	if flags&cloneSettls != 0 {
		child.FSBase = uint64(tls)
	}
	t := sched.New(&child)
	if t == nil {
		return errno(EAGAIN)
	}
	// The new thread blocks what its parent blocks; nothing is pending and
	// it has no alternate stack yet (Linux clears it for CLONE_VM).
	*sigs(t) = threadSignals{SigMask: sigs(c.t).SigMask}
	if flags&cloneParentSettid != 0 {
		Space.WriteUint32(ptid, uint32(t.TID))
	}
	if flags&cloneChildSettid != 0 {
		Space.WriteUint32(ctid, uint32(t.TID))
	}
	return uintptr(t.TID)
}

// exit(code) ends the calling thread; the last one ends its process.
func sysExit(c call) uintptr {
	sched.Exit()
	if sched.LiveIn(c.t.Proc) == 0 {
		exitProcess(c.t.Proc, int(c.arg(0)))
	}
	return 0
}

// exit_group(code) ends the calling thread's process; the program's
// waits first for its sockets' last bytes to leave (lingerAtExit).
func sysExitGroup(c call) uintptr {
	if c.t.Proc == task.ProgramProc && lingerAtExit(c) {
		return blocked
	}
	exitProcess(c.t.Proc, int(c.arg(0)))
	return 0
}

func sysGettid(c call) uintptr { return uintptr(c.t.TID) }

// The program is process 1, the first thread's TID.
func sysGetpid(c call) uintptr { return 1 }

func sysSchedYield(c call) uintptr {
	sched.Yield()
	return 0
}

// futex operations (Linux uapi futex.h); the runtime uses the private
// WAIT and WAKE.
const (
	futexWait       = 0
	futexWake       = 1
	futexWaitBitset = 9
	futexWakeBitset = 10
	futexCmdMask    = 0x7f // without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME
)

// futex(uaddr, op, val, timeout, uaddr2, val3)
func sysFutex(c call) uintptr {
	addr, op, val, timeout := c.arg(0), c.arg(1)&futexCmdMask, uint32(c.arg(2)), c.arg(3)
	switch op {
	case futexWait, futexWaitBitset:
		cur, ok := Space.ReadUint32(addr)
		if !ok {
			return errno(EFAULT)
		}
		if cur != val {
			return errno(EAGAIN)
		}
		var deadline int64
		// LAB 5 BEGIN: the deadline: relative (FUTEX_WAIT) or absolute monotonic (FUTEX_WAIT_BITSET)
		// LAB 5 STUB: if timeout != 0 {
		// LAB 5 STUB: 	deadline = after(1e6) // not yet: a timed wait ends after 1 ms (the runtime retries)
		// LAB 5 STUB: }
		if timeout != 0 && !c.retry {
			ns, err := readTimespec(timeout)
			if err != 0 {
				return err
			}
			if op == futexWaitBitset { // absolute, monotonic
				deadline = max(ns, timer.Nanotime()+1)
			} else {
				deadline = after(max(ns, 1))
			}
		}
		// LAB 5 END
		return c.block(ipc.FutexKey(c.t.Proc, addr), deadline, errno(ETIMEDOUT))
	case futexWake, futexWakeBitset:
		return uintptr(ipc.FutexWake(c.t.Proc, addr, int(val)))
	}
	return errno(ENOSYS)
}

// nanosleep(req, rem)
func sysNanosleep(c call) uintptr {
	// LAB 5 BEGIN: block the thread until its deadline
	// LAB 5 STUB: return 0 // returns at once
	ns, err := readTimespec(c.arg(0))
	if err != 0 {
		return err
	}
	return c.block(0, slack(c, after(max(ns, 1))), 0)
	// LAB 5 END
}

// clock_nanosleep(clock, flags, req, rem): relative, or absolute with
// TIMER_ABSTIME (1) on the monotonic clock.
func sysClockNanosleep(c call) uintptr {
	// LAB 5 BEGIN: relative or TIMER_ABSTIME deadlines on the monotonic and real-time clocks
	// LAB 5 STUB: return 0 // returns at once
	ns, err := readTimespec(c.arg(2))
	if err != 0 {
		return err
	}
	deadline := after(ns)
	if c.arg(1)&1 != 0 {
		deadline = ns
		if clk := c.arg(0); clk == clockRealtime {
			deadline -= timer.BootEpochNanos()
		}
	}
	return c.block(0, slack(c, max(deadline, 1)), 0)
	// LAB 5 END
}

// timerSlack is how much later than asked a sleep may end: Linux's
// default timer slack (prctl(2) PR_SET_TIMERSLACK, 50 µs for a normal
// thread), which nanosleep and clock_nanosleep add to the deadline of the
// timer they arm (hrtimer_nanosleep). The Go runtime's sysmon sleeps
// 20 µs at a time for 50 rounds whenever its program comes back from
// idle (usleep): with the slack, as on Linux, it wakes every 70 µs
// instead, each wake-up a timer interrupt, two thread switches and the
// cut slice of the thread it interrupted.
//
// The network service's sleeps take serviceSlack, 5 ms: its sysmon has
// nothing to do that cannot wait (its goroutines wait in the netpoller,
// never in a blocking call, and none runs for long), and each of its
// wake-ups while the program runs is two CR3 loads besides. With it, the
// bench's kept-alive GET made 6.1 CR3 loads and 30.7 kernel entries per
// request instead of 10.0 and 34.4 (docs/performance.md). The slack
// also stretches the Go scheduler's one other ordinary sleep: a thread
// about to steal a running P's next goroutine first sleeps 3 µs (Go's
// runtime/proc.go, runqgrab, reached from findRunnable's stealWork);
// with two CPUs or more it now sleeps 5 ms, holding its P and counted as
// spinning, so wakep starts no other thread meanwhile. Parallelism is
// lost there, not progress: the running P runs that goroutine itself.
const (
	timerSlack   = 50_000
	serviceSlack = 5_000_000
)

// slack returns the deadline d of c's sleep with its thread's slack added
// (the latest time there is, at most).
func slack(c call, d int64) int64 {
	s := int64(timerSlack)
	if c.t.Proc == task.ServiceProc {
		s = serviceSlack
	}
	return d + min(s, 1<<63-1-d)
}

// readTimespec reads a struct timespec {tv_sec, tv_nsec int64} as ns:
// EFAULT when it cannot be read, EINVAL for a negative time or tv_nsec
// outside [0, 1e9), as Linux answers. A time too long for an int64 of
// nanoseconds (292 years) is cut to the longest one.
func readTimespec(addr uintptr) (int64, uintptr) {
	sec, ok1 := Space.ReadUint64(addr)
	nsec, ok2 := Space.ReadUint64(addr + 8)
	switch {
	case !ok1 || !ok2:
		return 0, errno(EFAULT)
	case int64(sec) < 0 || nsec >= 1e9:
		return 0, errno(EINVAL)
	case sec > (1<<63-1)/1_000_000_000-1:
		return 1<<63 - 1, 0
	}
	return int64(sec)*1e9 + int64(nsec), 0
}

// after returns the deadline ns from now, the farthest one when that would
// overflow.
func after(ns int64) int64 {
	now := timer.Nanotime()
	if ns > 1<<63-1-now {
		return 1<<63 - 1
	}
	return now + ns
}

// writeTimespec writes ns as a struct timespec.
func writeTimespec(addr uintptr, ns int64) bool {
	return Space.WriteUint64(addr, uint64(ns/1e9)) && Space.WriteUint64(addr+8, uint64(ns%1e9))
}

// Clock ids (Linux uapi time.h).
const (
	clockRealtime       = 0
	clockRealtimeCoarse = 5
)

// clock_gettime(clock, tp): every clock is the TSC-based monotonic time,
// except the real-time clocks, which add the CMOS clock read at boot.
func sysClockGettime(c call) uintptr {
	// LAB 3 BEGIN: the time on the clock c.arg(0), written as a struct timespec at c.arg(1)
	// LAB 3 STUB: return errno(ENOSYS)
	ns := timer.Nanotime()
	if clk := c.arg(0); clk == clockRealtime || clk == clockRealtimeCoarse {
		ns += timer.BootEpochNanos()
	}
	if !writeTimespec(c.arg(1), ns) {
		return errno(EFAULT)
	}
	return 0
	// LAB 3 END
}

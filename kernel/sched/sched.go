// Package sched owns the program's threads: their saved registers, who
// runs next (round robin over one run queue that every CPU takes from,
// preempted by the timer), and how they
// wait — on an opaque key (any address the waker and the waiter agree on)
// until a wake-up or a deadline. It knows nothing of what a key means: a
// futex word, a pipe, an epoll instance are all just keys to it. An idle
// "thread" — a loop of HLT in kernel text — runs on a CPU when no program
// thread can; a CPU that makes a thread runnable while another CPU idles
// wakes that CPU with an inter-processor interrupt (SendWake).
//
// All of it is protected by the big kernel lock (kernel/spin): every
// function here runs inside a kernel entry, on the CPU that entered.
//
// Switching threads is copying Frames: the trap entry saved the running
// thread's registers as the Frame on the kernel stack; Schedule stores that
// Frame in the thread and puts the next thread's Frame in its place, and
// the trap exit resumes whatever the Frame holds.
package sched

import (
	"github.com/gobare/gobare/kernel/percpu"
	"github.com/gobare/gobare/kernel/trap"
)

// MaxThreads bounds the thread table. The Go runtime makes 3-5 threads for
// a simple program and more when threads block in the kernel.
const MaxThreads = 128

// State is a thread's life-cycle state.
type State uint8

const (
	Free     State = iota // the slot is unused
	Runnable              // waiting for the CPU
	Running               // on a CPU (Thread.CPU): its registers are in that CPU's trap Frame
	Blocked               // waiting on a key or a deadline
)

// Retry is asked, when a blocked thread's key is notified, whether the
// thread's wait is over now, and with which result (it typically redoes
// the operation that could not complete). A nil Retry means any
// notification ends the wait with result 0 (futex).
type Retry func(t *Thread) (result uintptr, done bool)

// Thread is one program thread.
type Thread struct {
	Frame     trap.Frame // saved registers while not Running
	State     State
	TID       int32
	Slot      int     // index in the thread table, for per-thread state kept elsewhere
	WaitKey   uintptr // what a Blocked thread waits on; 0: only its deadline
	WakeAt    int64   // monotonic deadline in ns; 0: none
	TimeoutAX uintptr // the result if WakeAt passes first
	retry     Retry
	SliceEnd  int64 // when its time slice ends (monotonic ns); 0 until NextDeadline sets it
	Since     int64 // when it last got the CPU (monotonic ns); 0 until NextDeadline sets it
	HardEnd   int64 // the slice's end before a wake-up cut it
	SoftCut   bool  // a wake-up in a system call cut SliceEnd: the entries check it, the timer is not armed for it
	Proc      uint8 // its process (task.Procs), whose address space it runs in (process.go)
	CPU       int   // the CPU it runs on while Running
}

// ByTID returns the live thread with the given TID, or nil.
func ByTID(tid int32) *Thread {
	for i := range threads {
		if threads[i].State != Free && threads[i].TID == tid {
			return &threads[i]
		}
	}
	return nil
}

// Each calls fn for every live thread.
func Each(fn func(t *Thread)) {
	for i := range threads {
		if threads[i].State != Free {
			fn(&threads[i])
		}
	}
}

// The thread table; per CPU, the running thread (nil: idle), whether a
// switch is due at the end of this entry, and whether a wake-up IPI is on
// its way to it. A CPU's resched is also true whenever its running thread
// cannot go on — idle, blocked or exited — so that Schedule's quick check
// needs to look at nothing else.
var (
	threads [MaxThreads]Thread
	// used is one past the highest slot New has filled: the walks made at
	// every entry (NextDeadline, Tick, the wake-ups) stop there instead of
	// striding through all MaxThreads entries of 3 KiB each, a soft-TLB
	// miss per few entries under TCG after every CR3 load.
	used    int
	running [percpu.MaxCPUs]*Thread
	resched [percpu.MaxCPUs]bool
	kicked  [percpu.MaxCPUs]bool
	nextTID int32
	idleFrm trap.Frame
	live    int
)

// SendWake interrupts CPU cpu with trap.VectorWake (set by the kernel).
var SendWake func(cpu int)

// Created counts the threads made since boot, the first included.
var Created int

// TimeSlice is how long a thread runs before another runnable thread gets
// the CPU, in nanoseconds.
const TimeSlice int64 = 10e6

// WakeupSlice bounds how long a thread that a device's interrupt woke (a
// frame from the network: the network service's reader) waits for the
// CPU: the running thread's slice is cut to end by then. Linux handles a
// received frame at once, in the interrupt's softirq, so a frame's work
// waiting behind a computing program would be a delay Linux does not
// have. 50 µs: the bench's preemption wake-up (the sleeper waits
// for sysmon to wake and signal, then for its own wake-up) is 39.0 ms with
// none, 21.0 ms with 1 ms, 19.5 ms with 250 µs, 19.1 ms with this and 19.0
// ms with 0 (Linux: 19.1 ms; all under -icount, when every wake-up cut
// this much), and a thread woken over and over still cannot switch the
// CPU more than 20,000 times a second.
const WakeupSlice int64 = 50e3

// WakeupGranularity is how long a thread keeps the CPU, once it has it,
// against a thread woken by a timer (a sleeper's deadline: the Go
// runtime's sysmon, a timed-out wait) or by one of its own system calls
// (a futex hand-off, the program's write to the network service): such a
// wake-up cuts its slice to end WakeupGranularity after it got the CPU,
// or WakeupSlice from now if that is later. Linux's scheduler likewise
// lets a woken task preempt only one that has had its wake-up granularity
// (sched_wakeup_granularity_ns, 1 ms on one CPU) more than it. Under TCG
// without -icount a microsecond of real time is only some 40 to 80 guest
// instructions, and with WakeupSlice for these too the Go runtime's
// sysmon (asleep 20 µs, plus the 50 µs slack, at a time while the program
// makes system calls) cut the running thread's slice every 120 µs or so:
// a timer interrupt for its sleep, another for the cut, two thread
// switches. A thread that has run longer (a goroutine spinning past
// sysmon's preemption) is still cut to WakeupSlice, so the bench's
// preemption wake-up stays 19.2 ms under -icount (21.1 ms with 1 ms for
// every such cut).
const WakeupGranularity int64 = 1e6

// woke is set by Wake until NextDeadline has cut the running thread's
// slice for it.
var woke bool

// Init prepares the idle frame: RIP at the idle loop, a small stack of
// its own (every CPU's idle loop uses it: HLT pushes nothing, and
// interrupts switch to the CPU's kernel stack).
func Init() {
	idleFrm = trap.Frame{}
	InitFX(&idleFrm)
	idleFrm.RIP = uint64(idleLoopPC())
	idleFrm.RSP = uint64(idleStackTop())
	idleFrm.RFLAGS = 0x202 // IF set: the idle loop waits for interrupts
	idleFrm.CS = trap.KernelCS
	idleFrm.SS = trap.KernelSS
	idleFrm.FSBase = trap.KernelFSBase()
	idleFrm.FPSaved = trap.FPNone // the idle loop uses no FP state: leaving for it restores none
	for c := range resched {
		resched[c] = true // every CPU idles
	}
	nextTID = 1
}

// Idle fills f with the idle frame (for a CPU's first trap.Enter).
func Idle(f *trap.Frame) { f.Copy(&idleFrm) }

// InitFX gives a frame the FP/SSE state of a fresh process: x87 control
// word 0x37F and MXCSR 0x1F80, every exception masked (SDM Vol. 1 §8.1.5,
// §10.2.3; the FXSAVE layout is Table 10-2), as a complete image.
func InitFX(f *trap.Frame) {
	f.FX[0], f.FX[1] = 0x7F, 0x03
	f.FX[24], f.FX[25] = 0x80, 0x1F
	f.FPSaved = trap.FPWhole
}

// New makes a runnable thread with frame f, in the running thread's
// process (process 0 when none runs), and returns it, or nil when the
// table is full.
func New(f *trap.Frame) *Thread {
	var proc uint8
	if cur := Current(); cur != nil {
		proc = cur.Proc
	}
	for i := range threads {
		t := &threads[i]
		if t.State == Free {
			*t = Thread{State: Runnable, TID: nextTID, Slot: i, Proc: proc, CPU: -1}
			t.Frame.Copy(f)
			used = max(used, i+1)
			deadlineStale = true
			nextTID++
			live++
			Created++
			return t
		}
	}
	return nil
}

// Current returns the thread running on this CPU, or nil when it idles or
// its thread ended: by itself, or from another CPU (exit_group; the slot
// may even hold a new thread by now).
func Current() *Thread {
	me := percpu.ID()
	if t := running[me]; t != nil && t.State != Free && t.CPU == me {
		return t
	}
	return nil
}

// Ended reports, at the start of a kernel entry, that the thread this CPU
// ran was ended from another CPU meanwhile: the entry has no thread to
// act for, and Schedule switches away.
func Ended() bool { return running[percpu.ID()] != nil && Current() == nil }

// Live returns the number of threads that have not exited.
func Live() int { return live }

// Exit ends the current thread. Its stack is not touched.
func Exit() {
	if t := Current(); t != nil {
		t.State = Free
		live--
		deadlineStale = true
		resched[percpu.ID()] = true
	}
}

// Yield asks for a switch at the end of this kernel entry.
func Yield() { resched[percpu.ID()] = true }

// Tick is called on every timer interrupt with the monotonic time: it ends
// waits whose deadline passed and asks for a switch when the running
// thread has used its time slice.
func Tick(now int64) {
	for i := range threads[:used] {
		t := &threads[i]
		if t.State == Blocked && t.WakeAt != 0 && now >= t.WakeAt {
			Wake(t, t.TimeoutAX)
		}
	}
	if t := Current(); t != nil {
		if t.SliceEnd != 0 && now >= t.SliceEnd {
			resched[percpu.ID()] = true
		}
	} else {
		resched[percpu.ID()] = true // idle: see if a thread woke
	}
}

// Schedule runs at the end of every kernel entry with the entry's frame f.
// It first ends the waits that notifications made possible; then, if the
// running thread may go on and no switch is due, f is left alone.
// Otherwise f is saved into the running thread and replaced by the frame of
// the next runnable thread in round-robin order, or the idle frame. (A
// thread that blocked in this entry saved its frame in Block.)
//
// Then, while threads are still runnable and other CPUs idle, it wakes
// those CPUs to take them.
//
// The common case — nothing was notified, no switch is asked for, the
// running thread goes on, and (with several CPUs) the table did not
// change — is checked here, in a function small enough for the compiler
// to inline into every entry; the rest is schedule's.
func Schedule(f *trap.Frame) {
	me := percpu.ID()
	if !resched[me] && nnotified == 0 && (percpu.Online == 1 || !deadlineStale) { // (notifiedAll implies nnotified > 0)
		return
	}
	schedule(f, me)
}

// Quiet returns the thread running on CPU me if the end of this entry
// has nothing to do for it: no switch is due (it has not blocked, exited
// or been ended from another CPU, its slice is not over, and no soft cut
// waits for EnterEntry's check), no key was
// notified, and the thread table has not changed since NextDeadline last
// looked (on any CPU: the timer is armed for what it found). Its process
// must be the one the system calls point at, which another CPU may have
// changed. Else nil. The quick system call path (linux.Quick)
// asks before the call, and Due after it; both small enough to inline.
func Quiet(me int) *Thread {
	t := running[me]
	if Due(me) || t == nil || t.State != Running || t.CPU != me || t.Proc != sysEntered || t.SoftCut {
		return nil
	}
	return t
}

// A wake-up cuts the running thread's slice (NextDeadline: to
// WakeupSlice, or after WakeupGranularity when a timer or a system call
// woke), so that the woken thread soon has the CPU. When the wake-up came in one
// of the running thread's system calls (its write woke the network
// service's reader, its futex call another thread), that thread mostly
// blocks a few calls later, and a timer armed for the cut would be armed
// again for the next sleeper's deadline as soon as it did: two writes of
// the APIC timer for nothing, each an exit into QEMU under TCG (the bench's
// kept-alive GET made three such wake-ups and 7.1 arms a request). Such a
// cut is soft (Thread.SoftCut): each entry of the thread checks it
// (EnterEntry), and the timer stays armed for the slice's uncut end or an
// earlier deadline; a thread that computes past the cut without entering
// the kernel keeps the CPU until then. A wake-up in an interrupt (a
// sleeper's deadline, a frame from the network) cuts as before, with the
// timer, since the running thread may be one that never enters.

// What an entry is, for the cut its wake-ups make (NextDeadline): a
// system call (a soft cut, after WakeupGranularity), the timer's
// interrupt (a cut after WakeupGranularity) or another interrupt or
// exception (a cut of WakeupSlice).
const (
	EntryInterrupt = iota
	EntrySyscall
	EntryTimer
)

// entryKind is each CPU's current entry's kind.
var entryKind [percpu.MaxCPUs]uint8

// EnterEntry records what this CPU's entry is, and asks for a switch when
// the running thread's soft cut has passed (now reads the clock, only
// then).
func EnterEntry(kind uint8, now func() int64) {
	me := percpu.ID()
	entryKind[me] = kind
	if t := running[me]; t != nil && t.SoftCut && now() >= t.SliceEnd {
		resched[me] = true
	}
}

// Due reports whether, since Quiet said yes, something has become due
// for the end of this entry on CPU me: a switch, a wake-up, a change to
// the thread table (which also covers a thread that blocked or exited).
func Due(me int) bool { return resched[me] || nnotified != 0 || deadlineStale }

func schedule(f *trap.Frame, me int) {
	runWakeups()
	kicked[me] = false
	switchThreads(f, me)
	// Threads can have become runnable only if the table changed since
	// NextDeadline last looked (getpid need not walk it).
	if percpu.Online > 1 && deadlineStale {
		wakeIdleCPUs(me)
	}
}

// switchThreads is Schedule's switch on CPU me.
func switchThreads(f *trap.Frame, me int) {
	cur := Current()
	if cur != nil && cur.State == Running {
		if !resched[me] {
			enter(cur.Proc) // a retry may have entered another process
			return
		}
		trap.SaveFP(f)
		cur.Frame.Copy(f)
		cur.State = Runnable
	}
	resched[me] = false
	deadlineStale = true
	start := 0
	if cur != nil {
		start = cur.Slot + 1
	}
	for i := 0; i < MaxThreads; i++ {
		t := &threads[(start+i)%MaxThreads]
		if t.State == Runnable {
			running[me] = t
			percpu.This().Idle = false
			t.State, t.CPU, t.SliceEnd, t.Since, t.SoftCut = Running, me, 0, 0, false
			f.Copy(&t.Frame)
			enter(t.Proc)
			return
		}
	}
	running[me] = nil
	percpu.This().Idle = true
	resched[me] = true // idle: look for a thread at every entry
	f.Copy(&idleFrm)
}

// wakeIdleCPUs sends a wake-up IPI to one idle CPU per thread still
// runnable (a CPU already woken counts as taken).
func wakeIdleCPUs(me int) {
	waiting := 0
	for i := range threads {
		if threads[i].State == Runnable {
			waiting++
		}
	}
	for c := 0; c < percpu.Online && waiting > 0; c++ {
		if c != me && running[c] == nil && !kicked[c] {
			kicked[c] = true
			SendWake(c)
			waiting--
		}
	}
}

// Interrupt makes the CPU that runs t enter the kernel soon (to deliver
// a signal at its exit); nothing when t is not running elsewhere.
func Interrupt(t *Thread) {
	if t.State == Running && t.CPU != percpu.ID() {
		SendWake(t.CPU)
	}
}

// NextDeadline returns when this CPU's timer must next interrupt
// (monotonic ns, clock reads the time), 0 for never: the earliest deadline
// of the threads that blocked on this CPU, and the end of the running
// thread's time slice when another thread is waiting for a CPU. With
// nothing due, the CPU sleeps until an interrupt. A sleeper's deadline is
// its own CPU's alone (Thread.CPU, where it blocked; Linux keeps a
// sleeping task's timer on the CPU that armed it, too): were every CPU
// armed for every sleeper, each short sleep (the Go runtime's sysmon
// sleeps 20 µs at a time while the program is busy) would interrupt every
// CPU, and all but one would take the kernel lock for nothing. The CPU
// whose timer wakes a thread runs it, or sends it to an idle CPU
// (wakeIdleCPUs). A thread that blocked on CPU c keeps c as its CPU while
// it waits, so only c's entries add deadlines to c's timer, and c re-arms
// at the end of each (another CPU's wake-up only makes c's next interrupt
// come early, and find nothing).
//
// The table's part of the answer changes only when threads block, wake,
// start, end or switch, so it is kept between those events: a system call
// that changes none of them (getpid) does not pay for a walk over the
// thread table, nor for a call (NextDeadline is inlined; nextDeadline
// walks).
func NextDeadline(clock func() int64) int64 {
	if !deadlineStale && !waiting {
		return earliestWake[percpu.ID()]
	}
	return nextDeadline(clock)
}

func nextDeadline(clock func() int64) int64 {
	if deadlineStale {
		earliestWake, waiting = [percpu.MaxCPUs]int64{}, false
		for i := range threads[:used] {
			t := &threads[i]
			switch t.State {
			case Blocked:
				c := max(t.CPU, 0) // (only a thread that ran can block)
				earliestWake[c] = earlier(earliestWake[c], t.WakeAt)
			case Runnable:
				waiting = true
			}
		}
		deadlineStale = false
	}
	next := earliestWake[percpu.ID()]
	t := Current()
	if t != nil && t.Since == 0 {
		t.Since = clock()
	}
	if t != nil && waiting {
		if t.SliceEnd == 0 {
			t.SliceEnd = clock() + TimeSlice
			t.HardEnd, t.SoftCut = t.SliceEnd, false
		}
		if woke {
			now := clock()
			kind, end := entryKind[percpu.ID()], now+WakeupSlice
			if kind != EntryInterrupt {
				end = max(end, t.Since+WakeupGranularity)
			}
			if t.SliceEnd > end {
				t.SliceEnd = end
				t.SoftCut = kind == EntrySyscall
			} else if kind != EntrySyscall {
				t.SoftCut = false
			}
		}
		if t.SoftCut {
			next = earlier(next, t.HardEnd)
		} else {
			next = earlier(next, t.SliceEnd)
		}
	}
	woke = false
	return next
}

// earlier returns the earlier of two deadlines, where 0 is none.
func earlier(a, b int64) int64 {
	if a == 0 || b != 0 && b < a {
		return b
	}
	return a
}

// What NextDeadline found in the table last (per CPU, the earliest
// deadline of a thread that blocked there; whether a thread waits for a
// CPU), and whether it is out of date.
var (
	earliestWake  [percpu.MaxCPUs]int64
	waiting       bool
	deadlineStale = true
)

// idleLoopPC and idleStackTop return the idle loop's entry and stack.
func idleLoopPC() uintptr
func idleStackTop() uintptr

// SetCurrent makes t the thread running on this CPU (for the first thread).
func SetCurrent(t *Thread) {
	deadlineStale = true
	running[percpu.ID()] = t
	percpu.This().Idle = false
	resched[percpu.ID()] = false
	t.CPU = percpu.ID()
}

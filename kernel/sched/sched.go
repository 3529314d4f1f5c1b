// Package sched owns the program's threads: their saved registers, who
// runs next (round robin on one CPU, preempted by the timer), and how they
// wait (futex words, sleeps, timeouts). An idle "thread" — a loop of HLT in
// kernel text — runs when no program thread can.
//
// Switching threads is copying Frames: the trap entry saved the running
// thread's registers as the Frame on the kernel stack; Schedule stores that
// Frame in the thread and puts the next thread's Frame in its place, and
// the trap exit resumes whatever the Frame holds.
package sched

import (
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
	Running               // on the CPU: its registers are in the trap Frame
	Blocked               // waiting for a wake-up or a deadline
)

// Why a blocked thread waits.
type Wait uint8

const (
	WaitNone  Wait = iota
	WaitFutex      // on the futex word at Thread.FutexAddr
	WaitSleep      // until Thread.WakeAt (nanosleep)
	WaitEvent      // for an event source (epoll, read), or WakeAt
)

// Thread is one program thread.
type Thread struct {
	Frame     trap.Frame // saved registers while not Running
	State     State
	Wait      Wait
	TID       int32
	WakeAt    int64   // monotonic deadline in ns; 0: none
	TimeoutAX uintptr // the system call result if WakeAt passes first
	FutexAddr uintptr
	Slice     int // timer ticks run since it was last scheduled

	// For WaitEvent: what the thread waits for and the arguments of its
	// system call, which the waker needs to complete it.
	WaitFor  WaitFor
	WaitArgs [3]uintptr

	// Signal state (kernel/linux/signal.go): the blocked mask, the
	// pending set (bit sig-1), and the alternate signal stack.
	SigMask, SigPending uint64
	AltSP, AltSize      uint64
	AltFlags            uint32
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

// WaitFor says which event a WaitEvent thread waits for.
type WaitFor uint8

const (
	WaitForEpoll     WaitFor = iota // epoll_pwait(epfd, events, maxevents)
	WaitForStdin                    // read(0, buf, count)
	WaitForPipeRead                 // read(fd, buf, count) on a pipe
	WaitForPipeWrite                // write(fd, buf, count) on a pipe
)

// The thread table and the running thread: an index, or idle.
const idle = -1

var (
	threads [MaxThreads]Thread
	current = idle
	nextTID int32
	idleFrm trap.Frame
	resched bool
	live    int
)

// Created counts the threads made since boot, the first included.
var Created int

// TimeSlice is how many timer ticks a thread runs before another runnable
// thread gets the CPU.
const TimeSlice = 10

// Init prepares the idle frame: RIP at the idle loop, its own small stack.
func Init() {
	idleFrm = trap.Frame{}
	InitFX(&idleFrm)
	idleFrm.RIP = uint64(idleLoopPC())
	idleFrm.RSP = uint64(idleStackTop())
	idleFrm.RFLAGS = 0x202 // IF set: the idle loop waits for interrupts
	idleFrm.CS = trap.KernelCS
	idleFrm.SS = trap.KernelSS
	idleFrm.FSBase = trap.KernelFSBase()
	current = idle
	nextTID = 1
}

// InitFX gives a frame the FP/SSE state of a fresh process: x87 control
// word 0x37F and MXCSR 0x1F80, every exception masked (SDM Vol. 1 §8.1.5,
// §10.2.3; the FXSAVE layout is Table 10-2).
func InitFX(f *trap.Frame) {
	f.FX[0], f.FX[1] = 0x7F, 0x03
	f.FX[24], f.FX[25] = 0x80, 0x1F
}

// New makes a runnable thread with frame f and returns it, or nil when the
// table is full.
func New(f *trap.Frame) *Thread {
	for i := range threads {
		t := &threads[i]
		if t.State == Free {
			*t = Thread{Frame: *f, State: Runnable, TID: nextTID}
			nextTID++
			live++
			Created++
			return t
		}
	}
	return nil
}

// Current returns the running thread, or nil when idle.
func Current() *Thread {
	if current == idle {
		return nil
	}
	return &threads[current]
}

// Live returns the number of threads that have not exited.
func Live() int { return live }

// Exit ends the current thread. Its stack is not touched.
func Exit() {
	if t := Current(); t != nil {
		t.State = Free
		live--
	}
}

// Block makes the current thread wait; result is its system call's return
// value if something wakes it, timeoutResult if deadline (ns, 0: none)
// passes first.
func Block(f *trap.Frame, why Wait, deadline int64, result, timeoutResult uintptr) {
	t := Current()
	t.State = Blocked
	t.Wait = why
	t.WakeAt = deadline
	t.TimeoutAX = timeoutResult
	f.AX = uint64(result)
}

// Wake makes a blocked thread runnable; its saved AX keeps the result set
// by Block unless the caller changes it.
func Wake(t *Thread) {
	t.State = Runnable
	t.Wait = WaitNone
	t.WakeAt = 0
	t.FutexAddr = 0
}

// FutexWake wakes up to n threads waiting on the futex word at addr and
// returns how many it woke.
func FutexWake(addr uintptr, n int) int {
	woken := 0
	for i := range threads {
		t := &threads[i]
		if woken < n && t.State == Blocked && t.Wait == WaitFutex && t.FutexAddr == addr {
			Wake(t)
			woken++
		}
	}
	return woken
}

// WakeEvents wakes every thread blocked in WaitEvent whose check reports
// ready, setting its result, and returns how many it woke.
func WakeEvents(ready func(t *Thread) (uintptr, bool)) int {
	woken := 0
	for i := range threads {
		t := &threads[i]
		if t.State == Blocked && t.Wait == WaitEvent {
			if r, ok := ready(t); ok {
				t.Frame.AX = uint64(r)
				Wake(t)
				woken++
			}
		}
	}
	return woken
}

// Tick is called on every timer interrupt with the monotonic time: it ends
// waits whose deadline passed and asks for a switch when the running
// thread has used its time slice.
func Tick(now int64) {
	for i := range threads {
		t := &threads[i]
		if t.State == Blocked && t.WakeAt != 0 && now >= t.WakeAt {
			t.Frame.AX = uint64(t.TimeoutAX)
			Wake(t)
		}
	}
	if t := Current(); t != nil {
		t.Slice++
		if t.Slice >= TimeSlice {
			resched = true
		}
	} else {
		resched = true // idle: see if a thread woke
	}
}

// Yield asks for a switch at the end of this kernel entry.
func Yield() { resched = true }

// Schedule runs at the end of every kernel entry with the entry's frame f.
// If the running thread may go on and no switch is due, f is left alone.
// Otherwise f is saved into the running thread and replaced by the frame of
// the next runnable thread in round-robin order, or the idle frame.
func Schedule(f *trap.Frame) {
	cur := Current()
	if cur != nil && cur.State == Running && !resched {
		return
	}
	resched = false
	if cur != nil && cur.State != Free {
		cur.Frame = *f
		if cur.State == Running {
			cur.State = Runnable
		}
	}
	start := current + 1
	for i := 0; i < MaxThreads; i++ {
		n := (start + i) % MaxThreads
		if threads[n].State == Runnable {
			current = n
			threads[n].State = Running
			threads[n].Slice = 0
			*f = threads[n].Frame
			return
		}
	}
	current = idle
	*f = idleFrm
}

// idleLoopPC and idleStackTop return the idle loop's entry and stack.
func idleLoopPC() uintptr
func idleStackTop() uintptr

// SetCurrent makes t the running thread (for the first thread).
func SetCurrent(t *Thread) {
	for i := range threads {
		if &threads[i] == t {
			current = i
		}
	}
}

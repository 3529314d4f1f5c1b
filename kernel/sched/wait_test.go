package sched

import (
	"runtime"
	"syscall"
	"testing"
	"unsafe"

	"github.com/gobare/gobare/kernel/percpu"
	"github.com/gobare/gobare/kernel/trap"
)

// reset empties the thread table for a test, which runs as CPU 0.
func reset() {
	onCPU0()
	threads = [MaxThreads]Thread{}
	running, resched, kicked = [percpu.MaxCPUs]*Thread{}, [percpu.MaxCPUs]bool{}, [percpu.MaxCPUs]bool{}
	live, nnotified, notifiedAll = 0, 0, false
	deadlineStale = true
	nextTID = 1
}

// onCPU0 makes percpu.ID work on the host: the test's goroutine keeps its
// OS thread, whose GS base (which Linux lets a process set with
// arch_prctl(ARCH_SET_GS), and Go leaves alone) points at CPU 0's block.
func onCPU0() {
	const sysArchPrctl, archSetGS = 158, 0x1001
	runtime.LockOSThread()
	if _, _, e := syscall.RawSyscall(sysArchPrctl, archSetGS, uintptr(unsafe.Pointer(percpu.Get(0))), 0); e != 0 {
		panic("arch_prctl(ARCH_SET_GS): " + e.Error())
	}
}

// spawn makes a thread and makes it the running one.
func spawn(t *testing.T) *Thread {
	t.Helper()
	th := New(&trap.Frame{})
	if th == nil {
		t.Fatal("thread table full")
	}
	th.State = Running
	SetCurrent(th)
	return th
}

// block makes th (running) wait on key, as a system call would.
func block(th *Thread, key uintptr, deadline int64, timeout uintptr, retry Retry) {
	SetCurrent(th)
	f := trap.Frame{AX: 202}
	Block(&f, key, deadline, timeout, retry)
}

func TestNotifyWakesOnlyThatKey(t *testing.T) {
	reset()
	a, b := spawn(t), spawn(t)
	block(a, 0x1000, 0, 0, nil)
	block(b, 0x2000, 0, 0, nil)
	Notify(0x1000)
	runWakeups()
	if a.State != Runnable || a.Frame.AX != 0 {
		t.Errorf("waiter on the notified key: state %d AX %d; want runnable with 0", a.State, a.Frame.AX)
	}
	if b.State != Blocked {
		t.Errorf("waiter on another key woke (state %d)", b.State)
	}
}

func TestRetryDecides(t *testing.T) {
	reset()
	a := spawn(t)
	ready := false
	block(a, 0x1000, 0, 0, func(*Thread) (uintptr, bool) { return 42, ready })
	Notify(0x1000)
	runWakeups()
	if a.State != Blocked {
		t.Fatal("woke although its retry said not yet")
	}
	ready = true
	Notify(0x1000)
	runWakeups()
	if a.State != Runnable || a.Frame.AX != 42 {
		t.Fatalf("state %d AX %d; want runnable with the retry's 42", a.State, a.Frame.AX)
	}
}

// A retry that notifies another key (a reader that empties a pipe a writer
// waits on) wakes that key's waiters in the same round.
func TestRetryChains(t *testing.T) {
	reset()
	reader, writer := spawn(t), spawn(t)
	block(writer, 0x2000, 0, 0, nil)
	block(reader, 0x1000, 0, 0, func(*Thread) (uintptr, bool) { Notify(0x2000); return 1, true })
	Notify(0x1000)
	runWakeups()
	if reader.State != Runnable || writer.State != Runnable {
		t.Fatalf("reader %d, writer %d; want both runnable", reader.State, writer.State)
	}
}

func TestDeadline(t *testing.T) {
	reset()
	a, b := spawn(t), spawn(t)
	block(a, 0x1000, 1000, 110, nil)
	block(b, 0, 5000, 0, nil) // a sleep: no key
	Tick(999)
	if a.State != Blocked {
		t.Fatal("woke before its deadline")
	}
	Tick(1000)
	if a.State != Runnable || a.Frame.AX != 110 {
		t.Fatalf("at the deadline: state %d AX %d; want runnable with the timeout result 110", a.State, a.Frame.AX)
	}
	Notify(0) // nothing waits on key 0 but sleepers, who only time out
	runWakeups()
	if b.State != Blocked {
		t.Fatal("a sleeper woke on a notification")
	}
}

// WakeN wakes at most n waiters, in table order, without their retries.
func TestWakeN(t *testing.T) {
	reset()
	var ws []*Thread
	for i := 0; i < 4; i++ {
		w := spawn(t)
		block(w, 0x3000, 0, 0, func(*Thread) (uintptr, bool) { return 0, false })
		ws = append(ws, w)
	}
	if n := WakeN(0x3000, 2); n != 2 {
		t.Fatalf("WakeN woke %d, want 2", n)
	}
	for i, w := range ws {
		if want := i < 2; (w.State == Runnable) != want {
			t.Errorf("waiter %d: state %d", i, w.State)
		}
	}
	if n := WakeN(0, 5); n != 0 {
		t.Errorf("WakeN on key 0 woke %d", n)
	}
}

// Schedule runs the next runnable thread in round-robin order, saving the
// running one's registers, and the idle frame when none can run.
func TestScheduleRoundRobin(t *testing.T) {
	reset()
	a, b := spawn(t), spawn(t)
	b.State = Runnable
	b.Frame.RIP = 0xb
	SetCurrent(a)
	f := trap.Frame{RIP: 0xa}
	Yield()
	Schedule(&f)
	if Current() != b || f.RIP != 0xb || a.Frame.RIP != 0xa || a.State != Runnable {
		t.Fatalf("after a yield: current TID %d, frame RIP %#x, a saved RIP %#x", Current().TID, f.RIP, a.Frame.RIP)
	}
	Block(&f, 0x1, 0, 0, nil)
	a.State = Blocked
	Schedule(&f)
	if Current() != nil {
		t.Fatalf("all blocked: current is TID %d, want idle", Current().TID)
	}
}

// NextDeadline is the earliest sleeper's deadline, or the running thread's
// slice end when another thread waits for the CPU; 0 when nothing is due.
func TestNextDeadline(t *testing.T) {
	reset()
	a := spawn(t)
	if d := NextDeadline(func() int64 { return 100 }); d != 0 {
		t.Fatalf("one running thread, nothing waiting: deadline %d, want 0", d)
	}
	b := spawn(t)
	block(b, 0x1000, 1e9, 0, nil)
	SetCurrent(a)
	if d := NextDeadline(func() int64 { return 100 }); d != 1e9 {
		t.Fatalf("a sleeper until 1e9: deadline %d", d)
	}
	c := spawn(t)
	c.State = Runnable
	SetCurrent(a)
	if d := NextDeadline(func() int64 { return 100 }); d != 100+TimeSlice {
		t.Fatalf("a runnable thread waits: deadline %d, want the running thread's slice end %d", d, 100+TimeSlice)
	}
	Tick(a.SliceEnd)
	if !resched[0] {
		t.Fatal("the slice ended but no switch was asked for")
	}
}

// A sleeper's deadline arms only the timer of the CPU it blocked on: on
// a two-CPU machine, a thread that blocked on CPU 1 leaves CPU 0's timer
// alone, and one that blocked on CPU 0 sets it.
func TestDeadlineIsItsCPUs(t *testing.T) {
	reset()
	percpu.Online = 2
	defer func() { percpu.Online = 1 }()
	a, b, c := spawn(t), spawn(t), spawn(t)
	block(b, 0x1000, 1e9, 0, nil)
	b.CPU = 1 // as if it had blocked on CPU 1
	SetCurrent(a)
	now := func() int64 { return 100 }
	if d := NextDeadline(now); d != 0 {
		t.Fatalf("CPU 0, a sleeper of CPU 1's until 1e9: deadline %d, want 0 (none)", d)
	}
	block(c, 0x2000, 2e9, 0, nil)
	SetCurrent(a)
	if d := NextDeadline(now); d != 2e9 {
		t.Fatalf("CPU 0, its own sleeper until 2e9 and CPU 1's until 1e9: deadline %d, want 2e9", d)
	}
	Tick(1e9) // whichever CPU's interrupt comes first wakes every sleeper that is due
	if b.State != Runnable || c.State != Blocked {
		t.Fatalf("after a tick at 1e9: states %v and %v, want Runnable and Blocked", b.State, c.State)
	}
}

// A thread that wakes waits for the CPU at most WakeupSlice: the running
// thread's slice is cut short for it, once.
func TestWakeupSlice(t *testing.T) {
	reset()
	a, b := spawn(t), spawn(t)
	block(b, 0x1000, 0, 0, nil)
	SetCurrent(a)
	now := func() int64 { return 5e6 }
	if d := NextDeadline(now); d != 0 {
		t.Fatalf("one thread running, one blocked without a deadline: deadline %d, want 0", d)
	}
	WakeN(0x1000, 1)
	if d := NextDeadline(now); d != 5e6+WakeupSlice {
		t.Fatalf("after a wake-up: deadline %d, want %d", d, 5e6+WakeupSlice)
	}
	c := spawn(t)
	c.State = Runnable
	SetCurrent(a)
	a.SliceEnd = 0
	if d := NextDeadline(now); d != 5e6+TimeSlice {
		t.Fatalf("a new thread (not a wake-up) waits: deadline %d, want the whole slice's end %d", d, 5e6+TimeSlice)
	}
	// A timer's sleeper waits until the running thread has had the CPU
	// for WakeupGranularity, the timer armed for it; one a system call
	// woke as long, the cut soft. A thread that has had it longer is cut
	// to WakeupSlice.
	for _, c := range []struct {
		kind       uint8
		since, end int64
	}{
		{EntryTimer, 5e6, 5e6 + WakeupGranularity},
		{EntrySyscall, 5e6, 5e6 + WakeupGranularity},
		{EntryTimer, 4.5e6, 4.5e6 + WakeupGranularity},
		{EntryTimer, 1e6, 5e6 + WakeupSlice},
	} {
		d := spawn(t)
		block(d, 0x2000, 0, 0, nil)
		SetCurrent(a)
		a.SliceEnd, a.Since = 0, c.since
		NextDeadline(now)
		EnterEntry(c.kind, now)
		WakeN(0x2000, 1)
		got, want := NextDeadline(now), c.end
		if c.kind == EntrySyscall {
			want = 5e6 + TimeSlice // the soft cut's timer stays armed for the slice's end
		}
		if got != want || a.SliceEnd != c.end || a.SoftCut != (c.kind == EntrySyscall) {
			t.Fatalf("a wake-up in an entry of kind %d, the thread running since %d: deadline %d, slice end %d, soft %v; want %d, %d, %v",
				c.kind, c.since, got, a.SliceEnd, a.SoftCut, want, c.end, c.kind == EntrySyscall)
		}
		EnterEntry(EntryInterrupt, now)
	}
}

// TestScheduleWakesIdleCPUs: on a two-CPU machine where CPU 1 idles, CPU
// 0 runs a thread and a second one becomes runnable; Schedule on CPU 0
// leaves its own thread running (its slice is not over) and sends CPU 1
// one wake-up IPI, not one per entry while the IPI is on its way.
func TestScheduleWakesIdleCPUs(t *testing.T) {
	reset()
	var woken []int
	percpu.Online, SendWake = 2, func(cpu int) { woken = append(woken, cpu) }
	defer func() { percpu.Online, SendWake = 1, nil }()
	a := spawn(t)
	b := spawn(t)
	SetCurrent(a)
	b.State = Runnable
	f := trap.Frame{AX: 7}
	Schedule(&f)
	if f.AX != 7 || Current() != a {
		t.Fatalf("CPU 0 switched away from its thread")
	}
	Schedule(&f)
	if len(woken) != 1 || woken[0] != 1 {
		t.Fatalf("wake-up IPIs to %v, want one to CPU 1", woken)
	}
}

package sched

import (
	"github.com/gobare/gobare/kernel/percpu"
	"github.com/gobare/gobare/kernel/trap"
)

// Waiting. A thread blocks on a key (an address: of a futex word, a pipe,
// an epoll instance — whatever the waker will name) with an optional
// deadline. Whoever changes the object behind a key calls Notify(key); at
// the end of the kernel entry each thread blocked on that key is asked,
// through its Retry, whether its wait is over. Kernel code never sleeps: a
// blocked thread's system call is finished by its Retry or its deadline.

// Block makes the current thread, whose registers are in f, wait on key
// until Notify(key) and its retry say it is done, or until deadline (ns on
// the monotonic clock, 0: none) passes, when its result is timeoutResult.
func Block(f *trap.Frame, key uintptr, deadline int64, timeoutResult uintptr, retry Retry) {
	t := Current()
	trap.SaveFP(f)
	t.Frame.Copy(f)
	t.State = Blocked
	t.WaitKey = key
	t.WakeAt = deadline
	t.TimeoutAX = timeoutResult
	t.retry = retry
	deadlineStale = true
	resched[percpu.ID()] = true
}

// Wake ends t's wait with result (its system call's return value).
func Wake(t *Thread, result uintptr) {
	t.Frame.AX = uint64(result)
	t.State = Runnable
	t.WaitKey = 0
	t.WakeAt = 0
	t.retry = nil
	deadlineStale = true
	woke = true
}

// WakeN ends the waits of up to n threads blocked on key with result 0,
// without asking their Retry, and returns how many it woke (futex wake).
func WakeN(key uintptr, n int) int {
	woken := 0
	for i := range threads[:used] {
		t := &threads[i]
		if woken < n && t.State == Blocked && t.WaitKey == key && key != 0 {
			Wake(t, 0)
			woken++
		}
	}
	return woken
}

// The keys notified during this kernel entry, waiting for runWakeups.
// When more arrive than fit, every blocked thread is retried.
var (
	notified    [16]uintptr
	nnotified   int
	notifiedAll bool
)

// Notify records that the object behind key changed: the threads waiting
// on it are retried at the end of this kernel entry (not now: the caller
// may be in the middle of changing it, or inside another thread's retry).
func Notify(key uintptr) {
	for i := 0; i < nnotified; i++ {
		if notified[i] == key {
			return
		}
	}
	if nnotified == len(notified) {
		notifiedAll = true
		return
	}
	notified[nnotified] = key
	nnotified++
}

// runWakeups retries the threads blocked on notified keys until no retry
// notifies anything new (completing one wait can enable another: a reader
// empties the pipe a writer waits on).
func runWakeups() {
	for nnotified > 0 || notifiedAll {
		var keys [len(notified)]uintptr
		n, all := copy(keys[:], notified[:nnotified]), notifiedAll
		nnotified, notifiedAll = 0, false
		for i := range threads[:used] {
			t := &threads[i]
			if t.State != Blocked || t.WaitKey == 0 || !all && !contains(keys[:n], t.WaitKey) {
				continue
			}
			if t.retry == nil {
				Wake(t, 0)
				continue
			}
			use(t.Proc) // the retry runs the call in the thread's process
			if r, done := t.retry(t); done {
				Wake(t, r)
			}
		}
	}
}

func contains(keys []uintptr, k uintptr) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

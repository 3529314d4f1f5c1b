// Command smpstress makes goroutines on every CPU block and wake each other
// through each of the kernel's waiting paths at once, and checks that every
// message arrived exactly once (tests/smp_test.go boots it on several CPUs;
// a lost wake-up hangs it, which the test's timeout catches):
//
//   - futex: pairs of locked OS threads (more threads than CPUs) hand a
//     token back and forth through raw FUTEX_WAIT/FUTEX_WAKE on a shared
//     word;
//   - futex timeouts: locked threads FUTEX_WAIT on words nobody wakes, with
//     short timeouts: each wait must end in ETIMEDOUT, none early (the
//     kernel's deadlines, on whichever CPU's timer gets there first);
//   - pipes: writers push numbered records through os.Pipe (non-blocking,
//     so the runtime waits in epoll) to readers, which sum them;
//   - blocking pipes: the same through raw blocking read and write on
//     pipe2's descriptors, four times a pipe's capacity, so writers block on
//     a full pipe and readers on an empty one, each woken from another CPU;
//   - epoll: locked threads wait in epoll_wait on one instance watching
//     several non-blocking eventfds that other goroutines add numbers to;
//     every waiter woken for an eventfd reads it, and what they read must
//     sum to what was written (a reader that finds it already taken gets
//     EAGAIN);
//   - channels: a ring of goroutines passes a counter around (the
//     runtime's own futexes, when Ps go idle and are woken);
//   - timers: goroutines sleep short random times and count their wake-ups;
//   - TLB shootdown (last, alone): readers on the other CPUs keep reading a
//     mapped page until the main goroutine unmaps it; each read after
//     munmap has returned must fault, which a reader with a stale TLB
//     entry would not.
//
// It prints "smpstress: ok" and the counts, or the first wrong count and
// exits 1. NumCPU and GOMAXPROCS are printed first.
package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

const (
	futexPairs   = 4
	futexRounds  = 1000
	futexTimers  = 4
	timeoutsEach = 50
	pipes        = 4
	pipeRecords  = 2000
	rawRecords   = 4 * 65536 / recordLength // four times a pipe's capacity
	rawBatch     = 16                       // records per write: 128 bytes, written atomically (< PIPE_BUF)
	eventfds     = 4
	epollWaiters = 4
	adders       = 4
	addsEach     = 1000
	ringSize     = 8
	ringLaps     = 500
	sleepers     = 16
	sleepsEach   = 50
	futexWait    = 0 | 128 // FUTEX_WAIT_PRIVATE
	futexWake    = 1 | 128 // FUTEX_WAKE_PRIVATE
	efdNonblock  = syscall.O_NONBLOCK
	recordLength = 8
)

func main() {
	fmt.Printf("smpstress: NumCPU %d GOMAXPROCS %d\n", runtime.NumCPU(), runtime.GOMAXPROCS(0))
	start := time.Now()
	var wg sync.WaitGroup
	parts := []func() string{futexes, futexTimeouts, pipeSums, rawPipeSums, epollSums, ring, timers}
	results := make(chan string, len(parts)+2)
	for _, f := range parts {
		wg.Add(1)
		go func() { defer wg.Done(); results <- f() }()
	}
	wg.Wait()
	results <- shootdown()
	results <- readyWhenAdded()
	close(results)
	failed := false
	for r := range results {
		fmt.Println("smpstress:", r)
		failed = failed || r[:2] != "ok"
	}
	if failed {
		os.Exit(1)
	}
	fmt.Printf("smpstress: ok in %v\n", time.Since(start).Round(time.Millisecond))
}

// futexes: each pair's two threads take turns: the word says whose turn it
// is; a thread waits while it is the other's and wakes the other after
// handing over. Both count their turns.
func futexes() string {
	var wg sync.WaitGroup
	var turns atomic.Int64
	for p := 0; p < futexPairs; p++ {
		word := new(uint32)
		for side := uint32(0); side < 2; side++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread()
				for i := 0; i < futexRounds; i++ {
					for atomic.LoadUint32(word) != side {
						syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWait, uintptr(1-side), 0, 0, 0)
					}
					turns.Add(1)
					atomic.StoreUint32(word, 1-side)
					syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWake, 1, 0, 0, 0)
				}
			}()
		}
	}
	wg.Wait()
	return check("futex turns", turns.Load(), futexPairs*2*futexRounds)
}

// pipeSums: each writer sends the numbers 1..pipeRecords through its own
// pipe; its reader sums what arrives.
func pipeSums() string {
	var wg sync.WaitGroup
	var sum atomic.Int64
	for p := 0; p < pipes; p++ {
		r, w, err := os.Pipe()
		if err != nil {
			return "pipe: " + err.Error()
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			var b [recordLength]byte
			for i := 1; i <= pipeRecords; i++ {
				binary.LittleEndian.PutUint64(b[:], uint64(i))
				w.Write(b[:])
			}
			w.Close()
		}()
		go func() {
			defer wg.Done()
			var b [recordLength]byte
			for {
				if _, err := io.ReadFull(r, b[:]); err != nil {
					break
				}
				sum.Add(int64(binary.LittleEndian.Uint64(b[:])))
			}
			r.Close()
		}()
	}
	wg.Wait()
	return check("pipe sum", sum.Load(), pipes*pipeRecords*(pipeRecords+1)/2)
}

// futexTimeouts: each locked thread waits timeoutsEach times on its own
// word, which holds the expected value and is never woken, for 0-2 ms:
// every wait must return ETIMEDOUT, and not before its time. (A wait a
// signal to the thread interrupted, EINTR, waits again for what is left
// of its time, as Linux's restart of a FUTEX_WAIT under SA_RESTART does.)
func futexTimeouts() string {
	var wg sync.WaitGroup
	var timedOut atomic.Int64
	var wrong firstWrong
	for w := 0; w < futexTimers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			word := new(uint32)
			for i := 0; i < timeoutsEach; i++ {
				d := time.Duration(100+(w*331+i*97)%1900) * time.Microsecond
				start := time.Now()
				for left := d; left > 0; left = d - time.Since(start) {
					ts := syscall.NsecToTimespec(int64(left))
					_, _, e := syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWait, 0, uintptr(unsafe.Pointer(&ts)), 0, 0)
					if e == syscall.ETIMEDOUT {
						break
					}
					if e != syscall.EINTR {
						wrong.set("a futex wait of %v nobody woke returned %v, want ETIMEDOUT", d, e)
						return
					}
				}
				if took := time.Since(start); took < d {
					wrong.set("a futex wait of %v timed out after %v", d, took)
					return
				}
				timedOut.Add(1)
			}
		}()
	}
	wg.Wait()
	if w := wrong.get(); w != "" {
		return "WRONG " + w
	}
	return check("futex timeouts (none early)", timedOut.Load(), futexTimers*timeoutsEach)
}

// rawPipeSums: each writer sends the numbers 1..rawRecords through its own
// blocking pipe, rawBatch records a write; its reader sums what blocking
// reads return (keeping a record split between two reads for the next).
func rawPipeSums() string {
	var wg sync.WaitGroup
	var sum atomic.Int64
	var wrong firstWrong
	for p := 0; p < pipes; p++ {
		fds := make([]int, 2)
		if err := syscall.Pipe2(fds, syscall.O_CLOEXEC); err != nil {
			return "pipe2: " + err.Error()
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			var b [rawBatch * recordLength]byte
			for i := 1; i <= rawRecords; i += rawBatch {
				for j := 0; j < rawBatch; j++ {
					binary.LittleEndian.PutUint64(b[j*recordLength:], uint64(i+j))
				}
				if n, err := syscall.Write(fds[1], b[:]); n != len(b) {
					wrong.set("write to a blocking pipe: %d bytes of %d, %v", n, len(b), err)
					break
				}
			}
			syscall.Close(fds[1])
		}()
		go func() {
			defer wg.Done()
			var b [4096]byte
			have := 0
			for {
				n, err := syscall.Read(fds[0], b[have:])
				if err != nil {
					wrong.set("read from a blocking pipe: %v", err)
					break
				}
				if n == 0 {
					break // the writer closed its end
				}
				have += n
				whole := have / recordLength * recordLength
				for i := 0; i < whole; i += recordLength {
					sum.Add(int64(binary.LittleEndian.Uint64(b[i:])))
				}
				have = copy(b[:], b[whole:have])
			}
			syscall.Close(fds[0])
		}()
	}
	wg.Wait()
	if w := wrong.get(); w != "" {
		return "WRONG " + w
	}
	return check("blocking pipe sum", sum.Load(), pipes*rawRecords*(rawRecords+1)/2)
}

// epollSums: adders add 1..addsEach to the eventfds in turn; epollWaiters
// locked threads wait on one epoll instance (level-triggered) for any of
// them and read (take and reset) what is there. When the adders are done
// and everything was taken, a last eventfd, never read, stops the waiters.
func epollSums() string {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return "epoll_create1: " + err.Error()
	}
	defer syscall.Close(ep)
	var fds [eventfds + 1]int // the last one stops the waiters
	for i := range fds {
		fd, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|efdNonblock, 0)
		if e != 0 {
			return "eventfd2: " + e.Error()
		}
		fds[i] = int(fd)
		defer syscall.Close(fds[i])
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(i)}
		if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fds[i], &ev); err != nil {
			return "epoll_ctl: " + err.Error()
		}
	}
	var taken, wakes atomic.Int64
	var wrong firstWrong
	var waiters sync.WaitGroup
	for w := 0; w < epollWaiters; w++ {
		waiters.Add(1)
		go func() {
			defer waiters.Done()
			runtime.LockOSThread()
			var evs [eventfds + 1]syscall.EpollEvent
			var b [8]byte
			for {
				n, err := syscall.EpollWait(ep, evs[:], -1)
				if err == syscall.EINTR {
					continue
				}
				if err != nil {
					wrong.set("epoll_wait: %v", err)
					return
				}
				wakes.Add(1)
				for _, ev := range evs[:n] {
					if ev.Fd == eventfds {
						return
					}
					k, err := syscall.Read(fds[ev.Fd], b[:])
					if err == syscall.EAGAIN {
						continue // another waiter took it first
					}
					if k != 8 {
						wrong.set("read of an eventfd: %d bytes, %v", k, err)
						return
					}
					taken.Add(int64(binary.LittleEndian.Uint64(b[:])))
				}
			}
		}()
	}
	var adding sync.WaitGroup
	for a := 0; a < adders; a++ {
		adding.Add(1)
		go func() {
			defer adding.Done()
			var b [8]byte
			for i := 1; i <= addsEach; i++ {
				binary.LittleEndian.PutUint64(b[:], uint64(i))
				if k, err := syscall.Write(fds[(a+i)%eventfds], b[:]); k != 8 {
					wrong.set("write to an eventfd: %d bytes, %v", k, err)
					return
				}
			}
		}()
	}
	adding.Wait()
	const want = adders * addsEach * (addsEach + 1) / 2
	for taken.Load() < want && wrong.get() == "" {
		time.Sleep(time.Millisecond)
	}
	syscall.Write(fds[eventfds], []byte{1, 0, 0, 0, 0, 0, 0, 0})
	waiters.Wait()
	if w := wrong.get(); w != "" {
		return "WRONG " + w
	}
	return check("epoll eventfd sum", taken.Load(), want)
}

// ring: a counter goes round ringSize goroutines ringLaps times.
func ring() string {
	chans := make([]chan int, ringSize)
	for i := range chans {
		chans[i] = make(chan int)
	}
	done := make(chan int)
	for i := range chans {
		go func() {
			for v := range chans[i] {
				if v == ringSize*ringLaps {
					done <- v
					return
				}
				chans[(i+1)%ringSize] <- v + 1
			}
		}()
	}
	chans[0] <- 0
	return check("ring passes", int64(<-done), ringSize*ringLaps)
}

// timers: every sleeper sleeps sleepsEach times for 0-2 ms.
func timers() string {
	var wg sync.WaitGroup
	var wakes atomic.Int64
	for s := 0; s < sleepers; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < sleepsEach; i++ {
				d := time.Duration((s*7+i*13)%2000) * time.Microsecond
				t := time.Now()
				time.Sleep(d)
				if time.Since(t) >= d {
					wakes.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return check("timer wake-ups (none early)", wakes.Load(), sleepers*sleepsEach)
}

// shootdown: GOMAXPROCS-1 readers spin reading one page (so their TLBs
// hold it) until told; main unmaps it, then tells them; each reader's
// next read must fault.
//
// The page is the middle one of three, and only it is unmapped: a free
// range of one page between two mappings. Unmapping a page at the edge
// of the mappings would join it to the free space beside it, and the
// next mmap the runtime makes without an address (a Linux kernel, and
// gobare's, place those top-down in the highest gap that fits) could
// cover it before a reader's last load: that load would then read a
// fresh zero page without a fault, through no fault of the TLB. A reader
// that does not fault says what it read and whether the address is
// mapped again, which tells the two apart.
func shootdown() string {
	const rounds = 20
	const magic = 0x5A
	readers := runtime.GOMAXPROCS(0) - 1
	if readers < 1 {
		readers = 1
	}
	faults := 0
	var notes []string
	for round := 0; round < rounds; round++ {
		pages, err := syscall.Mmap(-1, 0, 3*4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			return "mmap: " + err.Error()
		}
		page := pages[4096 : 2*4096]
		page[0] = magic
		var reading atomic.Int32
		var unmapped atomic.Bool
		type result struct {
			faulted bool
			read    uint32
		}
		results := make(chan result, readers)
		for r := 0; r < readers; r++ {
			go func() {
				runtime.LockOSThread()
				debug.SetPanicOnFault(true)
				var read uint32
				defer func() { results <- result{recover() != nil, read} }()
				word := (*atomic.Uint32)(unsafe.Pointer(&page[0])) // atomic: each load really reads memory
				reading.Add(1)
				for !unmapped.Load() {
					word.Load()
				}
				read = word.Load() // after munmap returned: must fault
			}()
		}
		for reading.Load() != int32(readers) {
			runtime.Gosched()
		}
		if _, _, e := syscall.Syscall(syscall.SYS_MUNMAP, uintptr(unsafe.Pointer(&page[0])), 4096, 0); e != 0 {
			return "munmap: " + e.Error()
		}
		unmapped.Store(true)
		for r := 0; r < readers; r++ {
			res := <-results
			if res.faulted {
				faults++
				continue
			}
			_, _, e := syscall.Syscall(syscall.SYS_MPROTECT, uintptr(unsafe.Pointer(&page[0])), 4096, syscall.PROT_READ)
			notes = append(notes, fmt.Sprintf("round %d read %#x, the address mapped again: %v", round, res.read, e == 0))
		}
		if err := syscall.Munmap(pages); err != nil { // the hole in the middle is no error
			return "munmap: " + err.Error()
		}
	}
	return check("reads after munmap that faulted", int64(faults), int64(rounds*readers), notes...)
}

// firstWrong keeps the first of the failures the goroutines of one part
// report.
type firstWrong struct{ p atomic.Pointer[string] }

func (w *firstWrong) set(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	w.p.CompareAndSwap(nil, &s)
}

// get returns the first failure, or "".
func (w *firstWrong) get() string {
	if s := w.p.Load(); s != nil {
		return *s
	}
	return ""
}

// readyWhenAdded: a file already ready when it is added to an epoll
// instance wakes a thread already blocked in epoll_wait on it, as on
// Linux (ep_insert). Go's connect registers its socket only after
// connect(2) returns EINPROGRESS, so a handshake finished first was
// missed until some other file changed. It runs alone, after the other
// parts: any change to any file would wake the waiter anyway.
func readyWhenAdded() string {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return "epoll_create1: " + err.Error()
	}
	fd, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|efdNonblock, 0)
	if e != 0 {
		return "eventfd2: " + e.Error()
	}
	done := make(chan int, 1)
	go func() {
		runtime.LockOSThread()
		var evs [1]syscall.EpollEvent
		for {
			n, err := syscall.EpollWait(ep, evs[:], -1)
			if err != syscall.EINTR {
				done <- n
				return
			}
		}
	}()
	// The timer first: arming it may write the runtime's own eventfd
	// (netpollBreak), a change to a file that would wake the waiter
	// whether or not EPOLL_CTL_ADD does.
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	time.Sleep(200 * time.Millisecond) // the waiter blocks
	one := [8]byte{1}
	syscall.Write(int(fd), one[:]) // ready before it is watched

	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | 1<<31, Fd: 1} // edge-triggered (EPOLLET), as Go's netpoller
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, int(fd), &ev); err != nil {
		return "epoll_ctl: " + err.Error()
	}
	select {
	case n := <-done:
		return check("epoll wake-up for a file ready when added", int64(n), 1)
	case <-timeout.C:
		return "WRONG epoll_wait slept on past a file ready when it was added"
	}
}

// check says "ok NAME N" or what went wrong.
func check(name string, got, want int64, notes ...string) string {
	if got != want {
		if len(notes) > 0 {
			return fmt.Sprintf("WRONG %s: %d, want %d (%s)", name, got, want, strings.Join(notes, "; "))
		}
		return fmt.Sprintf("WRONG %s: %d, want %d", name, got, want)
	}
	return fmt.Sprintf("ok %s %d", name, got)
}

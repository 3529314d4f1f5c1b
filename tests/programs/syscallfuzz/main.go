// Command syscallfuzz makes random system calls for a while and checks
// that the kernel survives them: the numbers gobare implements, with
// random and adversarial arguments (bad pointers, huge lengths, the
// kernel's own addresses, closed descriptors, random flags), and random
// numbers it does not implement. It is seeded and reproducible: the same
// seed makes the same calls in the same order (the arguments never depend
// on earlier results).
//
//	syscallfuzz [-seed N] [-duration 20s] [-calls N] [-progress N] [-verbose] [-verbose-from N]
//	syscallfuzz -list
//
// It prints the seed first, a progress line every -progress calls, and
// with -verbose (or from call -verbose-from on) each call before making
// it, so that when the machine dies the last line names the call that
// killed it. A panic in the program prints the last calls made. At the
// end it prints its figures:
//
//	syscallfuzz: done: 123456 calls, 97 distinct, 51234 succeeded
//	syscallfuzz: errors: EFAULT 30211, EBADF 10444, ...
//
// Every line that starts with "syscallfuzz: FINDING" is a kernel bug the
// program noticed by itself (a changed kernel image, a leaked descriptor,
// an unimplemented number that answered, a call that succeeded with a
// buffer it could not have read or written or on a descriptor that is
// not open: see oracle.go); the status is then 1.
//
// What it never does, because it would end or wedge the program rather
// than test the kernel: exit, exit_group, rt_sigreturn; clone that makes
// a thread (CLONE_THREAD is always cleared: the kernel answers without
// making one); kill/tkill/tgkill with a signal the Go runtime does not
// ignore; installing a signal handler, a signal mask that blocks
// anything, or an alternate stack (those calls get NULL or bad pointers);
// arch_prctl's SET codes; munmap, mprotect, madvise or mmap(MAP_FIXED) of
// anything but its own playground (a reservation far from the Go
// runtime's memory) and addresses the kernel must refuse; close, dup2,
// dup3 and fcntl on descriptors it does not own; reads that could block
// (its descriptors are non-blocking, stdin is never read); sleeps and
// waits longer than a millisecond; writes to the console.
package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

var (
	seedFlag     = flag.Uint64("seed", 0, "random seed (0: from the clock)")
	durationFlag = flag.Duration("duration", 20*time.Second, "how long to run")
	callsFlag    = flag.Int("calls", 0, "stop after this many calls (0: no limit)")
	progressFlag = flag.Int("progress", 10000, "print progress every this many calls")
	verboseFlag  = flag.Bool("verbose", false, "print every call before making it")
	verboseFrom  = flag.Int("verbose-from", -1, "print every call from this call number on")
	listFlag     = flag.Bool("list", false, "print the calls the fuzzer knows (number and name) and exit")
)

func main() {
	flag.Parse()
	if *listFlag {
		for _, s := range specs {
			fmt.Println(s.nr, s.name)
		}
		for _, nr := range []uintptr{15, 60, 231} {
			fmt.Println(nr, "(never made: does not return)")
		}
		return
	}
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	fmt.Printf("syscallfuzz: seed %d, duration %v\n", seed, *durationFlag)
	debug.SetPanicOnFault(true)
	setup()
	f := &fuzzer{rng: rand.New(rand.NewPCG(seed, 0x5eed)), seed: seed}
	defer f.lastWords()
	f.run()
	f.report()
	if f.findings > 0 {
		os.Exit(1)
	}
}

// fuzzer is the state of one run.
type fuzzer struct {
	rng      *rand.Rand
	seed     uint64
	n        int             // calls made
	ok       int             // calls that succeeded
	byNr     map[uintptr]int // calls per number
	byErrno  map[syscall.Errno]int
	answered map[uintptr]bool // unimplemented numbers that answered something else than ENOSYS
	wild     map[uintptr]int  // pointer findings per call (at most three reported each)
	findings int
	ring     [32]string // the last calls, for a panic report
	start    time.Time
}

// run makes calls until the time or the call budget runs out.
func (f *fuzzer) run() {
	f.byNr = make(map[uintptr]int)
	f.byErrno = make(map[syscall.Errno]int)
	f.answered = make(map[uintptr]bool)
	f.wild = make(map[uintptr]int)
	f.start = time.Now()
	image := imageSum()
	for {
		if *callsFlag > 0 && f.n >= *callsFlag || time.Since(f.start) >= *durationFlag {
			break
		}
		f.one()
		if f.n%*progressFlag == 0 {
			fmt.Printf("syscallfuzz: progress: %d calls, %v\n", f.n, time.Since(f.start).Round(time.Millisecond))
		}
		if f.n%500 == 0 {
			resetPlayground()
		}
		if f.n%2000 == 0 {
			if s := imageSum(); s != image {
				f.finding("the kernel's read-only image changed during calls %d-%d", f.n-2000, f.n)
				image = s
			}
			if leaked := sweep(); leaked != "" {
				f.finding("descriptors nobody was given (leaked by calls %d-%d): %s", f.n-2000, f.n, leaked)
			}
		}
	}
	if s := imageSum(); s != image {
		f.finding("the kernel's read-only image changed before call %d", f.n)
	}
}

// one makes one random call.
func (f *fuzzer) one() {
	var s *spec
	var nr uintptr
	switch p := f.rng.IntN(100); {
	case p < 4: // a number the kernel does not implement
		nr = f.unimplemented()
	default:
		s = &specs[f.rng.IntN(len(specs))]
		nr = s.nr
	}
	var a [6]uintptr
	if s != nil {
		for i, k := range s.args {
			a[i] = f.arg(k)
		}
		for i := len(s.args); i < 6; i++ {
			a[i] = f.un(1 << 20) // unused registers: noise
		}
		if s.fix != nil {
			s.fix(f, &a)
		}
	} else {
		for i := range a {
			a[i] = f.anyValue()
		}
	}
	f.n++
	desc := describe(f.n, nr, s, a)
	f.ring[f.n%len(f.ring)] = desc
	if *verboseFlag || *verboseFrom >= 0 && f.n >= *verboseFrom {
		fmt.Println(desc)
	}
	r, _, e := syscall.Syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5])
	f.byNr[nr]++
	if e != 0 {
		f.byErrno[e]++
	} else {
		f.ok++
	}
	if s == nil && e != syscall.ENOSYS && !f.answered[nr] {
		f.answered[nr] = true
		f.finding("system call %d, not in the kernel's table as the fuzzer knows it, answered %s (%s)", nr, result(r, e), desc)
	}
	if i := checkPointers(nr, a, r, e); i >= 0 && s != nil && f.wild[nr] < 3 {
		f.wild[nr]++
		f.finding("%s succeeded (%s) with argument %d at %#x, where it cannot read or write (%s)", s.name, result(r, e), i+1, a[i], desc)
	}
	if checkFD(nr, a, e) && s != nil && f.wild[nr] < 3 {
		f.wild[nr]++
		f.finding("%s succeeded (%s) on descriptor %d, which is not open (%s)", s.name, result(r, e), int32(a[0]), desc)
	}
	if s != nil && s.after != nil {
		s.after(a, r, e)
	}
}

// unimplemented returns a system call number the kernel does not
// implement: one of Linux's others, one past them, or a huge one.
func (f *fuzzer) unimplemented() uintptr {
	for {
		var nr uintptr
		switch f.rng.IntN(4) {
		case 0, 1:
			nr = f.un(460)
		case 2:
			nr = 460 + f.un(1200)
		default:
			nr = f.u()
		}
		if nr != 1000 && !implemented[nr] && !dangerous[nr] {
			return nr
		}
	}
}

// dangerous are numbers the fuzzer never makes with random arguments:
// the calls that do not return (rt_sigreturn, exit, exit_group), and
// calls that on a kernel that implemented them could end the program
// (fork, vfork, execve, execveat, clone3, reboot, the queued-signal calls)
// or move its memory (mremap, remap_file_pages, brk).
var dangerous = map[uintptr]bool{15: true, 60: true, 231: true, 57: true, 58: true, 59: true, 322: true,
	435: true, 169: true, 129: true, 297: true, 424: true, 25: true, 216: true, 12: true}

// finding reports a kernel bug the fuzzer noticed by itself.
func (f *fuzzer) finding(format string, args ...any) {
	f.findings++
	fmt.Printf("syscallfuzz: FINDING: "+format+"\n", args...)
}

// lastWords prints the last calls when the program panics.
func (f *fuzzer) lastWords() {
	if p := recover(); p != nil {
		fmt.Printf("syscallfuzz: panic after %d calls (seed %d): %v\nsyscallfuzz: the last calls:\n", f.n, f.seed, p)
		for i := f.n - len(f.ring) + 1; i <= f.n; i++ {
			if i > 0 {
				fmt.Println("  " + f.ring[i%len(f.ring)])
			}
		}
		panic(p)
	}
}

// report prints the figures.
func (f *fuzzer) report() {
	impl, unimpl, unimplCalls := 0, 0, 0
	for nr, n := range f.byNr {
		if implemented[nr] {
			impl++
		} else {
			unimpl++
			unimplCalls += n
		}
	}
	fmt.Printf("syscallfuzz: done: %d calls, %d distinct (%d of the %d implemented, %d unimplemented numbers), %d succeeded, %v, seed %d\n",
		f.n, len(f.byNr), impl, len(specs), unimpl, f.ok, time.Since(f.start).Round(time.Millisecond), f.seed)
	type count struct {
		name string
		n    int
	}
	var errs []count
	for e, n := range f.byErrno {
		errs = append(errs, count{errnoName(e), n})
	}
	sort.Slice(errs, func(i, j int) bool {
		return errs[i].n > errs[j].n || errs[i].n == errs[j].n && errs[i].name < errs[j].name
	})
	var b strings.Builder
	for _, c := range errs {
		fmt.Fprintf(&b, " %s %d", c.name, c.n)
	}
	fmt.Printf("syscallfuzz: errors:%s\n", b.String())
	var calls []count
	for nr, n := range f.byNr {
		if implemented[nr] {
			calls = append(calls, count{callName(nr), n})
		}
	}
	sort.Slice(calls, func(i, j int) bool { return calls[i].name < calls[j].name })
	b.Reset()
	for _, c := range calls {
		fmt.Fprintf(&b, " %s %d", c.name, c.n)
	}
	fmt.Printf("syscallfuzz: calls:%s, unimplemented numbers %d\n", b.String(), unimplCalls)
	fmt.Printf("syscallfuzz: findings: %d\n", f.findings)
}

// describe formats one call for -verbose and the ring.
func describe(n int, nr uintptr, s *spec, a [6]uintptr) string {
	name := callName(nr)
	if s != nil {
		name = s.name
	}
	return fmt.Sprintf("call %d: %s(%#x, %#x, %#x, %#x, %#x, %#x) [nr %d]", n, name, a[0], a[1], a[2], a[3], a[4], a[5], nr)
}

// callName names a number: the spec's name, or "nr N".
func callName(nr uintptr) string {
	for i := range specs {
		if specs[i].nr == nr {
			return specs[i].name
		}
	}
	return fmt.Sprintf("nr%d", nr)
}

func result(r uintptr, e syscall.Errno) string {
	if e != 0 {
		return errnoName(e)
	}
	return fmt.Sprintf("%#x", r)
}

// errnoName names an errno the way the C headers do.
func errnoName(e syscall.Errno) string {
	if n, ok := errnoNames[e]; ok {
		return n
	}
	return fmt.Sprintf("errno%d", int(e))
}

var errnoNames = map[syscall.Errno]string{
	syscall.EPERM: "EPERM", syscall.ENOENT: "ENOENT", syscall.ESRCH: "ESRCH", syscall.EINTR: "EINTR",
	syscall.EIO: "EIO", syscall.E2BIG: "E2BIG", syscall.EBADF: "EBADF", syscall.EAGAIN: "EAGAIN",
	syscall.ENOMEM: "ENOMEM", syscall.EACCES: "EACCES", syscall.EFAULT: "EFAULT", syscall.EBUSY: "EBUSY",
	syscall.EEXIST: "EEXIST", syscall.EXDEV: "EXDEV", syscall.ENODEV: "ENODEV", syscall.ENOTDIR: "ENOTDIR",
	syscall.EISDIR: "EISDIR", syscall.EINVAL: "EINVAL", syscall.ENFILE: "ENFILE", syscall.EMFILE: "EMFILE",
	syscall.ENOTTY: "ENOTTY", syscall.EFBIG: "EFBIG", syscall.ENOSPC: "ENOSPC", syscall.ESPIPE: "ESPIPE",
	syscall.EROFS: "EROFS", syscall.EMLINK: "EMLINK", syscall.EPIPE: "EPIPE", syscall.ERANGE: "ERANGE",
	syscall.ENAMETOOLONG: "ENAMETOOLONG", syscall.ENOSYS: "ENOSYS", syscall.ENOTEMPTY: "ENOTEMPTY",
	syscall.ELOOP: "ELOOP", syscall.EOVERFLOW: "EOVERFLOW", syscall.ETIMEDOUT: "ETIMEDOUT",
	syscall.EOPNOTSUPP: "EOPNOTSUPP", syscall.ENXIO: "ENXIO", syscall.ECHILD: "ECHILD",
}

// imageSum hashes the read-only segments of the kernel's image, read
// directly (the program runs in ring 0): its ELF header is at 1 MiB, and
// each PT_LOAD without PF_W is hashed (System V gABI, "Program Header").
func imageSum() uint64 {
	h := fnv.New64a()
	phoff := *wordAt(kernelBase + 0x20)
	phnum := *wordAt(kernelBase + 0x38) & 0xffff
	for i := uintptr(0); i < uintptr(phnum); i++ {
		ph := kernelBase + uintptr(phoff) + i*56
		typeFlags := *wordAt(ph)
		vaddr, memsz := *wordAt(ph + 16), *wordAt(ph + 40)
		if typeFlags&0xffffffff == 1 && typeFlags>>32&2 == 0 {
			h.Write(unsafe.Slice((*byte)(unsafe.Pointer(wordAt(uintptr(vaddr)))), memsz))
		}
	}
	return h.Sum64()
}

// wordAt returns a pointer to the word at addr, memory outside the Go
// heap, reinterpreting the integer's bits.
func wordAt(addr uintptr) *uint64 { return *(**uint64)(unsafe.Pointer(&addr)) }

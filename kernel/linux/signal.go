package linux

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/fs/sockfs"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/task"
	"github.com/gobare/gobare/kernel/trap"
)

// Signals with Linux's contract (DESIGN.md, "Signals"): handlers, masks and
// alternate stacks per the calls below; a signal is delivered when its
// thread next returns to the program, by building a Linux rt_sigframe on
// the thread's stack (or alternate stack) and entering the handler; the
// handler's return through sa_restorer calls rt_sigreturn, which restores
// the saved context. Layouts from Linux arch/x86/include/uapi/asm/
// sigcontext.h, ucontext.h, signal.h and kernel/signal.c.

// Signal numbers the kernel itself raises or treats specially.
const (
	SIGTRAP  = 5
	SIGABRT  = 6
	SIGBUS   = 7
	SIGFPE   = 8
	SIGKILL  = 9
	SIGSEGV  = 11
	SIGCHLD  = 17
	SIGCONT  = 18
	SIGSTOP  = 19
	SIGURG   = 23
	SIGWINCH = 28
	SIGILL   = 4
	nsig     = 64
)

// si_code values (uapi asm-generic/siginfo.h).
const (
	SEGV_MAPERR = 1 // no mapping at the address
	SEGV_ACCERR = 2 // mapping forbids the access
	BUS_ADRERR  = 2 // no such byte of the mapped object
	siKernel    = 0x80
	siTkill     = -6
	siUser      = 0
)

// threadSignals is a thread's own signal state: the blocked mask, the
// pending set (bit sig-1), and the alternate signal stack.
type threadSignals struct {
	SigMask, SigPending uint64
	AltSP, AltSize      uint64
	AltFlags            uint32
}

// perThread holds each thread's signal state, by its slot in the thread
// table.
var perThread [sched.MaxThreads]threadSignals

// sigs returns t's signal state.
func sigs(t *sched.Thread) *threadSignals { return &perThread[t.Slot] }

// sigaction flags and special handlers (uapi asm/signal.h).
const (
	saOnstack  = 0x08000000
	saRestorer = 0x04000000
	saNodefer  = 0x40000000
	sigDfl     = 0
	sigIgn     = 1
	ssDisable  = 2
	ssOnstack  = 1
)

// sigaction is the kernel's struct sigaction: handler, flags, restorer, mask.
type sigaction struct{ handler, flags, restorer, mask uint64 }

// sigactionsOf holds each process's actions; sigactions is the entered
// process's (UseProcess).
var (
	sigactionsOf [task.MaxProcs][nsig + 1]sigaction
	sigactions   = &sigactionsOf[task.ProgramProc]
)

// bit returns sig's bit in a signal set.
func bit(sig int) uint64 { return 1 << uint(sig-1) } // unsigned: no shift check

// unblockable signals cannot be masked.
const unblockable = 1<<(SIGKILL-1) | 1<<(SIGSTOP-1)

// rt_sigaction(sig, act, oldact, sigsetsize)
func sysRtSigaction(c call) uintptr {
	sig, act, old := int(c.arg(0)), c.arg(1), c.arg(2)
	if sig < 1 || sig > nsig || (act != 0 && (sig == SIGKILL || sig == SIGSTOP)) {
		return errno(EINVAL)
	}
	var b [32]byte
	if old != 0 {
		a := sigactions[sig]
		put64(b[0:], a.handler)
		put64(b[8:], a.flags)
		put64(b[16:], a.restorer)
		put64(b[24:], a.mask)
		if !Space.CopyOut(old, b[:]) {
			return errno(EFAULT)
		}
	}
	if act != 0 {
		if !Space.CopyIn(b[:], act) {
			return errno(EFAULT)
		}
		sigactions[sig] = sigaction{get64(b[0:]), get64(b[8:]), get64(b[16:]), get64(b[24:]) &^ unblockable}
	}
	return 0
}

// rt_sigprocmask(how, set, oldset, sigsetsize)
func sysRtSigprocmask(c call) uintptr {
	how, set, old := c.arg(0), c.arg(1), c.arg(2)
	if old != 0 && !Space.WriteUint64(old, sigs(c.t).SigMask) {
		return errno(EFAULT)
	}
	if set == 0 {
		return 0
	}
	m, ok := Space.ReadUint64(set)
	if !ok {
		return errno(EFAULT)
	}
	switch how {
	case 0: // SIG_BLOCK
		sigs(c.t).SigMask |= m
	case 1: // SIG_UNBLOCK
		sigs(c.t).SigMask &^= m
	case 2: // SIG_SETMASK
		sigs(c.t).SigMask = m
	default:
		return errno(EINVAL)
	}
	sigs(c.t).SigMask &^= unblockable
	return 0
}

// sigaltstack(ss, old_ss): stack_t is {sp, flags int32, size}.
func sysSigaltstack(c call) uintptr {
	ss, old := c.arg(0), c.arg(1)
	t := c.t
	if old != 0 {
		var b [24]byte
		flags := sigs(t).AltFlags
		if sigs(t).AltSP == 0 {
			flags = ssDisable
		} else if onAltStack(t, c.f.RSP) {
			flags |= ssOnstack
		}
		put64(b[0:], sigs(t).AltSP)
		putLE32(b[8:], flags)
		put64(b[16:], sigs(t).AltSize)
		if !Space.CopyOut(old, b[:]) {
			return errno(EFAULT)
		}
	}
	if ss != 0 {
		var b [24]byte
		if !Space.CopyIn(b[:], ss) {
			return errno(EFAULT)
		}
		if onAltStack(t, c.f.RSP) {
			return errno(EPERM)
		}
		sigs(t).AltFlags = le32(b[8:])
		if sigs(t).AltFlags&ssDisable != 0 {
			sigs(t).AltSP, sigs(t).AltSize = 0, 0
		} else {
			sigs(t).AltSP, sigs(t).AltSize = get64(b[0:]), get64(b[16:])
		}
	}
	return 0
}

func onAltStack(t *sched.Thread, sp uint64) bool {
	return sigs(t).AltSP != 0 && sp > sigs(t).AltSP && sp <= sigs(t).AltSP+sigs(t).AltSize
}

// kill(pid, sig): the program is process 1; 0 and -1 mean it too.
func sysKill(c call) uintptr {
	pid, sig := int64(c.arg(0)), int(c.arg(1))
	if pid != 1 && pid != 0 && pid != -1 {
		return errno(ESRCH)
	}
	if sig < 0 || sig > nsig {
		return errno(EINVAL)
	}
	if sig == 0 {
		return 0
	}
	// Prefer the caller, else any thread that does not block the signal.
	target := c.t
	if sigs(target).SigMask&bit(sig) != 0 {
		sched.Each(func(t *sched.Thread) {
			if t.Proc == c.t.Proc && sigs(t).SigMask&bit(sig) == 0 {
				target = t
			}
		})
	}
	post(target, sig)
	return 0
}

// tkill(tid, sig)
func sysTkill(c call) uintptr { return signalThread(c, int32(c.arg(0)), int(c.arg(1))) }

// tgkill(tgid, tid, sig): how the runtime sends SIGURG to preempt.
func sysTgkill(c call) uintptr {
	if c.arg(0) != 1 {
		return errno(ESRCH)
	}
	return signalThread(c, int32(c.arg(1)), int(c.arg(2)))
}

// signalThread sends sig to thread tid of the caller's process.
func signalThread(c call, tid int32, sig int) uintptr {
	t := sched.ByTID(tid)
	if t == nil || t.Proc != c.t.Proc {
		return errno(ESRCH)
	}
	if sig < 0 || sig > nsig {
		return errno(EINVAL)
	}
	if sig != 0 {
		post(t, sig)
	}
	return 0
}

// post makes sig pending on t; a thread blocked in the kernel is woken to
// take it (its call ends in EINTR or restarts: restart.go), unless it
// waits for the network service's answer (sockfs.Asking).
func post(t *sched.Thread, sig int) {
	if ignored(sig) {
		return
	}
	sigs(t).SigPending |= bit(sig)
	if t.State == sched.Blocked && sigs(t).SigMask&bit(sig) == 0 && !sockfs.Asking(t.WaitKey) {
		interrupt(t, sig)
	}
	sched.Interrupt(t) // running on another CPU: it delivers on its way out of the kernel
}

// ignored reports whether delivering sig would do nothing.
func ignored(sig int) bool {
	h := sigactions[sig].handler
	return h == sigIgn || h == sigDfl && defaultIgnore(sig)
}

// defaultIgnore lists the signals whose default action is to do nothing.
func defaultIgnore(sig int) bool {
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT
}

// DeliverPending runs at the end of every kernel entry, when f holds the
// registers of the thread about to run: it delivers one pending, unblocked
// signal, if any.
//
// The check that nothing is to be delivered is small enough to be inlined
// into every entry; deliverPending does the rest.
func DeliverPending(f *trap.Frame) {
	if t := sched.Current(); t != nil && sigs(t).SigPending != 0 {
		deliverPending(f, t)
	}
}

// SignalPending reports whether t has a signal pending, blocked or not:
// then a quick system call goes on with the full end of the entry.
func SignalPending(t *sched.Thread) bool { return sigs(t).SigPending != 0 }

func deliverPending(f *trap.Frame, t *sched.Thread) {
	ready := sigs(t).SigPending &^ sigs(t).SigMask
	if ready == 0 {
		return
	}
	sig := 1
	for ready&1 == 0 {
		ready >>= 1
		sig++
	}
	sigs(t).SigPending &^= bit(sig)
	code := int32(siTkill)
	if sigactions[sig].handler == sigDfl {
		if !defaultIgnore(sig) {
			killedBy(f, sig, false)
		}
		return
	}
	if sigactions[sig].handler != sigIgn && !deliver(t, f, sig, code, 1) {
		killedBy(f, SIGSEGV, false)
	}
}

// Fault turns an exception in the program into a synchronous signal: the
// handler runs at once, or, if there is none or the signal is blocked, the
// program dies of it as on Linux.
func Fault(f *trap.Frame, sig int, code int32, addr uint64) {
	t := sched.Current()
	h := sigactions[sig].handler
	if h == sigDfl || h == sigIgn || sigs(t).SigMask&bit(sig) != 0 || !deliver(t, f, sig, code, addr) {
		killedBy(f, sig, true)
	}
}

// killedBy ends the program as Linux's default action for sig does, after
// saying so; the exit status is 128+sig, as a shell reports it.
func killedBy(f *trap.Frame, sig int, report bool) {
	console.Print("\ngobare: program killed by signal ")
	console.Dec(uint64(sig))
	console.Print(" (")
	console.Print(signalName(sig))
	console.Print(")\n")
	if report {
		trap.Report(f)
	}
	exitProcess(sched.Current().Proc, 128+sig)
}

func signalName(sig int) string {
	switch sig {
	case SIGILL:
		return "SIGILL"
	case SIGTRAP:
		return "SIGTRAP"
	case SIGABRT:
		return "SIGABRT"
	case SIGBUS:
		return "SIGBUS"
	case SIGFPE:
		return "SIGFPE"
	case SIGKILL:
		return "SIGKILL"
	case SIGSEGV:
		return "SIGSEGV"
	}
	return "signal"
}

// Layout of the Linux x86-64 rt_sigframe: the return address (sa_restorer),
// then struct ucontext, then struct siginfo.
const (
	ucOff        = 8   // ucontext after pretcode
	ucStack      = 16  // uc_stack: sp, flags, size
	ucMcontext   = 40  // uc_mcontext: the 23 general registers
	ucFpstate    = 224 // uc_mcontext.fpstate pointer
	ucSigmask    = 296 // uc_sigmask
	ucSize       = 304 // as much of struct ucontext as Linux writes
	siginfoOff   = ucOff + ucSize
	siginfoSize  = 128
	sigframeSize = siginfoOff + siginfoSize
	fpMaxSize    = trap.FPAreaSize + 4 // the FP image and FP_XSTATE_MAGIC2 after it
	redZone      = 128                 // psABI §3.2.2: below RSP, off-limits to the kernel

	fpXstateMagic1 = 0x46505853 // "FPXS": the FP image is an XSAVE area
	fpXstateMagic2 = 0x46505845 // "FPXE": its end
	ucFPXstate     = 1          // uc_flags: UC_FP_XSTATE
)

// gregs returns pointers to the frame's registers in sigcontext order:
// r8-r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags.
func gregs(f *trap.Frame) [18]*uint64 {
	return [18]*uint64{&f.R8, &f.R9, &f.R10, &f.R11, &f.R12, &f.R13, &f.R14, &f.R15,
		&f.DI, &f.SI, &f.BP, &f.BX, &f.DX, &f.AX, &f.CX, &f.RSP, &f.RIP, &f.RFLAGS}
}

// deliver builds the signal frame for sig on t's stack and points f at the
// handler. It returns false if the stack is not writable.
func deliver(t *sched.Thread, f *trap.Frame, sig int, code int32, addr uint64) bool {
	trap.SaveFP(f) // f.FX: the whole FP state, for the frame
	// LAB 7 BEGIN: build the rt_sigframe (FXSAVE image, ucontext, siginfo) and enter the handler
	// LAB 7 STUB: // No frame yet: a signal sent with tgkill is dropped (a system call
	// LAB 7 STUB: // it interrupted returns EINTR), and a fault kills the program.
	// LAB 7 STUB: return code == siTkill
	act := sigactions[sig]
	sp := f.RSP - redZone
	if act.flags&saOnstack != 0 && sigs(t).AltSP != 0 && !onAltStack(t, f.RSP) {
		sp = sigs(t).AltSP + sigs(t).AltSize
	}
	fpSize, xsave := trap.FPState()
	fpAddr := (sp - uint64(fpSize) - 4) &^ 63
	frame := ((fpAddr - sigframeSize) &^ 15) - 8 // RSP ≡ 8 mod 16 at handler entry, as after a CALL

	var b [sigframeSize]byte
	put64(b[0:], act.restorer)
	uc := b[ucOff:]
	put64(uc[ucStack:], sigs(t).AltSP)
	altFlags := sigs(t).AltFlags
	if sigs(t).AltSP == 0 {
		altFlags = ssDisable
	}
	putLE32(uc[ucStack+8:], altFlags)
	put64(uc[ucStack+16:], sigs(t).AltSize)
	for i, r := range gregs(f) {
		put64(uc[ucMcontext+8*i:], *r)
	}
	// cs, gs, fs, ss as 16-bit fields, then err, trapno, oldmask, cr2.
	put64(uc[ucMcontext+18*8:], f.CS|f.SS<<48)
	put64(uc[ucMcontext+19*8:], f.Error)
	put64(uc[ucMcontext+20*8:], f.Vector)
	put64(uc[ucMcontext+21*8:], sigs(t).SigMask)
	put64(uc[ucMcontext+22*8:], addr)
	put64(uc[ucFpstate:], fpAddr)
	put64(uc[ucSigmask:], sigs(t).SigMask)
	info := b[siginfoOff:]
	putLE32(info[0:], uint32(sig))
	putLE32(info[8:], uint32(code))
	if code == siTkill || code == siUser {
		putLE32(info[16:], 1) // si_pid: the program itself; si_uid 0
	} else {
		put64(info[16:], addr) // si_addr
	}
	var fx [fpMaxSize]byte
	n := copy(fx[:fpSize], f.FX[:])
	if xsave != 0 {
		// Linux's extended frame (arch/x86/include/uapi/asm/sigcontext.h):
		// struct _fpx_sw_bytes in the FXSAVE image's software-reserved
		// bytes 464-511, and FP_XSTATE_MAGIC2 right after the XSAVE area.
		putLE32(fx[464:], fpXstateMagic1)
		putLE32(fx[468:], fpSize+4) // extended_size
		put64(fx[472:], xsave)      // xfeatures
		putLE32(fx[480:], fpSize)   // xstate_size
		putLE32(fx[n:], fpXstateMagic2)
		n += 4
		put64(uc[0:], ucFPXstate) // uc_flags
	}
	if !Space.CopyOut(uintptr(fpAddr), fx[:n]) || !Space.CopyOut(uintptr(frame), b[:]) {
		return false
	}
	f.RIP = act.handler
	f.RSP = frame
	f.DI = uint64(sig)
	f.SI = frame + siginfoOff
	f.DX = frame + ucOff
	f.AX = 0
	f.RFLAGS &^= 1<<8 | 1<<10 // TF, DF
	sigs(t).SigMask |= act.mask
	if act.flags&saNodefer == 0 {
		sigs(t).SigMask |= bit(sig)
	}
	sigs(t).SigMask &^= unblockable
	return true
	// LAB 7 END
}

// rt_sigreturn(): the handler returned to sa_restorer, which popped
// nothing more, so RSP points at the ucontext. Restore everything it holds
// (the handler may have changed it: the Go runtime does, to inject a call
// to asyncPreempt).
func sysRtSigreturn(c call) uintptr {
	trap.SaveFP(c.f) // f.FX whole, so that the ucontext's image replaces all of it
	// LAB 7 BEGIN: restore the registers, FXSAVE image and mask from the ucontext at RSP
	// LAB 7 STUB: killedBy(c.f, SIGSEGV, true)
	// LAB 7 STUB: return 0
	f, t := c.f, c.t
	var uc [ucSize]byte
	ucAddr := uintptr(f.RSP)
	if !Space.CopyIn(uc[:], ucAddr) {
		killedBy(f, SIGSEGV, true)
	}
	if fp := uintptr(get64(uc[ucFpstate:])); fp != 0 {
		fpSize, _ := trap.FPState()
		var fx [trap.FPAreaSize]byte
		if !Space.CopyIn(fx[:fpSize], fp) {
			killedBy(f, SIGSEGV, true)
		}
		trap.SanitizeFPState(fx[:fpSize]) // or XRSTOR would fault in the kernel
		f.FX = fx
	}
	for i, r := range gregs(f) {
		*r = get64(uc[ucMcontext+8*i:])
	}
	// Only the arithmetic flags, DF and TF may change; IF stays on.
	const userFlags = 0xCD5 | 1<<8 | 1<<10
	f.RFLAGS = f.RFLAGS&userFlags | 0x202
	f.CS, f.SS = trap.KernelCS, trap.KernelSS
	sigs(t).SigMask = get64(uc[ucSigmask:]) &^ unblockable
	return uintptr(f.AX)
	// LAB 7 END
}

func put64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

func get64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

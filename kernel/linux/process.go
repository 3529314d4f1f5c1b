package linux

import (
	"github.com/gobare/gobare/kernel/percpu"
	"github.com/gobare/gobare/kernel/rand"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/vfs"
	"github.com/gobare/gobare/kernel/vm"
)

// arch_prctl codes (Linux uapi asm/prctl.h).
const (
	archSetFS = 0x1002
	archGetFS = 0x1003
)

// arch_prctl(code, addr): ARCH_SET_FS sets the thread's FS base. The frame
// keeps it; the exit path writes it to IA32_FS_BASE with WRMSR.
func sysArchPrctl(c call) uintptr {
	switch c.arg(0) {
	case archSetFS:
		c.f.FSBase = uint64(c.arg(1))
		return 0
	case archGetFS:
		if !Space.WriteUint64(c.arg(1), c.f.FSBase) {
			return errno(EFAULT)
		}
		return 0
	}
	return errno(EINVAL)
}

// prctl(option, ...): nothing to configure; PR_SET_VMA (naming anonymous
// memory) is refused like on kernels without it.
func sysPrctl(c call) uintptr { return errno(EINVAL) }

// sched_getaffinity(pid, size, mask): every CPU that runs (the Go runtime
// sets GOMAXPROCS to their number).
func sysSchedGetaffinity(c call) uintptr {
	if c.arg(1) < 8 {
		return errno(EINVAL)
	}
	if !Space.WriteUint64(c.arg(2), 1<<uint(percpu.Online)-1) {
		return errno(EFAULT)
	}
	return 8
}

// uname(buf): struct utsname, six 65-byte strings.
func sysUname(c call) uintptr {
	// LAB 3 BEGIN: fill a struct utsname in the program's memory
	// LAB 3 STUB: return errno(ENOSYS)
	var u [6 * 65]byte
	fields := [6]string{"Linux", "gobare", "6.1.0-gobare", "#1 gobare", "x86_64", "(none)"}
	for i, s := range fields {
		copy(u[i*65:], s)
	}
	if !Space.CopyOut(c.arg(0), u[:]) {
		return errno(EFAULT)
	}
	return 0
	// LAB 3 END
}

// rlimNlimits is the number of resource limits (uapi asm-generic/resource.h).
const rlimNlimits = 16

// rlimInfinity is RLIM_INFINITY.
const rlimInfinity = ^uint64(0)

// rlimits are the soft and hard limits by resource (RLIMIT_CPU ... RLIMIT_RTTIME),
// as Linux sets them for init (include/asm-generic/resource.h).
var rlimits = [rlimNlimits][2]uint64{
	0:  {rlimInfinity, rlimInfinity},         // CPU
	1:  {rlimInfinity, rlimInfinity},         // FSIZE
	2:  {rlimInfinity, rlimInfinity},         // DATA
	3:  {vm.StackSize, rlimInfinity},         // STACK: the program's stack region
	4:  {0, rlimInfinity},                    // CORE
	5:  {rlimInfinity, rlimInfinity},         // RSS
	6:  {sched.MaxThreads, sched.MaxThreads}, // NPROC: the thread table
	7:  {vfs.SoftFDs, vfs.MaxFDs},            // NOFILE: read from the descriptor table (nofile)
	8:  {8 << 20, 8 << 20},                   // MEMLOCK
	9:  {rlimInfinity, rlimInfinity},         // AS
	10: {rlimInfinity, rlimInfinity},         // LOCKS
	11: {sched.MaxThreads, sched.MaxThreads}, // SIGPENDING: as NPROC, as Linux sets both from its thread limit
	12: {819200, 819200},                     // MSGQUEUE
	13: {0, 0},                               // NICE
	14: {0, 0},                               // RTPRIO
	15: {rlimInfinity, rlimInfinity},         // RTTIME
}

// prlimit64(pid, resource, new, old): the limits read as Linux's defaults
// for init (rlimits), except where gobare's own bounds are lower:
// threads (sched.MaxThreads). RLIMIT_NOFILE is the descriptor table's:
// its soft limit can be set up to the hard limit vfs.MaxFDs, which stays
// (raising it is EPERM: gobare's ceiling). Other limits are accepted and
// not kept.
func sysPrlimit64(c call) uintptr {
	if pid := c.arg(0); pid != 0 && pid != 1 {
		return errno(ESRCH) // the program is process 1
	}
	if c.arg(1) >= rlimNlimits {
		return errno(EINVAL)
	}
	l := rlimits[c.arg(1)]
	if c.arg(1) == rlimitNofile {
		l[0] = uint64(FDs.Limit())
	}
	var cur, max uint64 // the new struct rlimit64
	if newLimit := c.arg(2); newLimit != 0 {
		var ok1, ok2 bool
		cur, ok1 = Space.ReadUint64(newLimit)
		max, ok2 = Space.ReadUint64(newLimit + 8)
		if !ok1 || !ok2 {
			return errno(EFAULT)
		}
	}
	if old := c.arg(3); old != 0 {
		if !Space.WriteUint64(old, l[0]) || !Space.WriteUint64(old+8, l[1]) {
			return errno(EFAULT)
		}
	}
	if c.arg(2) != 0 && c.arg(1) == rlimitNofile {
		return setNofile(cur, max)
	}
	return 0
}

// rlimitNofile is RLIMIT_NOFILE.
const rlimitNofile = 7

// setNofile sets RLIMIT_NOFILE: EINVAL when cur exceeds max, EPERM when
// max exceeds the hard limit (Linux: above nr_open, or raising it without
// CAP_SYS_RESOURCE). A lower max is accepted and not kept.
func setNofile(cur, max uint64) uintptr {
	switch {
	case cur > max:
		return errno(EINVAL)
	case max > vfs.MaxFDs:
		return errno(EPERM)
	}
	FDs.SetLimit(int(cur))
	return 0
}

// getrandom(buf, count, flags): RDRAND where the CPU has it, else the
// kernel's TSC-seeded generator.
func sysGetrandom(c call) uintptr {
	// LAB 3 BEGIN: copy c.arg(1) random bytes to c.arg(0) in chunks, return the count
	// LAB 3 STUB: _ = rand.Fill // kernel/rand makes the bytes
	// LAB 3 STUB: return errno(ENOSYS)
	buf, n := c.arg(0), c.arg(1)
	var chunk [64]byte
	for done := uintptr(0); done < n; {
		k := min(n-done, uintptr(len(chunk)))
		rand.Fill(chunk[:k])
		if !Space.CopyOut(buf+done, chunk[:k]) {
			return errno(EFAULT)
		}
		done += k
	}
	return n
	// LAB 3 END
}

// The program runs as root in the root group.
func sysGetZero(c call) uintptr { return 0 }

// getgroups(size, list): no supplementary groups, as Linux gives init.
func sysGetgroups(c call) uintptr {
	if int32(c.arg(0)) < 0 {
		return errno(EINVAL)
	}
	return 0
}

// wait4 and waitid options (Linux uapi linux/wait.h).
const (
	wNohang    = 0x1
	wUntraced  = 0x2 // WSTOPPED for waitid
	wExited    = 0x4
	wContinued = 0x8
	wNowait    = 0x0100_0000
	wNothread  = 0x2000_0000
	wAll       = 0x4000_0000
	wClone     = 0x8000_0000
)

// wait4(pid, status, options, rusage): the program has no children (no
// fork), so once the options are valid the answer is ECHILD, as Linux's
// for a process without children (kernel/exit.c).
func sysWait4(c call) uintptr {
	if c.arg(2)&^(wNohang|wUntraced|wContinued|wNothread|wAll|wClone) != 0 {
		return errno(EINVAL)
	}
	return errno(ECHILD)
}

// waitid(idtype, id, infop, options, rusage): the same, after Linux's
// checks of the ID type and options.
func sysWaitid(c call) uintptr {
	const pAll, pPid, pPgid, pPidfd = 0, 1, 2, 3
	options := c.arg(3)
	if options&^(wNohang|wNowait|wExited|wUntraced|wContinued|wNothread|wAll|wClone) != 0 ||
		options&(wExited|wUntraced|wContinued) == 0 {
		return errno(EINVAL)
	}
	switch c.arg(0) {
	case pAll, pPgid:
	case pPid:
		if int32(c.arg(1)) <= 0 {
			return errno(EINVAL)
		}
	case pPidfd:
		if file(c.arg(1)) == nil {
			return errno(EBADF)
		}
	default:
		return errno(EINVAL)
	}
	return errno(ECHILD)
}

// fchown(fd, uid, gid): the descriptor must be open; no file system keeps
// owners, so nothing changes.
func sysFchown(c call) uintptr {
	if file(c.arg(0)) == nil {
		return errno(EBADF)
	}
	return 0
}

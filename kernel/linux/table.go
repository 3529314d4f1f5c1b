package linux

// The system call table: every call gobare implements, with its name, its
// handler, how the trace prints its arguments and, when the call does less
// than Linux's, a note saying what. Any other number returns -ENOSYS and is
// logged once by name (names.go has every Linux x86-64 name).
//
// Argument kinds, one letter per argument (strace's conventions):
//
//	x hex   d signed decimal   u unsigned decimal   f file descriptor
//	s a C string (a path)      b the buffer of the next argument's length
//	p mmap protection          m mmap flags         F futex operation
//	S signal number            a arch_prctl code    C clock id

// handler implements one system call and returns its result.
type handler func(c call) uintptr

// syscall describes one implemented system call.
type syscall struct {
	name    string
	handler handler
	args    string // argument kinds for the trace
	note    string // what it does less than Linux; "" for nothing
}

// table maps system call numbers to their descriptions.
var table = [...]syscall{
	0:           {"read", sysRead, "fxu", ""},
	1:           {"write", sysWrite, "fbu", ""},
	2:           {"open", sysOpen, "sxx", ""},
	3:           {"close", sysClose, "f", ""},
	4:           {"stat", sysStat, "sx", ""},
	5:           {"fstat", sysFstat, "fx", ""},
	6:           {"lstat", sysLstat, "sx", ""},
	8:           {"lseek", sysLseek, "fdd", ""},
	9:           {"mmap", sysMmap, "xupmfx", "files: tmpfs and overlay copies shared, packed files copied"},
	10:          {"mprotect", sysMprotect, "xup", ""},
	11:          {"munmap", sysMunmap, "xu", ""},
	12:          {"brk", sysBrk, "x", ""},
	13:          {"rt_sigaction", sysRtSigaction, "Sxxu", ""},
	14:          {"rt_sigprocmask", sysRtSigprocmask, "dxxu", ""},
	15:          {"rt_sigreturn", sysRtSigreturn, "", ""},
	16:          {"ioctl", sysIoctl, "fxx", "ENOTTY: no terminals"},
	17:          {"pread64", sysPread64, "fxud", ""},
	18:          {"pwrite64", sysPwrite64, "fbud", ""},
	19:          {"readv", sysReadv, "fxd", ""},
	20:          {"writev", sysWritev, "fxd", ""},
	21:          {"access", sysAccess, "sx", ""},
	22:          {"pipe", sysPipe, "x", ""},
	24:          {"sched_yield", sysSchedYield, "", ""},
	26:          {"msync", sysMsync, "xux", ""},
	28:          {"madvise", sysMadvise, "xud", "MADV_DONTNEED frees; others accepted"},
	32:          {"dup", sysDup, "f", ""},
	33:          {"dup2", sysDup2, "ff", ""},
	35:          {"nanosleep", sysNanosleep, "xx", ""},
	39:          {"getpid", sysGetpid, "", ""},
	41:          {"socket", sysSocket, "ddd", "AF_INET SOCK_STREAM and SOCK_DGRAM through the network service; AF_UNIX in the kernel; else EAFNOSUPPORT/EPROTONOSUPPORT"},
	42:          {"connect", sysConnect, "fxu", ""},
	43:          {"accept", sysAccept, "fxx", ""},
	44:          {"sendto", sysSendto, "fbudxu", "datagrams up to 32 KiB less a header (EMSGSIZE)"},
	45:          {"recvfrom", sysRecvfrom, "fxudxx", ""},
	46:          {"sendmsg", sysSendmsg, "fxd", "msg_control ignored"},
	47:          {"recvmsg", sysRecvmsg, "fxd", "no control messages (msg_controllen 0)"},
	48:          {"shutdown", sysShutdown, "fd", ""},
	49:          {"bind", sysBind, "fxu", ""},
	50:          {"listen", sysListen, "fd", ""},
	51:          {"getsockname", sysGetsockname, "fxx", ""},
	52:          {"getpeername", sysGetpeername, "fxx", ""},
	53:          {"socketpair", sysSocketpair, "dddx", "AF_UNIX only (else EOPNOTSUPP)"},
	54:          {"setsockopt", sysSetsockopt, "fddxu", "options kept, not passed to the stack"},
	55:          {"getsockopt", sysGetsockopt, "fddxx", ""},
	56:          {"clone", sysClone, "xxxxx", "threads only (CLONE_VM|CLONE_THREAD); fork is ENOSYS"},
	60:          {"exit", sysExit, "d", ""},
	61:          {"wait4", sysWait4, "dxxx", "no children: ECHILD"},
	62:          {"kill", sysKill, "dS", "the program is process 1"},
	63:          {"uname", sysUname, "x", ""},
	72:          {"fcntl", sysFcntl, "fdx", ""},
	73:          {"flock", sysFlock, "fx", ""},
	74:          {"fsync", sysFsync, "", "the disk's cache written back and flushed"},
	75:          {"fdatasync", sysFsync, "", "as fsync"},
	76:          {"truncate", sysTruncate, "sd", ""},
	77:          {"ftruncate", sysFtruncate, "fd", ""},
	79:          {"getcwd", sysGetcwd, "xu", ""},
	80:          {"chdir", sysChdir, "s", ""},
	81:          {"fchdir", sysFchdir, "", ""},
	82:          {"rename", sysRename, "ss", ""},
	83:          {"mkdir", sysMkdir, "sx", ""},
	84:          {"rmdir", sysRmdir, "s", ""},
	86:          {"link", sysLink, "ss", ""},
	87:          {"unlink", sysUnlink, "s", ""},
	88:          {"symlink", sysSymlink, "", ""},
	89:          {"readlink", sysReadlink, "sxu", ""},
	90:          {"chmod", sysChmod, "sx", ""},
	91:          {"fchmod", sysFchmod, "fx", ""},
	93:          {"fchown", sysFchown, "fdd", "the descriptor must be open; no owners are kept"},
	95:          {"umask", sysUmask, "x", ""},
	102:         {"getuid", sysGetZero, "", "always 0 (root)"},
	104:         {"getgid", sysGetZero, "", "always 0"},
	107:         {"geteuid", sysGetZero, "", "always 0"},
	108:         {"getegid", sysGetZero, "", "always 0"},
	110:         {"getppid", sysGetZero, "", "always 0"},
	115:         {"getgroups", sysGetgroups, "dx", "no supplementary groups"},
	131:         {"sigaltstack", sysSigaltstack, "xx", ""},
	157:         {"prctl", sysPrctl, "xxxxx", "EINVAL for every option"},
	158:         {"arch_prctl", sysArchPrctl, "ax", ""},
	186:         {"gettid", sysGettid, "", ""},
	200:         {"tkill", sysTkill, "dS", ""},
	202:         {"futex", sysFutex, "xFdxxd", "WAIT, WAKE and their BITSET forms"},
	204:         {"sched_getaffinity", sysSchedGetaffinity, "dux", "the CPUs that run"},
	217:         {"getdents64", sysGetdents64, "fxu", ""},
	228:         {"clock_gettime", sysClockGettime, "Cx", ""},
	230:         {"clock_nanosleep", sysClockNanosleep, "Cdxx", ""},
	231:         {"exit_group", sysExitGroup, "d", ""},
	232:         {"epoll_wait", sysEpollWait, "fxdd", ""},
	233:         {"epoll_ctl", sysEpollCtl, "fdfx", ""},
	234:         {"tgkill", sysTgkill, "ddS", ""},
	247:         {"waitid", sysWaitid, "ddxxx", "no children: ECHILD"},
	257:         {"openat", sysOpenat, "fsxx", ""},
	258:         {"mkdirat", sysMkdirat, "fsx", ""},
	260:         {"fchownat", sysFchownat, "fsddx", "the name must exist; no owners are kept"},
	262:         {"newfstatat", sysNewfstatat, "fsxx", ""},
	263:         {"unlinkat", sysUnlinkat, "fsx", ""},
	264:         {"renameat", sysRenameat, "fsfs", ""},
	265:         {"linkat", sysLinkat, "fsfsx", ""},
	266:         {"symlinkat", sysSymlinkat, "", ""},
	267:         {"readlinkat", sysReadlinkat, "fsxu", ""},
	268:         {"fchmodat", sysFchmodat, "fsx", ""},
	269:         {"faccessat", sysFaccessat, "fsx", ""},
	275:         {"splice", sysSplice, "fxfxux", "EINVAL: nothing splices (Go's io.Copy between sockets then reads and writes)"},
	280:         {"utimensat", sysUtimensat, "fsxx", ""},
	281:         {"epoll_pwait", sysEpollPwait, "fxddx", "the signal mask is ignored"},
	284:         {"eventfd", sysEventfd, "", ""},
	288:         {"accept4", sysAccept4, "fxxx", ""},
	290:         {"eventfd2", sysEventfd2, "ux", ""},
	291:         {"epoll_create1", sysEpollCreate1, "x", ""},
	292:         {"dup3", sysDup3, "ffx", ""},
	293:         {"pipe2", sysPipe2, "xx", ""},
	302:         {"prlimit64", sysPrlimit64, "ddxx", ""},
	316:         {"renameat2", sysRenameat, "fsfsx", "flags ignored"},
	318:         {"getrandom", sysGetrandom, "xux", "RDRAND when the CPU has it, else a TSC-seeded generator (not for keys)"},
	439:         {"faccessat2", sysFaccessat, "", "flags ignored"},
	452:         {"fchmodat2", sysFchmodat2, "fsxx", ""},
	SysRt0Trace: {"rt0_trace", sysRt0Trace, "dd", "gobare's own: rt/'s bootstrap trace"},
}

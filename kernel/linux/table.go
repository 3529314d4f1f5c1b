package linux

// handler implements one system call and returns its result.
type handler func(c call) uintptr

// table maps system call numbers to handlers: every call the Go runtime
// makes (DESIGN.md, "Services"). Any other number returns -ENOSYS.
var table = [...]handler{
	0:   sysRead,
	1:   sysWrite,
	2:   sysOpen,
	3:   sysClose,
	4:   sysStat,
	5:   sysFstat,
	6:   sysLstat,
	8:   sysLseek,
	9:   sysMmap,
	10:  sysMprotect,
	11:  sysMunmap,
	13:  sysRtSigaction,
	14:  sysRtSigprocmask,
	15:  sysRtSigreturn,
	16:  sysIoctl,
	17:  sysPread64,
	18:  sysPwrite64,
	21:  sysAccess,
	22:  sysPipe,
	24:  sysSchedYield,
	28:  sysMadvise,
	32:  sysDup,
	33:  sysDup2,
	35:  sysNanosleep,
	39:  sysGetpid,
	56:  sysClone,
	60:  sysExit,
	62:  sysKill,
	63:  sysUname,
	72:  sysFcntl,
	91:  sysAcceptNoop, // fchmod
	93:  sysAcceptNoop, // fchown
	74:  sysFsync,
	75:  sysFsync,
	77:  sysFtruncate,
	79:  sysGetcwd,
	80:  sysChdir,
	81:  sysFchdir,
	82:  sysRename,
	83:  sysMkdir,
	84:  sysRmdir,
	86:  sysReadOnly, // link
	87:  sysUnlink,
	88:  sysSymlink,
	89:  sysReadlink,
	90:  sysAcceptNoop, // chmod
	95:  sysUmask,
	102: sysGetZero, // getuid
	104: sysGetZero, // getgid
	107: sysGetZero, // geteuid
	108: sysGetZero, // getegid
	110: sysGetZero, // getppid
	131: sysSigaltstack,
	157: sysPrctl,
	158: sysArchPrctl,
	186: sysGettid,
	200: sysTkill,
	202: sysFutex,
	204: sysSchedGetaffinity,
	217: sysGetdents64,
	228: sysClockGettime,
	230: sysClockNanosleep,
	231: sysExitGroup,
	232: sysEpollWait,
	233: sysEpollCtl,
	234: sysTgkill,
	257: sysOpenat,
	258: sysMkdirat,
	260: sysAcceptNoop, // fchownat
	262: sysNewfstatat,
	263: sysUnlinkat,
	264: sysRenameat,
	265: sysReadOnly, // linkat
	266: sysSymlinkat,
	267: sysReadlinkat,
	280: sysAcceptNoop, // utimensat
	268: sysAcceptNoop, // fchmodat
	269: sysFaccessat,
	281: sysEpollPwait,
	284: sysEventfd,
	290: sysEventfd2,
	291: sysEpollCreate1,
	292: sysDup2, // dup3
	293: sysPipe2,
	316: sysRenameat, // renameat2
	302: sysPrlimit64,
	318: sysGetrandom,
	439: sysFaccessat, // faccessat2

	SysRt0Trace: sysRt0Trace,
}

package linux

// handler implements one system call and returns its result.
type handler func(c call) uintptr

// table maps system call numbers to handlers: every call the Go runtime
// makes (DESIGN.md, "Services"). Any other number returns -ENOSYS.
var table = [...]handler{
	0:   sysRead,
	1:   sysWrite,
	3:   sysClose,
	9:   sysMmap,
	10:  sysMprotect,
	11:  sysMunmap,
	13:  sysRtSigaction,
	14:  sysRtSigprocmask,
	15:  sysRtSigreturn,
	24:  sysSchedYield,
	28:  sysMadvise,
	35:  sysNanosleep,
	39:  sysGetpid,
	56:  sysClone,
	60:  sysExit,
	62:  sysKill,
	63:  sysUname,
	72:  sysFcntl,
	131: sysSigaltstack,
	157: sysPrctl,
	158: sysArchPrctl,
	186: sysGettid,
	200: sysTkill,
	202: sysFutex,
	204: sysSchedGetaffinity,
	228: sysClockGettime,
	230: sysClockNanosleep,
	231: sysExitGroup,
	232: sysEpollWait,
	233: sysEpollCtl,
	234: sysTgkill,
	257: sysOpenat,
	267: sysReadlinkat,
	281: sysEpollPwait,
	284: sysEventfd,
	290: sysEventfd2,
	291: sysEpollCreate1,
	302: sysPrlimit64,
	318: sysGetrandom,

	SysRt0Trace: sysRt0Trace,
}

// arity is how many arguments the trace prints (3 when not listed).
var arity = [...]uint8{
	9: 6, 10: 3, 11: 2, 13: 4, 14: 4, 15: 0, 24: 0, 28: 3, 35: 2, 39: 0, 56: 5, 60: 1,
	62: 2, 63: 1, 72: 3, 131: 2, 157: 5, 158: 2, 186: 0, 200: 2, 202: 6, 204: 3,
	228: 2, 230: 4, 231: 1, 232: 4, 233: 4, 281: 6, 290: 2, 291: 1, 234: 3, 257: 4, 267: 4, 302: 4, 318: 3,
}

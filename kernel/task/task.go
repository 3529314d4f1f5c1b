// Package task owns the program as a process: its address space, its
// descriptor table and its name (process.go), and how it starts (exec.go):
// the ELF program loaded into the address space, the process stack with
// argv, envp and the auxiliary vector (stack.go), the vDSO, and the first
// thread's registers. There are at most two processes: the program, and
// the network service beside it when the image has one (docs/design.md,
// Networking).
package task

import (
	"github.com/gobare/gobare/kernel/vfs"
	"github.com/gobare/gobare/kernel/vm"
)

// Process is the running program's kernel state. (Its threads are in
// kernel/sched; its working directory in kernel/vfs; its signal actions in
// kernel/linux, which is the only code that knows them.)
type Process struct {
	Space vm.Space    // the address space
	FDs   vfs.FDTable // the descriptor table
	Name  []byte      // argv[0] (/proc/self/exe is kernel/fs/procfs's)
	// The program break (brk): BrkStart is the page after the highest
	// loaded segment, Brk the break now (kernel/linux/sys_brk.go).
	BrkStart, Brk uintptr
}

// The processes, by number (sched.Thread.Proc): the program is 0, the
// network service 1.
const (
	ProgramProc = 0
	ServiceProc = 1
	MaxProcs    = 2
)

var (
	// Procs holds the processes by number.
	Procs [MaxProcs]Process
	// Proc is the program.
	Proc = &Procs[ProgramProc]
)

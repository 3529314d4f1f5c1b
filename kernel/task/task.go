// Package task owns the program as a process: its address space, its
// descriptor table and its name (process.go), and how it starts (exec.go):
// the ELF program loaded into the address space, the process stack with
// argv, envp and the auxiliary vector (stack.go), the vDSO, and the first
// thread's registers. There is one process: gobare runs one program.
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
}

// Proc is the one process.
var Proc Process

package linux

import (
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/task"
)

// Two processes may run: the program and the network service
// (task.Procs). The system calls work in the entered one: Space, FDs and
// sigactions point at its state, and the kernel calls UseProcess when
// sched enters another (sched.UseProcess). Both are process 1 to
// themselves (getpid); thread IDs are unique across both, and a thread
// can signal only threads of its own process.

// UseProcess points the system calls at process proc's address space,
// descriptor table and signal actions.
func UseProcess(proc uint8) {
	p := &task.Procs[proc]
	Space, FDs, sigactions = &p.Space, &p.FDs, &sigactionsOf[proc]
}

// ServiceExitHook reports the end of the network service (its threads
// are gone already); the program runs on.
var ServiceExitHook func(code int)

// exitProcess ends process proc with status code: the program's end
// stops the machine (ExitHook), the service's ends its threads.
func exitProcess(proc uint8, code int) {
	if proc == task.ProgramProc {
		ExitHook(code)
		return
	}
	sched.EndProcess(proc, nil)
	ServiceExitHook(code)
}

package sched

// Processes. Each thread belongs to a process (Thread.Proc, a number the
// kernel gives meaning: task.Procs), whose address space and descriptors
// it uses. sched knows only the number: when the thread whose registers
// are about to run — or whose system call a retry is about to run again —
// belongs to another process than the one entered last, it calls
// EnterProcess, which the kernel sets to load that process's page table
// (CR3) and point the system calls at its state. That is the one place a
// switch between programs costs more than a thread switch.

// EnterProcess makes process proc the one the CPU and the system calls
// work in; nil while there is only one.
var EnterProcess func(proc uint8)

// entered is the process EnterProcess was last called for.
var entered uint8

// enter switches to process proc unless it is the one entered.
func enter(proc uint8) {
	if proc != entered && EnterProcess != nil {
		EnterProcess(proc)
		entered = proc
	}
}

// LiveIn returns the number of live threads of process proc.
func LiveIn(proc uint8) int {
	n := 0
	for i := range threads {
		if threads[i].State != Free && threads[i].Proc == proc {
			n++
		}
	}
	return n
}

// EndProcess ends every thread of process proc (exit_group), the running
// one included; their stacks are not touched.
func EndProcess(proc uint8) {
	for i := range threads {
		if threads[i].State != Free && threads[i].Proc == proc {
			threads[i].State = Free
			live--
		}
	}
	deadlineStale = true
	resched = true // the running thread may be one of them
}

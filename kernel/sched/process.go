package sched

import "github.com/gobare/gobare/kernel/percpu"

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

// What EnterProcess did last: the process each CPU has the page table of
// (CR3 is per CPU), and the one the system calls point at (kernel code
// runs on one CPU at a time, so one for all).
var (
	entered    [percpu.MaxCPUs]uint8
	sysEntered uint8
)

// enter switches to process proc unless this CPU and the system calls are
// both in it already.
func enter(proc uint8) {
	me := percpu.ID()
	if (proc != entered[me] || proc != sysEntered) && EnterProcess != nil {
		EnterProcess(proc)
		entered[me], sysEntered = proc, proc
	}
}

// EnterCurrent enters the process of the thread this CPU runs, at the
// start of a kernel entry: meanwhile another CPU may have pointed the
// system calls at another process.
func EnterCurrent() {
	if t := Current(); t != nil {
		enter(t.Proc)
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
// one included unless it is keep; their stacks are not touched.
func EndProcess(proc uint8, keep *Thread) {
	for i := range threads {
		if t := &threads[i]; t.State != Free && t.Proc == proc && t != keep {
			if t.State == Running {
				resched[t.CPU] = true // its CPU must switch away
				Interrupt(t)          // now, if that is another CPU
			}
			t.State = Free
			live--
		}
	}
	deadlineStale = true
}

package sched

import "github.com/gobare/gobare/kernel/percpu"

// Processes. Each thread belongs to a process (Thread.Proc, a number the
// kernel gives meaning: task.Procs), whose address space and descriptors
// it uses. sched knows only the number: when the thread whose registers
// are about to run belongs to another process than the one entered last,
// it calls LoadSpace, which the kernel sets to load that process's page
// table (CR3), and UseProcess, which points the system calls at its
// state; a retry of a system call of the other process needs only
// UseProcess. That is the one place a switch between programs costs more
// than a thread switch.

// UseProcess points the system calls at process proc (its address
// space's bookkeeping, descriptors and signal actions); LoadSpace loads
// proc's page table into this CPU's CR3. The kernel sets both; nil while
// there is only one process.
var UseProcess, LoadSpace func(proc uint8)

// What they did last: the process each CPU has the page table of (CR3 is
// per CPU), and the one the system calls point at (kernel code runs on
// one CPU at a time, so one for all).
var (
	entered    [percpu.MaxCPUs]uint8
	sysEntered uint8
)

// enter makes process proc the one this CPU runs, page table and system
// calls both: its thread is about to run.
func enter(proc uint8) {
	use(proc)
	if me := percpu.ID(); proc != entered[me] && LoadSpace != nil {
		LoadSpace(proc)
		entered[me] = proc
	}
}

// use points the system calls at process proc and leaves CR3 alone: what
// a system call's retry reads and writes of its thread's memory goes
// through that process's page table in software (vm.Space), never
// through the CPU's, so a wake-up in the other process costs no switch of
// address space. (Under QEMU's TCG a CR3 load empties the whole soft TLB
// and the translated-code jump cache.)
func use(proc uint8) {
	if proc != sysEntered && UseProcess != nil {
		UseProcess(proc)
		sysEntered = proc
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

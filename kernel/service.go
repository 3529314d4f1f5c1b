package kernel

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/fs/devfs"
	"github.com/gobare/gobare/kernel/fs/etcfs"
	"github.com/gobare/gobare/kernel/fs/sockfs"
	"github.com/gobare/gobare/kernel/linux"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/percpu"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/task"
	"github.com/gobare/gobare/kernel/trap"
	"github.com/gobare/gobare/kernel/vm"
)

// The network service (docs/design.md, Networking): a second static Go
// program that mkimage packed beside the first (-netsvc), run as process
// task.ServiceProc in an address space of its own. Its page table shares
// the kernel's part with the program's (mem.NewSharingKernel) and has its
// own pages from mem.ProgramFloor up, where both programs are linked; a
// switch between their threads loads the other page table (enterProcess).
// Its standard streams are the kernel log, its environment the kernel's
// KEY=VALUE words and NET0_MAC, the device's Ethernet address, its argv[0]
// "netsvc".

var (
	serviceSpace mem.PageTable
	serviceFrame trap.Frame // its first thread's registers
	serviceArgs  [1024]byte
)

// startService loads the network service, when the image has one, and
// makes its first thread, which runs after the program's (sched.Init has
// run). A service the kernel cannot load stops the machine, as a bad
// program does.
func startService() {
	if embedded.ServiceAddr == 0 {
		return
	}
	file := physMem[embedded.ServiceAddr : embedded.ServiceAddr+embedded.ServiceSize]
	var ok bool
	if serviceSpace, ok = mem.NewSharingKernel(&kernelSpace); !ok {
		fail("the network service: ", "out of memory for its page table")
	}
	p := &task.Procs[task.ServiceProc]
	n := copy(serviceArgs[:], "netsvc\x00NET0_MAC=")
	n += len(formatMAC(serviceArgs[n:]))
	serviceArgs[n] = 0
	n++
	args := task.Args{Argc: 1, Envc: 1}
	forEachKernelWord(func(w []byte) {
		if isEnvWord(w) && n+len(w)+1 <= len(serviceArgs) {
			n += copy(serviceArgs[n:], w)
			serviceArgs[n] = 0
			n++
			args.Envc++
		}
	})
	args.Blob = serviceArgs[:n]
	_, err := task.Exec(p, file, args, task.ExecOptions{Kernel: &serviceSpace, VDSO: !hasKernelWord("novdso"), Kept: true}, &serviceFrame)
	switch err {
	case task.ExecBadProgram:
		exitProgram(ExitBadProgram)
	case task.ExecNoMemory, task.ExecArgsTooBig:
		fail("loading the network service: ", "out of memory")
	}
	p.FDs.Install(devfs.KernelLog(), 0, false)
	p.FDs.Dup(0, 1, 0, false)
	p.FDs.Dup(0, 2, 0, false)
	t := sched.New(&serviceFrame)
	if t == nil {
		fail("the network service: ", "no thread slot")
	}
	t.Proc = task.ServiceProc
	sched.UseProcess, sched.LoadSpace = linux.UseProcess, loadSpace
	sockfs.Start()
	sockfs.Configure = nameServers
	etcfs.AwaitNameServers()
	linux.ServiceExitHook = serviceExited
	if !quiet {
		console.Print("gobare: network service started, entry ")
		console.Hex(serviceFrame.RIP)
		console.Print("\n")
	}
}

// loadSpace is sched.LoadSpace: the CPU takes proc's page table (the
// kernel's pages are Global and stay in the TLB; SDM Vol. 3A §4.10.4.1: a
// CR3 load drops the others).
func loadSpace(proc uint8) {
	cpu.WriteCR3(uint64(task.Procs[proc].Space.PT.Root))
	c := percpu.This()
	c.Spaces++
	c.InService = proc == task.ServiceProc
}

// nameServers writes the name servers the service reports into
// /etc/resolv.conf.
func nameServers(servers []byte) { etcfs.SetNameServers(servers, wallNanos()/1e9) }

// serviceExited says that the network service ended, closes its
// descriptors (the device is free again) and gives its pages back; the
// program runs on without it. (Its page table stays: CR3 may still hold
// it until the next switch.)
func serviceExited(code int) {
	p := &task.Procs[task.ServiceProc]
	p.FDs.CloseAll()
	sockfs.Stop()
	if etcfs.Awaiting() {
		nameServers(nil) // it never said: no resolv.conf
	}
	free := frames.Free()
	p.Space.Remove(mem.ProgramFloor, vm.UserTop)
	vm.Settle() // the frames wait for the TLB shootdown; count them back now
	console.Print("gobare: the network service exited with status ")
	console.Dec(uint64(code))
	console.Print(", ")
	console.Dec(uint64(frames.Free()-free) * mem.PageSize >> 10)
	console.Print(" KiB freed\n")
}

package kernel

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/fs/cpiofs"
	"github.com/gobare/gobare/kernel/fs/devfs"
	"github.com/gobare/gobare/kernel/fs/pipefs"
	"github.com/gobare/gobare/kernel/fs/sockfs"
	"github.com/gobare/gobare/kernel/fs/tmpfs"
	"github.com/gobare/gobare/kernel/linux"
	"github.com/gobare/gobare/kernel/power"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/task"
	"github.com/gobare/gobare/kernel/timer"
	"github.com/gobare/gobare/kernel/trap"
	"github.com/gobare/gobare/kernel/vfs"
)

// ExitBadProgram is the exit status when the program cannot be loaded.
const ExitBadProgram = 123

// The program's argument and environment strings, for its stack.
var (
	stackArgs [task.MaxArgBytes]byte
)

// findProgram returns the program's ELF bytes and its argv/env: the
// program mkimage embedded in the image, else the first Multiboot module,
// whose string is its command line ("prog arg1 arg2").
func findProgram() (file []byte, args task.Args, ok bool) {
	n := 0
	appendString := func(s []byte) {
		if n+len(s)+1 <= len(stackArgs) {
			copy(stackArgs[n:], s)
			stackArgs[n+len(s)] = 0
			n += len(s) + 1
		}
	}
	if embedded.Addr != 0 {
		file = physMem[embedded.Addr : embedded.Addr+embedded.Size]
		// Args: argv..., "", env..., "", kernel arguments...
		list, i := 0, 0
		for i < len(embedded.Args) && list < 2 {
			j := i
			for j < len(embedded.Args) && embedded.Args[j] != 0 {
				j++
			}
			if j == i {
				list++
			} else if list == 0 {
				appendString(embedded.Args[i:j])
				args.Argc++
			} else {
				appendString(embedded.Args[i:j])
				args.Envc++
			}
			i = j + 1
		}
	} else if bootInfo.NModules > 0 {
		m := bootInfo.Modules[0]
		file = physMem[m.Start:m.End]
		forEachWord(m.String, func(w []byte) {
			appendString(w)
			args.Argc++
		})
	} else {
		return nil, args, false
	}
	// Kernel command-line words of the form KEY=VALUE that are not kernel
	// options become environment variables.
	forEachKernelWord(func(w []byte) {
		if isEnvWord(w) {
			appendString(w)
			args.Envc++
		}
	})
	n, args.Envc = addDefaultEnv(stackArgs[:], n, args.Argc, args.Envc)
	args.Blob = stackArgs[:n]
	return file, args, args.Argc > 0
}

// loadProgram loads the program into the process and returns the first
// thread's frame; a program the kernel cannot run stops the machine.
func loadProgram(file []byte, args task.Args) *trap.Frame {
	f := trap.StackFrame()
	auxc, err := task.Exec(task.Proc, file, args, task.ExecOptions{Kernel: &kernelSpace, VDSO: !hasKernelWord("novdso"), Kept: true}, f)
	switch err {
	case task.ExecBadProgram:
		power.Exit(ExitBadProgram)
	case task.ExecNoMemory:
		fail("loading the program: ", "out of memory")
	case task.ExecArgsTooBig:
		fail("building the process stack: ", "arguments too long")
	}
	if !quiet {
		console.Print("gobare: running ")
		console.Write(task.Proc.Name)
		if string(kernelOption("entry")) == "rt" {
			console.Print(" via rt/'s rt0 (FS base by WRMSR), entry ")
		} else {
			console.Print(" via its own entry _rt0_amd64_linux, ")
		}
		console.Hex(f.RIP)
		console.Print("\n")
	}
	trace("boot: process stack argc=", uint64(args.Argc), " auxv=", uint64(auxc))
	return f
}

// setUpFiles builds the program's file system: the read-only archive —
// embedded by mkimage, or the second Multiboot module — mounted where the
// kernel word mount= says (default /), tmpfs at /tmp, devices at /dev,
// /proc, /sys, /etc and /bin (environ.go), the disk (disk.go); the
// working directory from cwd= (default the mount point); and descriptors
// 0, 1 and 2 on the console.
func setUpFiles() {
	vfs.UsePages(&frames) // open files and descriptor tables live in frames
	fileBudget = tmpfs.Budget{Pages: &frames, Max: frames.Free() / 2}
	var archive []byte
	switch {
	case embedded.FilesAddr != 0:
		archive = physMem[embedded.FilesAddr : embedded.FilesAddr+embedded.FilesSize]
	case embedded.Addr == 0 && bootInfo.NModules > 1:
		m := bootInfo.Modules[1]
		archive = physMem[m.Start:m.End]
	}
	mount := kernelOption("mount")
	if mount == nil {
		mount = []byte("/")
	}
	var buf [vfs.MaxPath]byte
	mountPath, ok := vfs.Clean(buf[:], nil, mount)
	if !ok {
		fail("mount=: ", "path too long")
	}
	if archive != nil {
		if err := cpiofs.Check(archive); err != cpiofs.ErrNone {
			fail("file system archive: ", err.String())
		}
		archiveFS.Archive = archive
		mountArchive(mountPath) // overlay.go
	}
	tmpFS.Init(&fileBudget, wallNanos)
	pipefs.Init(&frames)
	sockfs.Init(&frames, decimal(kernelOption("sockets")))
	vfs.Mount([]byte("/tmp"), &tmpFS, true)
	vfs.Mount([]byte("/dev"), &devFS, true)
	mountSystemFiles()
	mountDisk() // disk.go
	vfs.SetCwd(mountPath)
	if cwd := kernelOption("cwd"); cwd != nil {
		if p, ok := vfs.Clean(buf[:], nil, cwd); ok {
			vfs.SetCwd(p)
		}
	}
	linux.FDs.Install(devfs.Stdio(0), 0, false)
	linux.FDs.Install(devfs.Stdio(1), 1, false)
	linux.FDs.Install(devfs.Stdio(2), 2, false)
}

// The file systems.
var (
	archiveFS cpiofs.FS
	tmpFS     tmpfs.FS
	devFS     devfs.FS
	// fileBudget is what files in RAM — /tmp and the overlay's upper
	// layer — may hold together: half the memory free when the files are
	// set up (a Linux tmpfs's default size), so that a program filling
	// /tmp gets ENOSPC, not the loss of its own memory.
	fileBudget tmpfs.Budget
)

// wallNanos is the time of day in nanoseconds since 1970, for file times.
func wallNanos() int64 { return timer.Nanotime() + timer.BootEpochNanos() }

// runProgram loads the program and runs its first thread; it never returns.
func runProgram(file []byte, args task.Args) {
	setUpFiles()
	phaseDone("files")
	f := loadProgram(file, args)
	describeProcess(file, args)
	phaseDone("program")
	linux.ExitHook = exitProgram
	t := sched.New(f)
	startService() // service.go
	t.State = sched.Running
	sched.SetCurrent(t)
	trap.Enter(f)
}

// exitProgram stops the machine with the program's exit status, after the
// statistics when the kernel word "stats" asks for them.
func exitProgram(code int) {
	if hasKernelWord("stats") {
		printStats()
	}
	syncDisk() // disk.go
	power.Exit(uint8(code))
}

// printStats prints the run's system call counts, the time spent in the
// kernel and the threads the runtime made; with several CPUs, what each
// did and the time spent waiting for the kernel lock.
func printStats() {
	printCPUStats()
	total := uint64(0)
	for _, n := range linux.Counts {
		total += uint64(n)
	}
	console.Print("gobare: stats: ")
	console.Dec(total)
	console.Print(" system calls, ")
	console.Dec(timer.TSCToNanos(trap.KernelCycles()) / 1000)
	console.Print(" us in the kernel of ")
	console.Dec(uint64(timer.Nanotime()) / 1000)
	console.Print(" us since boot, ")
	console.Dec(uint64(sched.Created))
	console.Print(" threads\n")
	printBootPhases()
	for nr, n := range linux.Counts {
		if n > 0 {
			console.Print("gobare: stats:   ")
			if nr == len(linux.Counts)-1 {
				console.Print("rt0_trace and numbers above 450")
			} else {
				console.Print(linux.Name(uint64(nr)))
			}
			console.Print(" ")
			console.Dec(uint64(n))
			console.Print("\n")
		}
	}
}

package kernel

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/elf"
	"github.com/gobare/gobare/kernel/fs/cpiofs"
	"github.com/gobare/gobare/kernel/fs/devfs"
	"github.com/gobare/gobare/kernel/fs/tmpfs"
	"github.com/gobare/gobare/kernel/vfs"
	"github.com/gobare/gobare/kernel/linux"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/power"
	"github.com/gobare/gobare/kernel/proc"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/timer"
	"github.com/gobare/gobare/kernel/trap"
	"github.com/gobare/gobare/kernel/vdso"
	"github.com/gobare/gobare/kernel/vm"
)

// ExitBadProgram is the exit status when the program cannot be loaded.
const ExitBadProgram = 123

// The program's address space and the strings for its stack.
var (
	space     vm.Space
	stackArgs [proc.MaxArgBytes]byte
	stackBuf  [proc.MaxArgBytes + 8192]byte
	vdsoPage  [vdso.Size]byte
)

// findProgram returns the program's ELF bytes and its argv/env: the
// program mkimage embedded in the image, else the first Multiboot module,
// whose string is its command line ("prog arg1 arg2").
func findProgram() (file []byte, args proc.Args, ok bool) {
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
	args.Blob = stackArgs[:n]
	return file, args, args.Argc > 0
}

// loadProgram checks and loads the program, builds its stack and returns
// the first thread's frame.
func loadProgram(file []byte, args proc.Args) *trap.Frame {
	name := args.Blob[:indexByte(args.Blob, 0)]
	p, e := elf.Check(file, mem.ProgramFloor)
	if e != elf.ErrNone {
		var msg [512]byte
		// A string header is a slice header's first two words: this views
		// name as a string without copying (no allocation, no runtime call).
		k := elf.Format(msg[:], *(*string)(unsafe.Pointer(&name)), &p, e)
		console.Write(msg[:k])
		console.Print("\n")
		power.Exit(ExitBadProgram)
	}
	if !quiet {
		console.Print("gobare: running ")
		console.Write(name)
		if string(kernelOption("entry")) == "rt" {
			console.Print(" via rt/'s rt0 (FS base by WRMSR), entry ")
		} else {
			console.Print(" via its own entry _rt0_amd64_linux, ")
		}
		console.Hex(p.Entry)
		console.Print("\n")
	}
	space.Init(&kernelSpace)
	linux.Space = &space
	linux.ProgramName = name
	var phdrAddr uint64
	for i := 0; i < p.NSegments; i++ {
		s := p.Segments[i]
		if !space.Load(uintptr(s.Vaddr), file[s.Offset:s.Offset+s.Filesz], uintptr(s.Memsz), segmentProt(s.Flags)) {
			fail("loading the program: ", "out of memory")
		}
		if p.Phoff >= s.Offset && p.Phoff < s.Offset+s.Filesz {
			phdrAddr = s.Vaddr + p.Phoff - s.Offset
		}
	}
	// The stack: demand-paged, StackSize below StackTop.
	space.Add(vm.StackTop-vm.StackSize, vm.StackTop, vm.ProtRead|vm.ProtWrite)
	_, _, _, hwcap := cpu.Cpuid(1, 0)
	aux := [...]proc.Aux{
		{Type: proc.AT_PHDR, Value: phdrAddr},
		{Type: proc.AT_PHENT, Value: uint64(p.Phentsize)},
		{Type: proc.AT_PHNUM, Value: uint64(p.Phnum)},
		{Type: proc.AT_PAGESZ, Value: mem.PageSize},
		{Type: proc.AT_ENTRY, Value: p.Entry},
		{Type: proc.AT_HWCAP, Value: uint64(hwcap)},
		{Type: proc.AT_CLKTCK, Value: 100},
		{Type: proc.AT_UID}, {Type: proc.AT_EUID}, {Type: proc.AT_GID}, {Type: proc.AT_EGID},
		{Type: proc.AT_SECURE},
		{}, // AT_SYSINFO_EHDR, when there is a vDSO
	}
	// The vDSO (kernel/vdso) makes clock_gettime a plain call; the kernel
	// word novdso leaves it out, to compare.
	n := len(aux) - 1
	vdsoBase := uint64(uintptr(unsafe.Pointer(&vdsoPage)))
	if !hasKernelWord("novdso") && vdso.Build(vdsoPage[:], vdsoBase, uint64(timer.VDSOClockGettimePC())) {
		aux[n] = proc.Aux{Type: proc.AT_SYSINFO_EHDR, Value: vdsoBase}
		n++
	}
	var random [16]byte
	for random == [16]byte{} || hasZero(random[:]) {
		linux.FillRandom(random[:])
	}
	l, ok := proc.Build(stackBuf[:], vm.StackTop, args, aux[:n], random)
	if !ok || !space.CopyOut(uintptr(l.Bottom), stackBuf[len(stackBuf)-int(vm.StackTop-l.Bottom):]) {
		fail("building the process stack: ", "arguments too long")
	}
	trace("boot: process stack argc=", uint64(args.Argc), " auxv=", uint64(l.Auxc))

	f := trap.StackFrame()
	*f = trap.Frame{}
	sched.InitFX(f)
	f.RIP = p.Entry
	f.RSP = l.SP
	f.RFLAGS = 0x202 // IF: the timer may interrupt the program
	f.CS = trap.KernelCS
	f.SS = trap.KernelSS
	return f
}

// segmentProt turns ELF segment flags into mmap protection.
func segmentProt(flags uint32) uint32 {
	var prot uint32
	if flags&4 != 0 {
		prot |= vm.ProtRead
	}
	if flags&2 != 0 {
		prot |= vm.ProtWrite
	}
	if flags&1 != 0 {
		prot |= vm.ProtExec
	}
	return prot
}

func hasZero(b []byte) bool {
	for _, c := range b {
		if c == 0 {
			return true
		}
	}
	return false
}

func indexByte(b []byte, c byte) int {
	for i := range b {
		if b[i] == c {
			return i
		}
	}
	return len(b)
}

// setUpFiles builds the program's file system: the read-only archive —
// embedded by mkimage, or the second Multiboot module — mounted where the
// kernel word mount= says (default /), the tmpfs at /tmp and the devices
// at /dev; the working directory from cwd= (default the mount point); and
// descriptors 0, 1 and 2 on the console.
func setUpFiles() {
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
		vfs.Mount(mountPath, &archiveFS, false)
	}
	tmpFS.Init(&frames, wallSeconds)
	vfs.Mount([]byte("/tmp"), &tmpFS, true)
	vfs.Mount([]byte("/dev"), &devFS, true)
	vfs.SetCwd(mountPath)
	if cwd := kernelOption("cwd"); cwd != nil {
		if p, ok := vfs.Clean(buf[:], nil, cwd); ok {
			vfs.SetCwd(p)
		}
	}
	linux.FDs.Install(devfs.Console(), 0, false)
	linux.FDs.Dup(0, 1, 0, false)
	linux.FDs.Dup(0, 2, 0, false)
}

// The file systems.
var (
	archiveFS cpiofs.FS
	tmpFS     tmpfs.FS
	devFS     devfs.FS
)

// wallSeconds is the time of day in seconds since 1970, for file times.
func wallSeconds() int64 { return (timer.Nanotime() + timer.BootEpochNanos()) / 1e9 }

// runProgram loads the program and runs its first thread; it never returns.
func runProgram(file []byte, args proc.Args) {
	setUpFiles()
	f := loadProgram(file, args)
	sched.Init()
	linux.ExitHook = exitProgram
	t := sched.New(f)
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
	power.Exit(uint8(code))
}

// printStats prints the run's system call counts, the time spent in the
// kernel and the threads the runtime made.
func printStats() {
	total := uint64(0)
	for _, n := range linux.Counts {
		total += uint64(n)
	}
	console.Print("gobare: stats: ")
	console.Dec(total)
	console.Print(" system calls, ")
	console.Dec(timer.TSCToNanos(trap.KernelCycles) / 1000)
	console.Print(" us in the kernel of ")
	console.Dec(uint64(timer.Nanotime()) / 1000)
	console.Print(" us since boot, ")
	console.Dec(uint64(sched.Created))
	console.Print(" threads\n")
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

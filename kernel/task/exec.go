package task

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/elf"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/rand"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/timer"
	"github.com/gobare/gobare/kernel/trap"
	"github.com/gobare/gobare/kernel/vdso"
	"github.com/gobare/gobare/kernel/vm"
)

// ExecOptions say how the program starts.
type ExecOptions struct {
	Kernel *mem.PageTable // the page table of the address space: the kernel's, or one sharing its kernel part (mem.NewSharingKernel)
	VDSO   bool           // supply the vDSO (AT_SYSINFO_EHDR)
	// Kept says the file lies in memory the kernel keeps unchanged while
	// it runs (the image, a Multiboot module): its read-only segments are
	// mapped where they lie (vm.Space.Load).
	Kept bool
}

// Exec results other than success.
type ExecErr uint8

const (
	ExecOK         ExecErr = iota
	ExecBadProgram         // not a static x86-64 ELF (the reason is printed)
	ExecNoMemory           // the segments do not fit in RAM
	ExecArgsTooBig         // argv and envp do not fit on the stack
)

// Buffers for the stack image and the vDSO page (no heap).
var (
	stackBuf [MaxArgBytes + 8192]byte
	vdsoPage [vdso.Size]byte
)

// Exec checks the ELF file, loads it into the address space of process
// proc, builds its stack from args, and fills f with the first thread's
// registers: RIP at the entry, RSP at argc. It returns the number of
// auxiliary vector entries it passed.
func Exec(proc *Process, file []byte, args Args, opt ExecOptions, f *trap.Frame) (auxc int, err ExecErr) {
	name := args.Blob[:indexByte(args.Blob, 0)]
	p, e := elf.Check(file, mem.ProgramFloor)
	if e != elf.ErrNone {
		var msg [512]byte
		// A string header is a slice header's first two words: this views
		// name as a string without copying (no allocation, no runtime call).
		k := elf.Format(msg[:], *(*string)(unsafe.Pointer(&name)), &p, e)
		console.Write(msg[:k])
		console.Print("\n")
		return 0, ExecBadProgram
	}
	space := &proc.Space
	space.Init(opt.Kernel)
	proc.Name = name
	var phdrAddr uint64
	var brk uintptr
	for i := 0; i < p.NSegments; i++ {
		s := p.Segments[i]
		if !space.Load(uintptr(s.Vaddr), file[s.Offset:s.Offset+s.Filesz], uintptr(s.Memsz), segmentProt(s.Flags), opt.Kept) {
			return 0, ExecNoMemory
		}
		if p.Phoff >= s.Offset && p.Phoff < s.Offset+s.Filesz {
			phdrAddr = s.Vaddr + p.Phoff - s.Offset
		}
		// The break starts on the page after the highest segment.
		brk = max(brk, (uintptr(s.Vaddr+s.Memsz)+mem.PageSize-1)&^(mem.PageSize-1))
	}
	proc.BrkStart, proc.Brk = brk, brk
	// The stack: demand-paged, StackSize below StackTop.
	space.Add(vm.StackTop-vm.StackSize, vm.StackTop, vm.ProtRead|vm.ProtWrite)
	_, _, _, hwcap := cpu.Cpuid(1, 0)
	aux := [...]Aux{
		{Type: AT_PHDR, Value: phdrAddr},
		{Type: AT_PHENT, Value: uint64(p.Phentsize)},
		{Type: AT_PHNUM, Value: uint64(p.Phnum)},
		{Type: AT_PAGESZ, Value: mem.PageSize},
		{Type: AT_ENTRY, Value: p.Entry},
		{Type: AT_HWCAP, Value: uint64(hwcap)},
		{Type: AT_CLKTCK, Value: 100},
		{Type: AT_UID}, {Type: AT_EUID}, {Type: AT_GID}, {Type: AT_EGID},
		{Type: AT_SECURE},
		{}, // AT_SYSINFO_EHDR, when there is a vDSO
	}
	// The vDSO (kernel/vdso) makes clock_gettime a plain call.
	n := len(aux) - 1
	vdsoBase := uint64(uintptr(unsafe.Pointer(&vdsoPage)))
	if opt.VDSO && vdso.Build(vdsoPage[:], vdsoBase, uint64(timer.VDSOClockGettimePC())) {
		aux[n] = Aux{Type: AT_SYSINFO_EHDR, Value: vdsoBase}
		n++
	}
	var random [16]byte
	for random == [16]byte{} || hasZero(random[:]) {
		rand.Fill(random[:])
	}
	l, ok := Build(stackBuf[:], vm.StackTop, args, aux[:n], random)
	if !ok || !space.CopyOut(uintptr(l.Bottom), stackBuf[len(stackBuf)-int(vm.StackTop-l.Bottom):]) {
		return 0, ExecArgsTooBig
	}
	*f = trap.Frame{}
	sched.InitFX(f)
	f.RIP = p.Entry
	f.RSP = l.SP
	f.RFLAGS = 0x202 // IF: the timer may interrupt the program
	f.CS = trap.KernelCS
	f.SS = trap.KernelSS
	return l.Auxc, ExecOK
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

// Package kernel is the ring-0 layer of gobare: Main brings the machine up
// after boot/ has entered long mode, checks itself, and runs the program.
package kernel

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/acpi"
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/uart"
	"github.com/gobare/gobare/kernel/fs/devfs"
	"github.com/gobare/gobare/kernel/linux"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/multiboot"
	"github.com/gobare/gobare/kernel/percpu"
	"github.com/gobare/gobare/kernel/power"
	"github.com/gobare/gobare/kernel/timer"
	"github.com/gobare/gobare/kernel/trap"
)

// Exit statuses of the kernel itself (a program's own status is 0..255 too;
// these are chosen to stand out).
const (
	ExitBootFailure = 122 // the machine could not be set up
)

// The kernel's memory: the frame allocator (its bitmap lives in RAM the
// kernel does not use, see placeBitmap), its page table, and the boot
// information.
var (
	frames      mem.FrameAllocator
	kernelSpace mem.PageTable
	bootInfo    multiboot.Info
	physMem     []byte
)

// Slots of the kernel stacks in mem.StackBase's area, and their sizes.
const (
	mainStackSlot    = 0
	mainStackPages   = 16 // 64 KiB
	crisisStackSlot  = 1
	crisisStackPages = 4
)

// Main is called by boot on the boot stack in 64-bit mode, with the early
// 1:1 map of the first 4 GiB (also visible at mem.DirectMapBase). It never
// returns.
func Main(magic uint32, info uintptr) {
	timer.MarkBoot()
	percpu.Start(0, 0) // the boot CPU is CPU 0; its APIC ID is read once the APIC is mapped
	phaseDone("firmware+loader")
	trap.EnterKernel() // Main runs as an entry does, holding the big kernel lock
	console.SetVGABase(mem.DirectMapBase + 0xB8000)
	// Bytes that arrived before we got here would be lost when the UART's
	// FIFOs go on: keep them for standard input.
	uart.Init(uart.COM1, devfs.KeepStdin)
	uart.Init(uart.COM2, nil)
	// Ask the CPU what it has before using anything beyond the baseline
	// (the kernel page table needs NX, the clock the TSC, ...).
	cpu.Detect()
	if f := cpu.MissingRequired(); f != "" {
		fail("this CPU lacks a feature gobare needs: ", f)
	}
	// The FP state every entry saves: XSAVE with AVX (and AVX-512) where
	// the CPU has it, so programs built for GOAMD64=v3 and v4 run.
	if mask, size, ok := cpu.EnableXSAVE(trap.FPAreaSize); ok {
		trap.UseXSAVE(mask, size)
	}

	if err := multiboot.CheckMagic(magic); err != multiboot.ErrNone {
		fail("not started by a Multiboot loader: ", err.String())
	}
	physMem = mem.PhysSlice(mem.DirectMapBase, 4<<30)
	var err multiboot.Err
	bootInfo, err = multiboot.Parse(physMem, uint32(info))
	if err != multiboot.ErrNone {
		fail("bad Multiboot information: ", err.String())
	}
	phaseDone("cpu+multiboot")
	// Before the kernel's own page table: the ACPI tables and the
	// framebuffer lie outside the RAM its direct map covers, and boot's
	// early map still reaches the first 4 GiB.
	acpi.Init(physMem, &bootInfo)
	console.UseFramebuffer(&bootInfo.Framebuffer, physMem)
	tracing = hasKernelWord("trace")
	quiet = hasKernelWord("quiet")
	linux.Trace = tracing
	milestone("boot: long mode\n")
	phaseDone("acpi")
	setUpMemory()
	phaseDone("memory")
	setUpTraps()
	timer.Init(pmTimerPort())
	phaseDone("clock")
	setUpInterrupts()
	phaseDone("interrupts")
	startCPUs()
	phaseDone("cpus")
	devfs.PollStdin() // see PollStdin: re-arm the serial interrupt
	assignPCI()
	startStreams()
	printBanner()
	startNetwork()
	phaseDone("devices")
	file, args, ok := findProgram()
	if !ok {
		// No program: the kernel checks itself and stops.
		selfCheck()
		power.Exit(0)
	}
	faultIfAsked()
	runProgram(file, args)
}

// fail reports a fatal boot problem and stops.
func fail(what, why string) {
	console.Print("gobare: ")
	console.Print(what)
	console.Print(why)
	console.Print("\n")
	power.Exit(ExitBootFailure)
}

// setUpMemory starts the frame allocator over the usable RAM minus what is
// already in use, and switches to the kernel's own page table.
func setUpMemory() {
	top := bootInfo.UsableRAMTop()
	if top > mem.MaxRAM {
		top = mem.MaxRAM
	}
	segs, n := mem.KernelSegments(mem.DirectMapBase + mem.KernelBase)
	bitmap, at := placeBitmap(top, uint64(segs[n-1].End))
	if !frames.Init(bitmap, top, mem.DirectMapBase) {
		fail("memory: ", "no room for the frame bitmap")
	}
	for i := 0; i < bootInfo.NRegions; i++ {
		r := bootInfo.Regions[i]
		if r.Type == multiboot.RegionUsable {
			frames.Release(r.Base, r.End())
		}
	}
	// In use: the first MiB (BIOS data, VGA), the kernel image, and the
	// Multiboot information and modules, which stay where the loader put
	// them.
	frames.Reserve(0, 1<<20)
	frames.Reserve(mem.KernelBase, uint64(segs[n-1].End))
	frames.Reserve(at, at+uint64(len(bitmap))*8)
	reserveBootInfo()

	var merr mem.MapErr
	kernelSpace, merr = mem.BuildKernelSpace(&frames, segs[:n], top)
	if merr != mem.MapOK {
		fail("page tables: ", merr.String())
	}
	if start, end, ok := console.FramebufferRange(); ok {
		if merr := mem.MapDevice(&kernelSpace, start, end); merr != mem.MapOK {
			fail("page tables: framebuffer: ", merr.String())
		}
	}
	cpu.WriteCR3(uint64(kernelSpace.Root))
	// CR4.PGE: the kernel's pages are marked Global, so they would survive
	// an address-space switch in the TLB (SDM Vol. 3A §4.10.2.4).
	cpu.WriteCR4(cpu.ReadCR4() | 1<<7)
	milestone("boot: kernel page table, W^X, page 0 unmapped\n")
}

// placeBitmap finds room for the frame allocator's bitmap (one bit per
// frame below top) in usable RAM above everything already in use — the
// kernel image ending at kernelEnd, the Multiboot data and modules, the
// embedded program and files — and below 4 GiB, where boot's early map
// reaches. It returns the bitmap and its physical address.
func placeBitmap(top, kernelEnd uint64) ([]uint64, uint64) {
	words := mem.BitmapWords(top)
	used := kernelEnd
	used = max(used, embedded.Addr+embedded.Size, embedded.FilesAddr+embedded.FilesSize, embedded.EtcAddr+embedded.EtcSize, embedded.ServiceAddr+embedded.ServiceSize)
	for i := 0; i < bootInfo.NModules; i++ {
		used = max(used, uint64(bootInfo.Modules[i].End))
	}
	for _, b := range [...][]byte{bootInfo.Cmdline, bootInfo.BootloaderName} {
		used = max(used, physEnd(b))
	}
	start := (used + mem.PageSize - 1) &^ (mem.PageSize - 1)
	for i := 0; i < bootInfo.NRegions; i++ {
		r := bootInfo.Regions[i]
		at := max(r.Base, start)
		if r.Type == multiboot.RegionUsable && at+words*8 <= r.End() && at+words*8 <= 4<<30 {
			// Slicing an array pointer needs no runtime check (unsafe.Slice
			// would call one); the array type is only an upper bound.
			p := (*[mem.MaxRAM / mem.PageSize / 64]uint64)(ptrTo(uintptr(mem.DirectMapBase + at)))
			return p[:words:words], at
		}
	}
	fail("memory: ", "no room for the frame bitmap")
	return nil, 0
}

// physEnd returns the physical address just past a slice of physMem.
func physEnd(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&b[0]))-mem.DirectMapBase) + uint64(len(b)) + 1
}

// reserveBootInfo keeps the program mkimage embedded after the kernel, and
// what the parsed information still points to: the command line, the
// module strings and the modules themselves. (The
// memory map and module table were copied into bootInfo by Parse.)
func reserveBootInfo() {
	forEachBootRange(frames.Reserve)
}

// forEachBootRange calls fn with each physical range [start, end) the
// kernel keeps from the boot loader and mkimage: the embedded program and
// files, the command line, the module strings and the modules.
func forEachBootRange(fn func(start, end uint64)) {
	if embedded.Addr != 0 {
		fn(embedded.Addr, embedded.Addr+embedded.Size)
	}
	if embedded.FilesAddr != 0 {
		fn(embedded.FilesAddr, embedded.FilesAddr+embedded.FilesSize)
	}
	if embedded.EtcAddr != 0 {
		fn(embedded.EtcAddr, embedded.EtcAddr+embedded.EtcSize)
	}
	if embedded.ServiceAddr != 0 {
		fn(embedded.ServiceAddr, embedded.ServiceAddr+embedded.ServiceSize)
	}
	bytesRange(bootInfo.Cmdline, fn)
	bytesRange(bootInfo.BootloaderName, fn)
	for i := 0; i < bootInfo.NModules; i++ {
		m := bootInfo.Modules[i]
		fn(uint64(m.Start), uint64(m.End))
		bytesRange(m.String, fn)
	}
}

// bytesRange calls fn with the physical range under a slice of physMem.
func bytesRange(b []byte, fn func(start, end uint64)) {
	if len(b) > 0 {
		start := uint64(uintptr(unsafe.Pointer(&b[0])) - mem.DirectMapBase)
		fn(start, start+uint64(len(b))+1)
	}
}

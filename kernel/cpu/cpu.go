// Package cpu owns the single instructions that Go cannot express: port
// I/O, model-specific registers, control registers, descriptor tables, the
// time-stamp counter and halting. Each function is a few lines of assembly
// in cpu_amd64.s; this file declares them.
package cpu

// Outb writes a byte to an I/O port (SDM Vol. 1 §19.4).
func Outb(port uint16, v uint8)

// Inb reads a byte from an I/O port.
func Inb(port uint16) uint8

// Inl reads 32 bits from an I/O port.
func Inl(port uint16) uint32

// Outw writes 16 bits to an I/O port.
func Outw(port uint16, v uint16)

// Outl writes 32 bits to an I/O port.
func Outl(port uint16, v uint32)

// Rdmsr reads a model-specific register (SDM Vol. 4 lists them).
func Rdmsr(msr uint32) uint64

// Wrmsr writes a model-specific register.
func Wrmsr(msr uint32, v uint64)

// CR0, CR2 (the faulting address of the last page fault), CR3 (the page
// table root) and CR4 (SDM Vol. 3A §2.5).
func ReadCR0() uint64
func ReadCR2() uint64
func ReadCR3() uint64
func WriteCR3(v uint64)
func ReadCR4() uint64
func WriteCR4(v uint64)

// Xsetbv writes XCR0 (only after CR4.OSXSAVE is set: see EnableXSAVE).
func Xsetbv(v uint64)

// Invlpg drops the TLB entry for one virtual address (SDM Vol. 3A §4.10.4.1).
func Invlpg(addr uintptr)

// Cpuid executes CPUID with EAX=leaf, ECX=sub (SDM Vol. 2A, CPUID).
func Cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// Rdtsc reads the time-stamp counter (SDM Vol. 3B §18.17).
func Rdtsc() uint64

// Rdrand returns a hardware random number, ok=false if the CPU had none
// ready (SDM Vol. 1 §7.3.17).
func Rdrand() (v uint64, ok bool)

// Lgdt, Lidt load the descriptor-table registers from a 10-byte pseudo
// descriptor (limit, base); Ltr loads the task register with a TSS selector
// (SDM Vol. 3A §2.4).
func Lgdt(pointer uintptr)
func Lidt(pointer uintptr)
func Ltr(selector uint16)

// Halt stops the CPU until the next interrupt; interrupts must already be
// masked or handled (SDM Vol. 2A, HLT).
func Halt()

// DisableInterrupts clears RFLAGS.IF; EnableInterrupts sets it.
func DisableInterrupts()
func EnableInterrupts()

// Pause tells the CPU it is in a spin-wait loop.
func Pause()

// Breakpoint executes INT3.
func Breakpoint()

// EnableInterruptsAndHalt enables interrupts and halts until one arrives,
// then disables them again. STI delays interrupts by one instruction, so
// none can slip in between STI and HLT (SDM Vol. 2B, STI).
func EnableInterruptsAndHalt()

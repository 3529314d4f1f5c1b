package qemu

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// This file assembles tiny Multiboot kernels for the end-to-end tests: a few
// dozen bytes of 32-bit machine code, enough to talk to the serial ports and
// the isa-debug-exit device the way the real kernel does.
//
// QEMU's Multiboot loader enters the code in 32-bit protected mode with flat
// segments, paging and interrupts off.

const (
	guestLoad  = 0x100000           // load address: 1 MiB, like the real kernel
	guestEntry = guestLoad + 32     // the code follows the 32-byte header
	guestData  = guestLoad + 0x1000 // strings and tables live here
	com1       = 0x3f8
	com2       = 0x2f8
)

// guest accumulates machine code and data.
type guest struct {
	code []byte
	data []byte
}

func (g *guest) emit(b ...byte) { g.code = append(g.code, b...) }

func (g *guest) imm32(v uint32) { g.code = binary.LittleEndian.AppendUint32(g.code, v) }

// dataAddr appends b to the data area and returns its guest address.
func (g *guest) dataAddr(b []byte) uint32 {
	addr := guestData + uint32(len(g.data))
	g.data = append(g.data, b...)
	return addr
}

// movDX emits "mov dx, port".
func (g *guest) movDX(port uint16) {
	g.emit(0x66, 0xba, byte(port), byte(port>>8))
}

// loopBack emits a two-byte conditional jump (opcode op: 0x74 jz, 0x75 jnz,
// 0xeb jmp) back to code offset label.
func (g *guest) loopBack(op byte, label int) {
	rel := label - (len(g.code) + 2)
	g.emit(op, byte(int8(rel)))
}

// waitLSR spins until the UART at port sets a bit of its line status
// register (port+5): 0x20 = transmit holding register empty, 0x01 = data
// ready. Clobbers AL and DX.
func (g *guest) waitLSR(port uint16, bit byte) {
	g.movDX(port + 5)
	top := len(g.code)
	g.emit(0xec)      // in al, dx
	g.emit(0xa8, bit) // test al, bit
	g.loopBack(0x74, top)
}

// puts writes s to the UART at port, polling LSR before each byte as the real
// kernel must (a pipe behind COM1 can be full).
func (g *guest) puts(port uint16, s string) {
	g.emit(0xbe) // mov esi, s
	g.imm32(g.dataAddr([]byte(s)))
	g.emit(0xb9) // mov ecx, len(s)
	g.imm32(uint32(len(s)))
	top := len(g.code)
	g.waitLSR(port, 0x20)
	g.movDX(port)
	g.emit(0xac) // lodsb
	g.emit(0xee) // out dx, al
	g.emit(0x49) // dec ecx
	g.loopBack(0x75, top)
}

// echoLine copies bytes from the UART at port back to it until a newline.
func (g *guest) echoLine(port uint16) {
	top := len(g.code)
	g.waitLSR(port, 0x01)
	g.movDX(port)
	g.emit(0xec)       // in al, dx
	g.emit(0x88, 0xc3) // mov bl, al
	g.waitLSR(port, 0x20)
	g.movDX(port)
	g.emit(0x88, 0xd8) // mov al, bl
	g.emit(0xee)       // out dx, al
	g.emit(0x3c, '\n') // cmp al, '\n'
	g.loopBack(0x75, top)
}

// debugExit writes n to the isa-debug-exit port, then halts in case that
// did not stop QEMU.
func (g *guest) debugExit(n byte) {
	g.emit(0xb0, n)    // mov al, n
	g.emit(0xe6, 0xf4) // out 0xf4, al
	g.halt()
}

// exit is the whole gobare exit protocol: the report on COM2, then the port.
func (g *guest) exit(n byte) {
	g.puts(com2, "gobare: exit "+strconv.Itoa(int(n))+"\n")
	g.debugExit(n)
}

// sse turns SSE on (CR0.EM clear, CR0.MP and CR4.OSFXSR, OSXMMEXCPT set)
// and runs SSE instructions, as every Go program and the gobare kernel do:
// a host whose KVM cannot run them (PVM's instruction emulator) stops
// here. Clobbers EAX and XMM0.
func (g *guest) sse() {
	g.emit(0x0f, 0x20, 0xc0)             // mov eax, cr0
	g.emit(0x25, 0xfb, 0xff, 0xff, 0xff) // and eax, ~4 (EM)
	g.emit(0x83, 0xc8, 0x02)             // or eax, 2 (MP)
	g.emit(0x0f, 0x22, 0xc0)             // mov cr0, eax
	g.emit(0x0f, 0x20, 0xe0)             // mov eax, cr4
	g.emit(0x0d, 0x00, 0x06, 0x00, 0x00) // or eax, 0x600 (OSFXSR, OSXMMEXCPT)
	g.emit(0x0f, 0x22, 0xe0)             // mov cr4, eax
	g.emit(0x0f, 0x57, 0xc0)             // xorps xmm0, xmm0
	g.emit(0x0f, 0x11, 0x05)             // movups [addr], xmm0
	g.imm32(g.dataAddr(make([]byte, 16)))
}

// halt stops the CPU for good (interrupts are off).
func (g *guest) halt() {
	top := len(g.code)
	g.emit(0xf4) // hlt
	g.loopBack(0xeb, top)
}

// spin loops forever without halting: "jmp $".
func (g *guest) spin() { g.emit(0xeb, 0xfe) }

// tripleFault loads an empty IDT and raises an interrupt: #GP, then a double
// fault, then a triple fault, which resets the machine (and, with
// -no-reboot, ends QEMU with status 0).
func (g *guest) tripleFault() {
	g.emit(0x0f, 0x01, 0x1d) // lidt [addr] (limit 0, base 0)
	g.imm32(g.dataAddr(make([]byte, 6)))
	g.emit(0xcc) // int3
}

// image is the kernel file: the Multiboot header with the a.out kludge
// (flag bit 16: load the file at load_addr and jump to entry_addr, no ELF
// needed), the code, and the data at guestData.
func (g *guest) image() []byte {
	var magic, flags uint32 = 0x1badb002, 1 << 16
	if 32+len(g.code) > guestData-guestLoad {
		panic("guest code too long")
	}
	img := make([]byte, guestData-guestLoad, int(guestData-guestLoad)+len(g.data))
	for i, v := range []uint32{
		magic,
		flags,
		-(magic + flags), // checksum: the three fields sum to 0
		guestLoad,        // header_addr: where this header is loaded
		guestLoad,        // load_addr: the file's first byte goes here
		0,                // load_end_addr: 0 = the whole file
		0,                // bss_end_addr: 0 = no BSS
		guestEntry,       // entry_addr
	} {
		binary.LittleEndian.PutUint32(img[4*i:], v)
	}
	copy(img[32:], g.code)
	return append(img, g.data...)
}

// write saves the image in a test temp dir and returns its path.
func (g *guest) write(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "guest.bin")
	if err := os.WriteFile(path, g.image(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

package devfs

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/dev/uart"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// The console: what the program writes goes to the screen and the serial
// line; what it reads comes from the bytes the serial port (and the PS/2
// keyboard) received, which wait in a ring buffer until a read. Byte 0x04
// (Ctrl-D, which the launcher sends when its own input ends) reads as end
// of file, as on a terminal, and a read stops after a newline.
const (
	stdinSize = 4096
	ctrlD     = 0x04
)

type consoleFile struct{ vfs.Base }

var (
	consoleDesc         consoleFile
	stdinBuf            [stdinSize]byte
	stdinHead, stdinLen int
)

// Console returns the console's description, claiming it on first use
// (descriptors 0, 1 and 2 share it).
func Console() vfs.File {
	if consoleDesc.Free() {
		consoleDesc.Base.Open(vfs.ReadWrite)
	}
	return &consoleDesc
}

// StdinPush queues a received byte (dropping it when the buffer is full)
// and wakes a waiting reader.
func StdinPush(b byte) {
	if stdinLen < stdinSize {
		stdinBuf[(stdinHead+stdinLen)%stdinSize] = b
		stdinLen++
	}
	vfs.Changed(consoleDesc.WaitKey())
}

// PollStdin moves bytes waiting in the UART into the buffer. The receive
// interrupt is edge-triggered at the 8259: a byte that arrived while the
// PIC was being set up raised its edge unseen and keeps the line high, so
// no further interrupt would come until someone reads it.
func PollStdin() {
	for {
		b, ok := uart.GetByte(uart.COM1)
		if !ok {
			return
		}
		StdinPush(b)
	}
}

// Write shows the program's output (white on the screen, where kernel
// messages are grey).
func (c *consoleFile) Write(p []byte) (int, errno.Errno) {
	console.WriteProgram(p)
	return len(p), 0
}

// Read takes queued bytes, stopping after a newline as a terminal's line
// discipline does; a leading Ctrl-D is end of file; EAGAIN when empty.
func (c *consoleFile) Read(p []byte) (int, errno.Errno) {
	if len(p) == 0 {
		return 0, 0
	}
	PollStdin()
	if stdinLen == 0 {
		return 0, errno.EAGAIN
	}
	if stdinBuf[stdinHead] == ctrlD {
		stdinHead = (stdinHead + 1) % stdinSize
		stdinLen--
		return 0, 0
	}
	k := 0
	for k < len(p) && stdinLen > 0 {
		b := stdinBuf[stdinHead]
		if b == ctrlD {
			break
		}
		if b == '\r' {
			b = '\n' // a terminal's Enter
		}
		p[k] = b
		k++
		stdinHead = (stdinHead + 1) % stdinSize
		stdinLen--
		if b == '\n' {
			break
		}
	}
	return k, 0
}

func (c *consoleFile) Events() uint32 {
	if stdinLen > 0 {
		return vfs.EventIn | vfs.EventOut
	}
	return vfs.EventOut
}

func (c *consoleFile) Stat(st *vfs.Stat) errno.Errno {
	*st = vfs.Stat{Ino: 1, Mode: vfs.ModeCharFile, Nlink: 1}
	return 0
}

// Pollable: epoll may watch it.
func (c *consoleFile) Pollable() bool { return true }

package devfs

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/dev/uart"
	virtcons "github.com/gobare/gobare/kernel/dev/virtio/console"
	virtnet "github.com/gobare/gobare/kernel/dev/virtio/net"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// The standard streams: descriptors 0, 1 and 2 each have a description of
// their own (Stdio). Where their bytes go depends on the machine:
//
//   - With a virtio console (what mkimage run gives the guest; see
//     kernel/dev/virtio/console), each stream is a port of its own:
//     standard output and standard error reach the host apart and byte
//     for byte, and standard input is a plain byte stream that ends when
//     the host's input does. Nothing is translated: the host's terminal,
//     if any, does the line editing.
//   - Without one (plain QEMU -serial stdio, a PC), the serial line and
//     the screen are a terminal: output goes to both (each "\n" sent as
//     "\r\n", see kernel/console), and input is what COM1 and the PS/2
//     keyboard received, read as a terminal's line discipline would: a
//     read stops after a newline, CR reads as LF, and Ctrl-D at the start
//     of a read is end of file. Those bytes wait in a 4 KiB ring. When it
//     is full, PollStdin leaves the next bytes in the UART and masks its
//     receive interrupt, which makes QEMU stop reading its input until a
//     read makes room (a full ring used to drop bytes: a program that
//     started reading late lost part of a piped input). Typed keys have
//     no such brake: they are dropped.
const (
	stdinSize = 4096
	ctrlD     = 0x04
)

// stdioFile is the description of descriptor fd (0, 1 or 2). All three
// can be read (standard input) and written (descriptor 2 to standard
// error, the others to standard output), as on a terminal.
type stdioFile struct {
	vfs.Base
	fd int
}

var (
	stdio               [3]stdioFile
	stdinBuf            [stdinSize]byte
	stdinHead, stdinLen int
)

// Stdio returns the description of standard stream fd (0, 1 or 2),
// claiming it on first use.
func Stdio(fd int) vfs.File {
	f := &stdio[fd%3]
	if f.Free() {
		f.Base.Open(vfs.ReadWrite)
		f.fd = fd % 3
	}
	return f
}

// stdinKey is the key readers of standard input wait on.
func stdinKey() uintptr { return vfs.KeyOf(&stdio[0]) }

// StdinPush queues a byte typed on the keyboard (dropping it when the
// ring is full) and wakes a waiting reader.
func StdinPush(b byte) {
	KeepStdin(b)
	vfs.Changed(stdinKey())
}

// KeepStdin queues a byte unless the ring is full, waking nobody: a
// byte that waited in COM1 before the kernel set it up (uart.Init's
// keep), or one of a burst that PollStdin takes.
func KeepStdin(b byte) {
	if stdinLen < stdinSize {
		stdinBuf[(stdinHead+stdinLen)%stdinSize] = b
		stdinLen++
	}
}

// PollStdin moves every byte waiting in the UART (its whole receive
// FIFO, and what QEMU adds meanwhile) into the ring, as long as there is
// room, and wakes the readers once for the lot. A full ring holds the
// serial line (uart.Hold masks the receive interrupt; the bytes left in
// the UART make QEMU wait), and a read that makes room calls PollStdin
// again, which resumes it.
//
// The receive interrupt is edge-triggered (an ISA line, at the 8259 or
// the I/O APIC), and the UART keeps its line high while the receive
// FIFO is at its trigger level or a timeout is pending: only a PollStdin
// that empties the UART (or a Hold) lowers it again, so that the next
// bytes make a new edge. Bytes that arrived while the interrupts were
// being set up left the line high with no edge seen, so Main calls
// PollStdin once they are.
func PollStdin() {
	got := false
	for stdinLen < stdinSize {
		b, ok := uart.GetByte(uart.COM1)
		if !ok {
			break
		}
		KeepStdin(b)
		got = true
	}
	if stdinLen < stdinSize {
		uart.Resume(uart.COM1)
	} else {
		uart.Hold(uart.COM1)
	}
	if got {
		vfs.Changed(stdinKey())
	}
}

// Poll looks at the virtio console and network devices (no interrupts:
// the kernel calls this on every entry) and wakes the readers and writers
// of what changed.
func Poll() {
	if virtcons.Up() || virtnet.Up() { // a check inlined into every entry
		poll()
	}
}

func poll() {
	if virtcons.Poll() {
		vfs.Changed(stdinKey())
	}
	pollNet()
}

// stdinWanted: a read of the virtio console's standard input found
// nothing (or epoll asked and it was not readable), so someone may be
// waiting for bytes that only a Poll will notice.
var stdinWanted bool

// pollInterval is how often the kernel looks at the virtio console while
// someone waits for standard input (and at the network device while
// someone waits for a frame).
const pollInterval = 1_000_000 // 1 ms

// PollDeadline returns when the timer must interrupt next (0: never):
// next, the scheduler's deadline, or sooner — within pollInterval of now
// (clock reads it, only then) — while someone waits for standard input on
// the virtio console or for /dev/net0, which raise no interrupt of their
// own: a tickless machine would otherwise sleep through the bytes' arrival.
func PollDeadline(next int64, clock func() int64) int64 {
	if !(stdinWanted && virtcons.Up()) && !netWaiting() {
		return next
	}
	if soon := clock() + pollInterval; next == 0 || soon < next {
		return soon
	}
	return next
}

// Write sends the program's output: to its port on the virtio console,
// else to the serial line and the screen (white there, where kernel
// messages are grey).
func (c *stdioFile) Write(p []byte) (int, errno.Errno) {
	if virtcons.Up() {
		port := virtcons.PortStdout
		if c.fd == 2 {
			port = virtcons.PortStderr
		}
		n, ok := virtcons.Write(port, p)
		if !ok {
			return 0, errno.EPIPE
		}
		return n, 0
	}
	console.WriteProgram(p)
	return len(p), 0
}

// Read takes standard input: from the virtio console as a pipe would (as
// much as is there; 0 at its end), else from the serial ring as a
// terminal would. EAGAIN when there is nothing yet.
func (c *stdioFile) Read(p []byte) (int, errno.Errno) {
	if len(p) == 0 {
		return 0, 0
	}
	if virtcons.Up() {
		n, eof := virtcons.Read(p)
		stdinWanted = n == 0 && !eof
		if stdinWanted {
			return 0, errno.EAGAIN
		}
		return n, 0
	}
	return readTerminal(p)
}

// readTerminal takes queued serial or keyboard bytes, stopping after a
// newline as a terminal's line discipline does; a leading Ctrl-D is end
// of file.
func readTerminal(p []byte) (int, errno.Errno) {
	PollStdin()
	full := stdinLen == stdinSize
	n, err := takeTerminal(p)
	if full {
		PollStdin() // room was made: resume the serial line
	}
	return n, err
}

// takeTerminal takes one read's worth of bytes from the ring.
func takeTerminal(p []byte) (int, errno.Errno) {
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

// WaitKey: a reader of any of the three waits for standard input.
func (c *stdioFile) WaitKey() uintptr { return stdinKey() }

func (c *stdioFile) Events() uint32 {
	if virtcons.Readable() || !virtcons.Up() && stdinLen > 0 {
		return vfs.EventIn | vfs.EventOut
	}
	stdinWanted = true // an epoll waiter may be waiting for it
	return vfs.EventOut
}

func (c *stdioFile) Stat(st *vfs.Stat) errno.Errno {
	*st = vfs.Stat{Ino: 1, Mode: vfs.ModeCharFile, Nlink: 1}
	return 0
}

// Pollable: epoll may watch it.
func (c *stdioFile) Pollable() bool { return true }

package linux

import "github.com/gobare/gobare/kernel/console"

// Standard input: bytes the serial port received (console.SerialGetByte,
// from the COM1 receive interrupt) wait in a ring buffer until a read(0).
// Byte 0x04 (Ctrl-D, which the launcher sends when its own input ends)
// reads as end of file, as on a terminal.
const (
	stdinSize = 4096
	ctrlD     = 0x04
)

var (
	stdinBuf            [stdinSize]byte
	stdinHead, stdinLen int
)

// StdinPush queues a received byte (dropping it when the buffer is full)
// and wakes a waiting reader.
func StdinPush(b byte) {
	if stdinLen < stdinSize {
		stdinBuf[(stdinHead+stdinLen)%stdinSize] = b
		stdinLen++
	}
}

// PollStdin moves bytes waiting in the UART into the buffer. The receive
// interrupt is edge-triggered at the 8259: a byte that arrived while the
// PIC was being set up raised its edge unseen and keeps the line high, so
// no further interrupt would come until someone reads it.
func PollStdin() {
	for {
		b, ok := console.SerialGetByte(console.COM1)
		if !ok {
			return
		}
		StdinPush(b)
	}
}

func stdinReady() bool { return stdinLen > 0 }

// readStdin copies up to n queued bytes to buf, stopping after a newline
// as a terminal's line discipline does; a leading Ctrl-D is end of file.
func readStdin(buf, n uintptr) uintptr {
	if stdinBuf[stdinHead] == ctrlD {
		stdinHead = (stdinHead + 1) % stdinSize
		stdinLen--
		return 0
	}
	var chunk [256]byte
	k := 0
	for uintptr(k) < n && k < len(chunk) && stdinLen > 0 {
		b := stdinBuf[stdinHead]
		if b == ctrlD {
			break
		}
		if b == '\r' {
			b = '\n' // a terminal's Enter
		}
		chunk[k] = b
		k++
		stdinHead = (stdinHead + 1) % stdinSize
		stdinLen--
		if b == '\n' {
			break
		}
	}
	if !Space.CopyOut(buf, chunk[:k]) {
		return errno(EFAULT)
	}
	return uintptr(k)
}

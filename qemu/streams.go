package qemu

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// The program's standard streams (Config.Streams).
//
// The guest gets a virtio-serial PCI device (virtio 1.2 §5.3, a "virtio
// console" in the spec's words) with three ports at fixed numbers, which
// the kernel's driver (kernel/dev/virtio/console) knows: 1 standard input,
// 2 standard output, 3 standard error. Each port's QEMU character device
// is a Unix socket that QEMU connects to at start-up and Run serves:
//
//   - standard input: Run copies Config.Stdin into the socket and then
//     shuts down its sending side; QEMU reads the rest, sees the end, and
//     tells the guest the port closed, which the program reads as end of
//     file. QEMU reads only as fast as the guest gives it buffers, so
//     nothing is dropped however fast the input comes;
//   - standard output and error: Run copies each socket to its writer;
//     QEMU holds a guest's buffer until the socket took all of it;
//   - COM1 carries the kernel's own messages (boot lines, warnings,
//     fault reports) to Config.Log, as a serial line: from the first
//     instruction, with nothing set up.
//
// Port 0 is QEMU's console port (reserved for virtconsole), which is not
// used: a virtconsole drops what its host side cannot take at once, a
// virtserialport waits.
//
// The sockets' names are the control file's path with a suffix, so Args
// stays a pure function of its arguments.

// streamSockets are the sockets' suffixes: standard input, output,
// error, and the kernel's messages (COM1).
var streamSockets = [4]string{".in", ".out", ".err", ".log"}

func socketPath(controlPath string, i int) string { return controlPath + streamSockets[i] }

// streamArgs is the part of the command line that makes the streams.
func streamArgs(controlPath string) []string {
	args := []string{
		// A virtio-serial PCI device with room for ports 0-3 (the
		// kernel wants max_nr_ports >= 4).
		"-device", "virtio-serial-pci,id=streams,max_ports=4",
	}
	names := [3]string{"stdin", "stdout", "stderr"}
	for i, name := range names {
		args = append(args,
			// A Unix socket that Run listens on (QEMU is the client).
			"-chardev", fmt.Sprintf("socket,id=%s,path=%s", name, socketPath(controlPath, i)),
			// Port i+1 on it, named for anyone who looks.
			"-device", fmt.Sprintf("virtserialport,bus=streams.0,nr=%d,chardev=%s,name=gobare.%s", i+1, name, name),
		)
	}
	return append(args,
		// COM1: the kernel's messages, to its own socket.
		"-chardev", "socket,id=kernel,path="+socketPath(controlPath, 3),
		"-serial", "chardev:kernel",
	)
}

// streams are the listening sockets and the copying between them and the
// caller's readers and writers.
type streams struct {
	ln   [4]*net.UnixListener
	conn [4]chan *net.UnixConn // each socket's connection, once QEMU made it
	done sync.WaitGroup        // the copies out of the guest
}

// listenStreams makes the four sockets before QEMU starts.
func listenStreams(controlPath string) (*streams, error) {
	s := &streams{}
	for i := range s.ln {
		os.Remove(socketPath(controlPath, i))
		ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: socketPath(controlPath, i), Net: "unix"})
		if err != nil {
			s.close()
			return nil, fmt.Errorf("qemu: stream socket: %w", err)
		}
		ln.SetUnlinkOnClose(true)
		s.ln[i] = ln
		s.conn[i] = make(chan *net.UnixConn, 1)
	}
	return s, nil
}

// start accepts QEMU's connections and copies: stdin into socket 0,
// sockets 1-3 out to their writers. Run does not wait for the input
// copy (its reader may block forever: a terminal), only for the output
// copies, in wait.
func (s *streams) start(stdin io.Reader, outs [3]io.Writer) {
	for i, ln := range s.ln {
		go func() {
			c, err := ln.AcceptUnix()
			if err != nil {
				close(s.conn[i])
				return
			}
			s.conn[i] <- c
		}()
	}
	go func() {
		c, ok := <-s.conn[0]
		if !ok {
			return
		}
		if stdin != nil {
			io.Copy(c, stdin)
		}
		// The end of the input: QEMU reads what is left, then sees
		// the end and closes the guest's port. Only the sending side
		// is shut: a full close makes QEMU see a hang-up (POLLHUP) and
		// disconnect at once, dropping what it had not read yet. So
		// the connection stays open (and referenced: a collected
		// net.Conn is closed by its finalizer) until QEMU closes it.
		c.CloseWrite()
		io.Copy(io.Discard, c)
		c.Close()
	}()
	for i, w := range outs {
		s.done.Add(1)
		go func() {
			defer s.done.Done()
			c, ok := <-s.conn[i+1]
			if !ok {
				return
			}
			defer c.Close()
			if w == nil {
				w = io.Discard
			}
			// On a write error (a closed pipe) the copy ends and the
			// socket closes: QEMU closes the guest's port, and the
			// program's next write fails with EPIPE, as under Linux.
			io.CopyBuffer(w, c, make([]byte, 256<<10))
		}()
	}
}

// wait lets the output copies finish after QEMU exited (its sockets are
// closed then, so they end at once), giving up after a while.
func (s *streams) wait() {
	ended := make(chan struct{})
	go func() { s.done.Wait(); close(ended) }()
	s.close() // no more connections: a copy whose socket never connected ends
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
	}
}

// close stops listening (and removes the socket files).
func (s *streams) close() {
	for _, ln := range s.ln {
		if ln != nil {
			ln.Close()
		}
	}
}

// SharedStderr puts the program's standard error and the kernel's
// messages on one writer (mkimage's stderr) without mixing them inside a
// line: kernel lines are written whole, each prefixed "gobare: " unless
// it already starts so, with the serial line's "\r\n" as "\n"; while the
// program's last write did not end its line, kernel lines wait for it.
// The program's bytes go through as they are.
type SharedStderr struct {
	mu      sync.Mutex
	w       io.Writer
	hide    bool
	midLine bool   // the program's last byte was not a newline
	partial []byte // the kernel's line so far
	held    []byte // kernel lines waiting for the program's line to end
	hidden  []byte // with hide: the last hiddenKeep bytes of the kernel's, for ShowHidden
	trimmed bool   // hidden lost its start
}

// hiddenKeep is how much of the kernel's hidden messages SharedStderr
// keeps: a fault report fits.
const hiddenKeep = 4 << 10

// NewSharedStderr writes to w; hide drops the kernel's messages.
func NewSharedStderr(w io.Writer, hide bool) *SharedStderr {
	return &SharedStderr{w: w, hide: hide}
}

// Program is the writer for the program's standard error.
func (s *SharedStderr) Program() io.Writer { return programStderr{s} }

// Kernel is the writer for the kernel's messages (COM1's bytes).
func (s *SharedStderr) Kernel() io.Writer { return kernelLog{s} }

type programStderr struct{ s *SharedStderr }
type kernelLog struct{ s *SharedStderr }

func (p programStderr) Write(b []byte) (int, error) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(b) == 0 {
		return 0, nil
	}
	n := 0
	if i := bytes.IndexByte(b, '\n'); i >= 0 && len(s.held) > 0 {
		// The program's line ends here: the held kernel lines follow it.
		k, err := s.w.Write(b[:i+1])
		if n += k; err != nil {
			return n, err
		}
		s.w.Write(s.held)
		s.held = s.held[:0]
	}
	k, err := s.w.Write(b[n:])
	if n += k; err != nil {
		return n, err
	}
	s.midLine = b[len(b)-1] != '\n'
	return n, nil
}

func (k kernelLog) Write(b []byte) (int, error) {
	s := k.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hide {
		s.hidden = append(s.hidden, b...)
		if over := len(s.hidden) - hiddenKeep; over > 0 {
			s.hidden = append(s.hidden[:0], s.hidden[over:]...)
			s.trimmed = true
		}
		return len(b), nil
	}
	for _, c := range b {
		if c != '\n' {
			s.partial = append(s.partial, c)
			continue
		}
		s.emit()
	}
	return len(b), nil
}

// emit writes (or holds) the kernel's line in partial.
func (s *SharedStderr) emit() {
	line := bytes.TrimSuffix(s.partial, []byte("\r"))
	var out []byte
	if !bytes.HasPrefix(line, []byte("gobare:")) {
		out = append(out, "gobare: "...)
	}
	out = append(append(out, line...), '\n')
	s.partial = s.partial[:0]
	if s.midLine {
		s.held = append(s.held, out...)
		return
	}
	s.w.Write(out)
}

// Flush writes what waits: a last kernel line without its newline, and
// kernel lines held behind an unfinished line of the program's (on a line
// of their own).
func (s *SharedStderr) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hide {
		return
	}
	if len(s.partial) > 0 {
		s.emit()
	}
	if len(s.held) > 0 {
		s.w.Write([]byte("\n"))
		s.w.Write(s.held)
		s.held = nil
		s.midLine = false
	}
}

// ShowHidden writes the last of the kernel's hidden messages after all,
// as if they had not been hidden: mkimage run does so when the kernel
// itself ended the program under quiet (out of memory, a fault), whose
// one-line reason would otherwise be lost.
func (s *SharedStderr) ShowHidden() {
	s.mu.Lock()
	kept := s.hidden
	if i := bytes.IndexByte(kept, '\n'); s.trimmed && i >= 0 {
		kept = kept[i+1:] // from the first whole line
	}
	s.hide, s.hidden = false, nil
	s.mu.Unlock()
	kernelLog{s}.Write(kept)
	s.Flush()
}

package tests

// The program's standard streams under `mkimage run` (kernel/dev/virtio,
// kernel/fs/devfs/console.go, qemu/streams.go), with tests/programs/streams:
//
//   - TestStreamsBytes: standard output and standard error arrive apart
//     and byte for byte (every byte value, "\r\n" and a lone "\r"), with
//     and without the kernel word quiet; the kernel's lines are on stderr;
//   - TestStreamsStdin: control bytes and "\r\n" in piped input are data,
//     an empty input is end of file at once, 50 MB come back byte-exact;
//   - TestStreamsSoak: runs in a row of a 1 MB random input through cat,
//     each byte-exact (3 runs; 200 with GOBARE_STREAMS_SOAK=1);
//   - TestStreamsTerminal: from a terminal, input arrives line by line and
//     Ctrl-D ends it;
//   - TestSerialStdinLateReader: without the virtio console (plain QEMU's
//     serial line) a program that starts reading late still gets every
//     byte of a piped input;
//   - BenchmarkStreams: megabytes per second each way.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gobare/gobare/internal/image"
	"github.com/gobare/gobare/qemu"
)

// streamsOut and streamsErr are what `streams bytes` writes (its
// Expected, tests/programs/streams/main.go).
var (
	streamsOut = func() string {
		var b []byte
		for i := 0; i < 256; i++ {
			b = append(b, byte(i))
		}
		return string(b) + "\nline one\nline two\r\nno newline at the end\r"
	}()
	streamsErr = "to stderr: \x00\x04\r\n\xff\nsecond line\n"
)

// runStreams runs `mkimage run [flags] streams ARGS...` with stdin.
func runStreams(t testing.TB, stdin io.Reader, timeout time.Duration, flags []string, args ...string) mkimageRun {
	t.Helper()
	cmd := append([]string{"run", "-accel", "tcg", "-timeout", timeout.String()}, flags...)
	cmd = append(cmd, testProgram(t, "streams"))
	return runMkimageOpts(t, mkimageOpts{Stdin: stdin, Timeout: timeout + 2*time.Minute}, append(cmd, args...)...)
}

// withoutKernelLines drops the lines mkimage marks as the kernel's.
func withoutKernelLines(stderr string) string {
	var b strings.Builder
	for line := range strings.Lines(stderr) {
		if !strings.HasPrefix(line, "gobare: ") {
			b.WriteString(line)
		}
	}
	return b.String()
}

func TestStreamsBytes(t *testing.T) {
	t.Parallel()
	for _, quiet := range []bool{true, false} {
		name := "quiet"
		var flags []string
		if quiet {
			flags = []string{"-append", "quiet"}
		} else {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := runStreams(t, nil, bootTimeout, flags, "bytes")
			r.wantExit(t, 0)
			if r.Stdout != streamsOut {
				r.fatalf(t, "standard output is\n%q\nwant\n%q", r.Stdout, streamsOut)
			}
			if quiet {
				// Nothing but the program's bytes.
				if r.Stderr != streamsErr {
					r.fatalf(t, "standard error is\n%q\nwant exactly\n%q", r.Stderr, streamsErr)
				}
				return
			}
			if got := withoutKernelLines(r.Stderr); got != streamsErr {
				r.fatalf(t, "standard error without the gobare: lines is\n%q\nwant\n%q", got, streamsErr)
			}
			if _, ok := parseBanner(r.Kernel); !ok {
				r.fatalf(t, "no kernel banner among the gobare: lines on standard error")
			}
		})
	}
}

// firstDiff describes where got and want part.
func firstDiff(got, want []byte) string {
	n := min(len(got), len(want))
	for i := 0; i < n; i++ {
		if got[i] != want[i] {
			lo, hi := max(0, i-8), min(n, i+8)
			return fmt.Sprintf("%d bytes, want %d; first difference at offset %d: got %q, want %q", len(got), len(want), i, got[lo:hi], want[lo:hi])
		}
	}
	return fmt.Sprintf("%d bytes, want %d (one is a prefix of the other)", len(got), len(want))
}

// catExact pipes in through `streams cat` and wants it back exactly.
func catExact(t testing.TB, in []byte, timeout time.Duration) mkimageRun {
	t.Helper()
	r := runStreams(t, bytes.NewReader(in), timeout, []string{"-append", "quiet"}, "cat")
	r.wantExit(t, 0)
	if got := r.Stdout; got != string(in) {
		r.Stdout = fmt.Sprintf("(%d bytes, not shown)\n", len(got))
		r.fatalf(t, "cat gave back %s", firstDiff([]byte(got), in))
	}
	return r
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestStreamsStdin(t *testing.T) {
	t.Parallel()
	t.Run("control-bytes", func(t *testing.T) {
		t.Parallel()
		// Ctrl-D, CR LF, a lone CR: data in a pipe, not a terminal's.
		catExact(t, []byte("a\x04b\r\nc\rd\x04\x00\n\x04"), bootTimeout)
	})
	// A short input is written and ended before the guest is up: it must
	// still arrive, then its end (a socket closed too early once made
	// QEMU drop both, and the reader waited forever).
	for i := range 3 {
		t.Run(fmt.Sprintf("short-%d", i), func(t *testing.T) {
			t.Parallel()
			r := runStreams(t, strings.NewReader("hello gobare\n"), bootTimeout, []string{"-append", "quiet"}, "lines")
			r.wantExit(t, 0)
			if want := "got \"hello gobare\\n\"\neof\n"; r.Stdout != want {
				r.fatalf(t, "standard output %q, want %q", r.Stdout, want)
			}
		})
	}
	// Input that comes while the program is already waiting for it: the
	// virtio console raises no interrupt and an idle machine is tickless,
	// so the kernel must keep looking while a read waits (devfs
	// PollDeadline); it once slept until the Go runtime's next timer, up
	// to two minutes.
	t.Run("late", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		r := runStreams(t, &lateReader{delay: 5 * time.Second, data: []byte("hello gobare\n")}, bootTimeout, []string{"-append", "quiet"}, "lines")
		r.wantExit(t, 0)
		if want := "got \"hello gobare\\n\"\neof\n"; r.Stdout != want {
			r.fatalf(t, "standard output %q, want %q", r.Stdout, want)
		}
		// Boot and exit take a few seconds; a missed wake-up, a minute
		// or more (-timeout ends it first).
		if d := time.Since(start); d > 40*time.Second {
			r.fatalf(t, "the run took %v for input that came after 5 s", d.Round(time.Second))
		}
	})
	t.Run("empty", func(t *testing.T) {
		t.Parallel()
		r := runStreams(t, strings.NewReader(""), bootTimeout, []string{"-append", "quiet"}, "count")
		r.wantExit(t, 0)
		if r.Stdout != "0\n" {
			r.fatalf(t, "count of an empty input printed %q, want \"0\\n\"", r.Stdout)
		}
	})
	t.Run("50MB", func(t *testing.T) {
		t.Parallel()
		in := randomBytes(50, 50<<20)
		start := time.Now()
		catExact(t, in, 3*time.Minute)
		t.Logf("50 MiB through cat in %v (boot included)", time.Since(start).Round(time.Millisecond))
	})
}

// lateReader gives data only after delay.
type lateReader struct {
	delay time.Duration
	data  []byte
	slept bool
}

func (r *lateReader) Read(p []byte) (int, error) {
	if !r.slept {
		time.Sleep(r.delay)
		r.slept = true
	}
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestStreamsSoak sends a fresh 1 MB random input through cat, again and
// again: every run must give it back exactly. (Through the serial line, 1
// run in about 25 damaged the start of a 100 KB input.)
func TestStreamsSoak(t *testing.T) {
	runs := 3
	if os.Getenv("GOBARE_STREAMS_SOAK") == "1" {
		runs = 200
	}
	start := time.Now()
	for i := range runs {
		in := randomBytes(uint64(i)+1000, 1<<20)
		r := catExact(t, in, bootTimeout)
		if t.Failed() {
			r.fatalf(t, "run %d of %d", i+1, runs)
		}
	}
	t.Logf("%d runs of 1 MiB byte-exact in %v", runs, time.Since(start).Round(time.Millisecond))
}

// TestSerialStdinLateReader pipes 100 KB of text into a program that
// sleeps a second before it reads, through the serial console (qemu.Run
// without Streams, as plain QEMU -serial stdio). The kernel's 4 KiB ring
// fills long before the program reads; the bytes after it must wait in
// the UART (and QEMU) rather than be dropped, which is what damaged about
// one piped input in 25 near its start before the streams moved to the
// virtio console.
func TestSerialStdinLateReader(t *testing.T) {
	t.Parallel()
	raw := randomBytes(100, 75000)
	in := []byte(base64.StdEncoding.EncodeToString(raw)) // no Ctrl-D, no CR: a terminal's input
	elf, err := os.ReadFile(testProgram(t, "streams"))
	if err != nil {
		t.Fatal(err)
	}
	img := writeImage(t, image.Program{ELF: elf, Argv: []string{"streams", "count", "sha256", "late"}, KernelArgs: []string{"quiet"}})
	r := boot(t, qemu.Config{Kernel: img, Stdin: bytes.NewReader(in), Timeout: 2 * bootTimeout})
	r.wantExit(t, 0)
	want := fmt.Sprintf("%d %x\n", len(in), sha256.Sum256(in))
	if !strings.HasPrefix(r.Console, want) {
		r.fatalf(t, "the program counted %q, want %q", r.Console, want)
	}
}

// openPTY opens a pseudo-terminal pair (Linux): the master, which plays
// the user at the keyboard, and the slave, which is the terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the pseudo-terminal here is Linux's /dev/ptmx")
	}
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening /dev/ptmx: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlocking the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pseudo-terminal number: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening the pseudo-terminal: %v", err)
	}
	return m, s
}

// TestStreamsTerminal types into `mkimage run streams lines` through a
// terminal: each line reaches the program when Enter (CR, which the
// terminal turns into LF) is pressed, before the next one is typed, and
// Ctrl-D at the start of a line ends the input.
func TestStreamsTerminal(t *testing.T) {
	t.Parallel()
	master, slave := openPTY(t)
	defer master.Close()
	go io.Copy(io.Discard, master) // the terminal's echo
	ctx, cancel := context.WithTimeout(context.Background(), bootTimeout+2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mkimageTool(t), "run", "-accel", "tcg", "-timeout", bootTimeout.String(), "-append", "quiet",
		testProgram(t, "streams"), "lines")
	cmd.Dir = repoRoot(t)
	cmd.Stdin = slave
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	killGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	expect := func(want string) {
		t.Helper()
		select {
		case got, ok := <-lines:
			if !ok || got != want {
				t.Fatalf("the program printed %q (open %v), want %q; stderr:\n%s", got, ok, want, stderr.String())
			}
		case <-time.After(bootTimeout):
			t.Fatalf("no %q from the program after %v; stderr:\n%s", want, bootTimeout, stderr.String())
		}
	}
	master.Write([]byte("first line\r"))
	expect(`got "first line\n"`)
	master.Write([]byte("second\r"))
	expect(`got "second\n"`)
	master.Write([]byte{4}) // Ctrl-D
	expect("eof")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("mkimage run: %v; stderr:\n%s", err, stderr.String())
	}
}

// BenchmarkStreams measures the streams' throughput with 50 MiB: into
// the program's standard input (`streams count`), out of its standard
// output (`streams emit`), and both at once (`streams cat`, the figure is
// each way). The program times the transfer itself, from its first byte
// to the end (boot and exit are not counted); the best run is reported in
// MB/s (10^6 bytes per second).
//
//	go test ./tests -run '^$' -bench BenchmarkStreams -benchtime 3x
func BenchmarkStreams(b *testing.B) {
	const size = 50 << 20
	in := randomBytes(7, size)
	timeout := 3 * time.Minute
	timing := regexp.MustCompile(`(?m)^streams: (\d+) bytes in ([0-9.]+) s$`)
	for _, mode := range []string{"count", "emit", "cat"} {
		b.Run(mode, func(b *testing.B) {
			best := 0.0
			for range b.N {
				var stdin io.Reader = bytes.NewReader(in)
				args := []string{mode}
				if mode == "emit" {
					stdin, args = nil, []string{mode, strconv.Itoa(size)}
				}
				r := runStreams(b, stdin, timeout, []string{"-append", "quiet"}, args...)
				r.wantExit(b, 0)
				switch {
				case mode == "count" && r.Stdout != strconv.Itoa(size)+"\n",
					mode == "emit" && len(r.Stdout) != size,
					mode == "cat" && r.Stdout != string(in):
					b.Fatalf("%s: %d bytes of output, not what was sent", mode, len(r.Stdout))
				}
				m := timing.FindStringSubmatch(r.Stderr)
				if m == nil || m[1] != strconv.Itoa(size) {
					b.Fatalf("%s: no timing line for %d bytes on stderr: %q", mode, size, r.Stderr)
				}
				secs, err := strconv.ParseFloat(m[2], 64)
				if err != nil || secs <= 0 {
					b.Fatalf("%s: timing %q", mode, m[0])
				}
				best = max(best, size/secs/1e6)
			}
			b.ReportMetric(best, "MB/s")
		})
	}
}

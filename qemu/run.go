package qemu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// stopGrace is how long QEMU gets to exit after SIGTERM (which lets it put a
// terminal back out of raw mode) before it is killed.
const stopGrace = 2 * time.Second

// Run boots cfg under QEMU, waits for the guest to exit and returns its exit
// status. The guest's console (COM1) streams to cfg.Stdout while it runs.
//
// Run returns an error, with Result.ExitCode -1, when QEMU cannot be started
// or fails, when the guest stops without reporting an exit status (ErrNoExit),
// when cfg.Timeout expires (ErrTimeout) and when ctx is cancelled. QEMU's own
// messages (its stderr) are kept and appear only in those errors; to log with
// -d, add "-D FILE" to cfg.Extra.
func Run(ctx context.Context, cfg Config) (Result, error) {
	res := Result{ExitCode: -1}
	launcherOut := cfg.Stderr
	if launcherOut == nil {
		launcherOut = os.Stderr
	}

	path, err := lookProgram()
	if err != nil {
		return res, err
	}
	if err := checkBoot(cfg); err != nil {
		return res, err
	}
	if err := checkFiles(cfg); err != nil {
		return res, err
	}
	if res.Accel, err = chooseAccel(cfg.Accel); err != nil {
		return res, err
	}
	if cfg.Kernel != "" && cfg.Firmware == "" {
		cfg.Firmware = FastFirmware()
	}

	// COM2's file. QEMU creates or truncates it; we make it first so the
	// name is ours and unique.
	control, err := os.CreateTemp("", "gobare-control-*")
	if err != nil {
		return res, fmt.Errorf("qemu: control file: %w", err)
	}
	control.Close()
	defer os.Remove(control.Name())

	if cfg.GDB && cfg.GDBPort == 0 {
		if cfg.GDBPort, err = freePort(); err != nil {
			return res, err
		}
	}
	args, err := Args(cfg, res.Accel, control.Name())
	if err != nil {
		return res, err
	}

	cmd := exec.Command(path, args...)
	defer dieWithParent(cmd)()
	qemuStderr := &limitedBuffer{max: 64 << 10}
	cmd.Stderr = qemuStderr
	var streams *streams
	stdin := &stdinPipe{}
	if cfg.Streams {
		// QEMU's own stdin and stdout are not the guest's: /dev/null.
		if streams, err = listenStreams(control.Name()); err != nil {
			return res, err
		}
		defer streams.wait()
	} else {
		cmd.Stdout = cfg.Stdout // nil: /dev/null
		if stdin, err = connectStdin(cmd, cfg.Stdin); err != nil {
			return res, err
		}
	}
	defer stdin.close()

	// The timeout is a context deadline whose cause is ErrTimeout, so it
	// can be told apart from the caller cancelling ctx. It runs with GDB
	// too (a forgotten debugging session ends): leave Timeout 0 for none.
	if cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, cfg.Timeout,
			fmt.Errorf("%w after %v", ErrTimeout, cfg.Timeout))
		defer cancel()
	}

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("qemu: starting %s: %w", path, err)
	}
	stdin.started()
	if streams != nil {
		streams.start(cfg.Stdin, [3]io.Writer{cfg.Stdout, cfg.ProgramStderr, cfg.Log})
	}
	if cfg.GDB {
		fmt.Fprintf(launcherOut, "qemu: the guest is halted before its first instruction, GDB stub on localhost:%d; attach with\n\t%s\n", gdbPort(cfg), gdbCommand(cfg))
		if cfg.Timeout > 0 {
			fmt.Fprintf(launcherOut, "qemu: the guest is stopped after %v (-timeout), debugger or not\n", cfg.Timeout)
		}
	}

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var waitErr error
	select {
	case waitErr = <-done:
	case <-ctx.Done():
		select {
		case waitErr = <-done: // QEMU exited just as time ran out: use it
		default:
			stop(cmd, done)
			res.Elapsed = time.Since(start)
			cause := context.Cause(ctx)
			if errors.Is(cause, ErrTimeout) {
				return res, cause
			}
			return res, fmt.Errorf("qemu: %w", cause)
		}
	}
	res.Elapsed = time.Since(start)
	if streams != nil {
		streams.wait() // the last bytes QEMU wrote before it exited
	}

	status, err := exitStatus(waitErr)
	if err != nil {
		return res, fmt.Errorf("qemu: %w%s", err, stderrSuffix(qemuStderr.String()))
	}
	report, err := os.ReadFile(control.Name())
	if err != nil {
		return res, fmt.Errorf("qemu: reading the control channel: %w", err)
	}
	code, err := explainExit(status, string(report), qemuStderr.String())
	if err != nil {
		return res, err
	}
	res.ExitCode = code
	return res, nil
}

// chooseAccel resolves Config.Accel to "kvm" or "tcg".
func chooseAccel(want string) (string, error) {
	switch want {
	case "", "auto":
		if KVMWorks() {
			return "kvm", nil
		}
		return "tcg", nil
	case "kvm":
		if err := kvmProbe(); err != nil {
			return "", fmt.Errorf("qemu: KVM was asked for but does not work here: %v", err)
		}
		return "kvm", nil
	case "tcg":
		return "tcg", nil
	}
	return "", fmt.Errorf("qemu: accelerator %q: want \"auto\", \"kvm\" or \"tcg\"", want)
}

// checkFiles makes sure the kernel, ISO and module files exist, so a typo is
// reported plainly instead of through QEMU.
func checkFiles(cfg Config) error {
	check := func(what, path string) error {
		if path == "" {
			return nil
		}
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("qemu: %s: %w", what, err)
		}
		return nil
	}
	if err := check("kernel", cfg.Kernel); err != nil {
		return err
	}
	if err := check("ISO", cfg.ISO); err != nil {
		return err
	}
	for _, m := range cfg.Modules {
		if f := strings.Fields(m); len(f) > 0 {
			if err := check("module", f[0]); err != nil {
				return err
			}
		}
	}
	return nil
}

// stop ends QEMU: SIGTERM first, which QEMU handles by shutting down cleanly
// (and restoring the terminal), then SIGKILL if it lingers. It returns once
// cmd.Wait has returned.
func stop(cmd *exec.Cmd, done <-chan error) {
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(stopGrace):
		cmd.Process.Kill()
		<-done
	}
}

// exitStatus turns cmd.Wait's result into QEMU's exit status.
func exitStatus(waitErr error) (int, error) {
	if waitErr == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if !errors.As(waitErr, &ee) {
		return 0, waitErr // e.g. copying to cfg.Stdout failed
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 0, fmt.Errorf("QEMU was killed by signal %v", ws.Signal())
	}
	return ee.ExitCode(), nil
}

// gdbCommand is the command line that attaches GDB to the stub.
func gdbCommand(cfg Config) string {
	cmd := "gdb"
	if cfg.GDBSymbols != "" {
		cmd += " " + shellQuote(cfg.GDBSymbols)
	} else if cfg.Kernel != "" {
		cmd += " " + shellQuote(cfg.Kernel)
	}
	for _, c := range cfg.GDBCommands {
		cmd += " -ex " + shellQuote(c)
	}
	return cmd + fmt.Sprintf(` -ex "target remote localhost:%d"`, gdbPort(cfg))
}

// gdbPort is the GDB stub's port: Config.GDBPort, else QEMU's usual 1234.
func gdbPort(cfg Config) int {
	if cfg.GDBPort != 0 {
		return cfg.GDBPort
	}
	return 1234
}

// freePort returns a TCP port on localhost that nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		return 0, fmt.Errorf("qemu: finding a free port for GDB: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+=:@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// limitedBuffer keeps the first max bytes written to it and drops the rest,
// so a chatty QEMU cannot fill memory.
type limitedBuffer struct {
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string { return b.buf.String() }

// endOfInput is Ctrl-D, the byte the guest reads as end of file.
const endOfInput = 0x04

// stdinPipe feeds an io.Reader to QEMU's stdin.
//
// A terminal is handed to QEMU as it is. Any other reader goes through a
// pipe filled by a goroutine that Run does not wait for: the reader may
// block forever (os.Stdin wrapped in a bufio.Reader, say), and QEMU ending
// must not wait for it. exec.Cmd's own copying would. When that input ends,
// the goroutine sends Ctrl-D (0x04), which the gobare kernel reads as end
// of file, as a terminal would: a serial line has no end of its own.
type stdinPipe struct {
	r, w *os.File // nil when there is no pipe
	src  io.Reader
}

func connectStdin(cmd *exec.Cmd, src io.Reader) (*stdinPipe, error) {
	p := &stdinPipe{src: src}
	switch {
	case src == nil:
		// cmd.Stdin nil: QEMU reads /dev/null, the guest sees no input.
	case IsTerminal(src):
		cmd.Stdin = src
	default:
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("qemu: stdin pipe: %w", err)
		}
		p.r, p.w = r, w
		cmd.Stdin = r
	}
	return p, nil
}

// started closes our copy of the pipe's read end (QEMU has its own) and
// starts copying.
func (p *stdinPipe) started() {
	if p.r == nil {
		return
	}
	p.r.Close()
	go func() {
		if _, err := io.Copy(p.w, p.src); err == nil {
			p.w.Write([]byte{endOfInput})
		}
		p.w.Close()
	}()
}

// close ends the copying (the goroutine's next write fails) and releases
// the pipe if QEMU never started.
func (p *stdinPipe) close() {
	if p.w != nil {
		p.r.Close()
		p.w.Close()
	}
}

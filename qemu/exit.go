package qemu

import (
	"fmt"
	"strconv"
	"strings"
)

// controlPrefix starts the line the kernel writes to COM2 just before it
// exits: "gobare: exit N", N in decimal, 0..255.
const controlPrefix = "gobare: exit "

// debugExitStatus is the status QEMU exits with when the guest writes n to the
// isa-debug-exit port: (n<<1)|1, which the operating system truncates to 8
// bits. Every status it yields is odd, so 0 never means "the guest exited".
func debugExitStatus(n int) int {
	return ((n << 1) | 1) & 0xff
}

// parseControl finds the exit status the guest reported on COM2. The last
// line starting with "gobare: exit" counts; ok is false when there is none. A
// malformed report (not a number, out of 0..255) is an error rather than
// being ignored, since it means the kernel has a bug.
func parseControl(control string) (n int, ok bool, err error) {
	for line := range strings.Lines(control) {
		line = strings.TrimSpace(line) // also drops a "\r" before the "\n"
		if !strings.HasPrefix(line, strings.TrimSpace(controlPrefix)) {
			continue
		}
		digits, _ := strings.CutPrefix(line, controlPrefix)
		n, err = strconv.Atoi(digits)
		if !isDecimal(digits) || err != nil || n > 255 {
			return -1, false, fmt.Errorf("malformed exit report %q on the control channel (want %q with N in 0..255)", line, controlPrefix+"N")
		}
		ok = true
	}
	return n, ok, nil
}

// isDecimal reports whether s is one to three decimal digits (no sign, no
// spaces).
func isDecimal(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// decodeExit combines QEMU's exit status with the control channel's contents
// into the guest's exit code. It is the whole exit protocol in one pure
// function:
//
//   - the control channel says "gobare: exit N" and QEMU's status is
//     debugExitStatus(N): the guest exited with N (this is the only success);
//   - the control channel says N but the status disagrees: an error naming both
//     (e.g. the port write did not stop QEMU and the guest then crashed);
//   - no report: ErrNoExit, with a hint drawn from the status.
func decodeExit(status int, control string) (int, error) {
	n, ok, err := parseControl(control)
	if err != nil {
		return -1, err
	}
	if ok {
		if want := debugExitStatus(n); status != want {
			return -1, fmt.Errorf("guest reported exit status %d but QEMU exited with status %d, not %d (did the write to port 0xf4 fail?)", n, status, want)
		}
		return n, nil
	}
	if status == 0 {
		// -no-reboot turns a triple fault or a reset into a clean exit;
		// an ACPI power-off looks the same.
		return -1, fmt.Errorf("%w (triple fault or reset?)", ErrNoExit)
	}
	if status&1 == 1 {
		// Status 1 is also what QEMU returns when it fails; Run checks
		// QEMU's stderr for that before it gets here.
		return -1, fmt.Errorf("%w: QEMU exited with status %d (a write of %d or %d to port 0xf4?) but nothing was reported on COM2", ErrNoExit, status, status>>1, status>>1|0x80)
	}
	return -1, fmt.Errorf("%w: QEMU exited with status %d", ErrNoExit, status)
}

// explainExit is decodeExit plus what QEMU printed on stderr, which tells
// QEMU's own endings apart from the guest's:
//
//   - QEMU stopped by a signal (Ctrl-C, kill) exits with status 0 and says
//     "terminating on signal N": not a triple fault;
//   - QEMU failing (bad arguments, an unloadable kernel) exits with status 1
//     and an error message: that message is the explanation.
//
// Otherwise QEMU's messages, if any, are appended to decodeExit's error.
func explainExit(status int, report, stderr string) (int, error) {
	code, err := decodeExit(status, report)
	if err == nil {
		return code, nil
	}
	msgs := qemuErrors(stderr)
	if _, reported, _ := parseControl(report); !reported {
		switch {
		case strings.Contains(msgs, "terminating on signal"):
			return -1, fmt.Errorf("QEMU was stopped before the guest exited: %s", msgs)
		case status != 0 && msgs != "":
			return -1, fmt.Errorf("QEMU failed with status %d: %s", status, msgs)
		}
	}
	return -1, fmt.Errorf("%w%s", err, stderrSuffix(msgs))
}

// qemuErrors returns QEMU's stderr without its warnings (under KVM on these
// hosts QEMU warns about CPUID bits on every start), trimmed.
func qemuErrors(stderr string) string {
	var keep []string
	for line := range strings.Lines(stderr) {
		line = strings.TrimSpace(line)
		if line != "" && !strings.Contains(line, "warning:") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "; ")
}

// stderrSuffix formats QEMU's messages for the end of an error.
func stderrSuffix(msgs string) string {
	msgs = strings.TrimSpace(msgs)
	if msgs == "" {
		return ""
	}
	return " (QEMU said: " + strings.ReplaceAll(msgs, "\n", "; ") + ")"
}

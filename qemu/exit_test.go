package qemu

import (
	"errors"
	"fmt"
	"testing"
)

func TestDebugExitStatus(t *testing.T) {
	for n, want := range map[int]int{0: 1, 1: 3, 42: 85, 127: 255, 128: 1, 170: 85, 255: 255} {
		if got := debugExitStatus(n); got != want {
			t.Errorf("debugExitStatus(%d) = %d, want %d", n, got, want)
		}
	}
}

// Every exit code 0..255 comes back exactly, including the upper half whose
// QEMU status collides with the lower half's.
func TestDecodeExitAllCodes(t *testing.T) {
	for n := range 256 {
		for _, report := range []string{
			fmt.Sprintf("gobare: exit %d\n", n),
			fmt.Sprintf("gobare: exit %d\r\n", n),
			fmt.Sprintf("gobare: exit %d", n), // no newline
			fmt.Sprintf("kernel chatter\ngobare: exit %d\n", n),
		} {
			got, err := decodeExit(debugExitStatus(n), report)
			if err != nil || got != n {
				t.Fatalf("decodeExit(%d, %q) = %d, %v; want %d", debugExitStatus(n), report, got, err, n)
			}
		}
	}
}

// A report that disagrees with QEMU's status is an error, and not ErrNoExit.
func TestDecodeExitInconsistent(t *testing.T) {
	for n := range 256 {
		report := fmt.Sprintf("gobare: exit %d\n", n)
		for status := range 256 {
			if status == debugExitStatus(n) {
				continue
			}
			got, err := decodeExit(status, report)
			if err == nil {
				t.Fatalf("decodeExit(%d, %q) = %d, want an error", status, report, got)
			}
			if errors.Is(err, ErrNoExit) {
				t.Fatalf("decodeExit(%d, %q): %v is ErrNoExit", status, report, err)
			}
		}
	}
}

func TestDecodeExitNoReport(t *testing.T) {
	_, err := decodeExit(0, "")
	if !errors.Is(err, ErrNoExit) {
		t.Fatalf("status 0, no report: %v, want ErrNoExit", err)
	}
	if want := "guest stopped without reporting an exit status (triple fault or reset?)"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	for _, status := range []int{1, 7, 85, 255, 2, 134} {
		if _, err := decodeExit(status, "some other text\n"); !errors.Is(err, ErrNoExit) {
			t.Errorf("status %d, no report: %v, want ErrNoExit", status, err)
		}
	}
}

func TestDecodeExitMalformed(t *testing.T) {
	for _, report := range []string{
		"gobare: exit 256\n",
		"gobare: exit -1\n",
		"gobare: exit +4\n",
		"gobare: exit 4x\n",
		"gobare: exit\n",
		"gobare: exit42\n",
		"gobare: exit 1000\n",
	} {
		got, err := decodeExit(1, report)
		if err == nil || errors.Is(err, ErrNoExit) {
			t.Errorf("decodeExit(1, %q) = %d, %v; want a malformed-report error", report, got, err)
		}
	}
}

// The last report wins (a kernel that reports twice means the second).
func TestDecodeExitLastReport(t *testing.T) {
	got, err := decodeExit(debugExitStatus(9), "gobare: exit 3\ngobare: exit 9\n")
	if err != nil || got != 9 {
		t.Errorf("got %d, %v; want 9", got, err)
	}
}

func TestExplainExit(t *testing.T) {
	const kvmWarning = "qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.01H:ECX.pni [bit 0]\n"
	for _, tc := range []struct {
		name           string
		status         int
		report, stderr string
		code           int
		noExit         bool   // errors.Is(err, ErrNoExit)
		msg            string // the exact error message, when code is -1
	}{
		{"exit under KVM", 85, "gobare: exit 42\n", kvmWarning, 42, false, ""},
		{"triple fault", 0, "", kvmWarning, -1, true,
			"guest stopped without reporting an exit status (triple fault or reset?)"},
		{"bad flag", 1, "", "qemu-system-x86_64: -bogus: invalid option\n", -1, false,
			"QEMU failed with status 1: qemu-system-x86_64: -bogus: invalid option"},
		{"killed", 0, "", "qemu-system-x86_64: terminating on signal 2 from pid 7 (bash)\n", -1, false,
			"QEMU was stopped before the guest exited: qemu-system-x86_64: terminating on signal 2 from pid 7 (bash)"},
		{"port write without report", 7, "", kvmWarning, -1, true,
			"guest stopped without reporting an exit status: QEMU exited with status 7 (a write of 3 or 131 to port 0xf4?) but nothing was reported on COM2"},
		{"inconsistent, QEMU said something", 0, "gobare: exit 1\n", "qemu-system-x86_64: oops\n", -1, false,
			"guest reported exit status 1 but QEMU exited with status 0, not 3 (did the write to port 0xf4 fail?) (QEMU said: qemu-system-x86_64: oops)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := explainExit(tc.status, tc.report, tc.stderr)
			if code != tc.code {
				t.Errorf("code %d, want %d (err %v)", code, tc.code, err)
			}
			if tc.code >= 0 {
				if err != nil {
					t.Errorf("unexpected error %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrNoExit) != tc.noExit {
				t.Errorf("errors.Is(%v, ErrNoExit) = %v", err, !tc.noExit)
			}
			if err.Error() != tc.msg {
				t.Errorf("message\n\t%s\nwant\n\t%s", err, tc.msg)
			}
		})
	}
}

package labs

import (
	"strings"
	"testing"
)

// TestExcerpt: the lines that say what went wrong, then, unless they
// were the last ones anyway, where the output ended — a run stopped by
// mkimage's -timeout shows how far it got (issue 11: "goroutines: ok",
// then the timers check never finished).
func TestExcerpt(t *testing.T) {
	for _, c := range []struct {
		output   string
		timedOut bool
		want     string
	}{
		{ // a timeout after progress: the timeout line, then the end
			"gobare: boot: long mode\nrtcheck: goroutines: start\nrtcheck: goroutines: ok\nrtcheck: timers: start\nmkimage: QEMU timed out after 30s\n", false,
			"output: mkimage: QEMU timed out after 30s\n        (the last lines:)\n        rtcheck: goroutines: start\n        rtcheck: goroutines: ok\n        rtcheck: timers: start\n        mkimage: QEMU timed out after 30s",
		},
		{ // a failure that was not stopped: the failing lines
			"a\nb\nfatal error: fault\ngoroutine 1 [running]:\n", false,
			"output: fatal error: fault",
		},
		{ // stopped by the test's timeout
			"a\nfatal error: fault\nb\n", true,
			"output: fatal error: fault\n        (the last lines:)\n        a\n        fatal error: fault\n        b",
		},
		{ // nothing says what went wrong: the last lines
			"a\nb\n", false,
			"output: a\n        b",
		},
	} {
		if got := excerpt(c.output, c.timedOut); got != c.want {
			t.Errorf("excerpt of\n%s\n= %q\nwant %q", strings.TrimSpace(c.output), got, c.want)
		}
	}
}

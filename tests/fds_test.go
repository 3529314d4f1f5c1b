package tests

import "testing"

// TestManyFDs: a program holds 4095 descriptors (1500 tmpfs files, 1500
// opens of /dev/null, 500 pipes and opens up to the limit), gets EMFILE
// at the limit, reuses a closed slot, and a lower soft limit set with
// setrlimit gives EMFILE there, as on Linux. The limit is Linux's for
// init (soft 1024, hard 4096), which the Go runtime raises to 4095
// (syscall/rlimit.go); the lines are the host's under ulimit -Sn 1024
// -Hn 4096, but for the descriptors the Go runtime holds at start.
func TestManyFDs(t *testing.T) {
	r := runMkimage(t, nil, "run", "-accel", "tcg", "-timeout", "120s", testProgram(t, "manyfds"))
	r.wantExit(t, 0)
	r.wantLines(t,
		"limit: 4095 4096",
		"files: 3000 open",
		"pipes: 500 open",
		"tmpfs: 1 <nil>",
		"at the limit: too many open files, highest 4094",
		"after close: got the freed slot true (<nil>)",
		"full again: too many open files",
		"soft limit 20: too many open files after fd 19",
		"dup2 past it: bad file descriptor",
		"raising the hard limit: operation not permitted",
	)
}

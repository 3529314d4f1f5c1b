package tests

import "testing"

// TestPipes runs tests/programs/pipes: pipes larger than their buffer,
// stdout captured through os.Pipe, dup, /dev/null, and a blocking read
// that signals interrupt and SA_RESTART restarts.
func TestPipes(t *testing.T) {
	r := runMkimage(t, nil, "run", "-accel", "tcg", "-timeout", "60s", testProgram(t, "pipes"))
	r.wantExit(t, 0)
	r.wantLines(t,
		"pipe: read 100000 bytes",
		`pipe: captured "captured line\n"`,
		"dup: written through a duplicate of stdout",
		"devnull: wrote 9 <nil>",
		"devnull: read 0 EOF",
		`restart: read "after 3 signals"`,
	)
}

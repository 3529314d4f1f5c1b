package main

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// The serial console sends each "\n" a program writes as "\r\n" (the
// kernel's console.PutByte) and every other byte as it is; crlfWriter must
// give back exactly what the program wrote, however QEMU splits the
// stream into writes.
var crlfCases = []struct {
	wire, want string // what the serial line carries, what go test must see
}{
	{"", ""},
	{"hello\r\n", "hello\n"},
	{"a\r\nb\r\n\r\n", "a\nb\n\n"},
	{"no newline", "no newline"},
	// The program's own "\r": a progress line redrawn, a "\r\n" (sent as
	// "\r\r\n"), a "\r" at the very end.
	{"10%\r20%\r\n", "10%\r20%\n"},
	{"dos\r\r\n", "dos\r\n"},
	{"\r\r\r\n", "\r\r\n"},
	{"end\r", "end\r"},
	{"\r", "\r"},
	{"x\ry", "x\ry"},
	// A bare "\n" (never sent by the kernel) passes through.
	{"bare\n", "bare\n"},
	{"\n\r", "\n\r"},
}

// writeChunks writes wire to a fresh crlfWriter in pieces cut at cuts
// (increasing offsets) and flushes it.
func writeChunks(t *testing.T, wire string, cuts []int) string {
	t.Helper()
	var out bytes.Buffer
	c := &crlfWriter{w: &out}
	prev := 0
	for _, at := range append(cuts, len(wire)) {
		n, err := c.Write([]byte(wire[prev:at]))
		if err != nil || n != at-prev {
			t.Fatalf("Write(%q) = %d, %v; want %d, nil", wire[prev:at], n, err, at-prev)
		}
		prev = at
	}
	c.Flush()
	return out.String()
}

func TestCRLFWriter(t *testing.T) {
	for _, tc := range crlfCases {
		if got := writeChunks(t, tc.wire, nil); got != tc.want {
			t.Errorf("one write of %q: got %q, want %q", tc.wire, got, tc.want)
		}
		// Every split into two writes, and one byte at a time.
		for i := 0; i <= len(tc.wire); i++ {
			if got := writeChunks(t, tc.wire, []int{i}); got != tc.want {
				t.Errorf("%q written as %q + %q: got %q, want %q", tc.wire, tc.wire[:i], tc.wire[i:], got, tc.want)
			}
		}
		var each []int
		for i := 1; i < len(tc.wire); i++ {
			each = append(each, i)
		}
		if got := writeChunks(t, tc.wire, each); got != tc.want {
			t.Errorf("%q written a byte at a time: got %q, want %q", tc.wire, got, tc.want)
		}
	}
}

// TestCRLFWriterHold checks that a "\r" ending one write is held back
// until the next write shows what follows it, and written by Flush.
func TestCRLFWriterHold(t *testing.T) {
	var out bytes.Buffer
	c := &crlfWriter{w: &out}
	c.Write([]byte("line\r"))
	if out.String() != "line" {
		t.Fatalf("after \"line\\r\": wrote %q, want \"line\" (the \\r held)", out.String())
	}
	c.Write([]byte("\nnext\r"))
	if out.String() != "line\nnext" {
		t.Fatalf("after \"\\nnext\\r\": wrote %q, want \"line\\nnext\"", out.String())
	}
	c.Flush()
	c.Flush() // a second Flush writes nothing more
	if out.String() != "line\nnext\r" {
		t.Fatalf("after Flush: wrote %q, want \"line\\nnext\\r\"", out.String())
	}
}

// TestCRLFWriterRoundTrip sends random program output through the
// console's translation ("\n" becomes "\r\n", nothing else changes) and
// random write boundaries, and wants the program's bytes back.
func TestCRLFWriterRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab\r\n")
	for range 2000 {
		prog := make([]byte, r.IntN(12))
		for i := range prog {
			prog[i] = alphabet[r.IntN(len(alphabet))]
		}
		wire := strings.ReplaceAll(string(prog), "\n", "\r\n")
		var cuts []int
		for i := 1; i < len(wire); i++ {
			if r.IntN(3) == 0 {
				cuts = append(cuts, i)
			}
		}
		if got := writeChunks(t, wire, cuts); got != string(prog) {
			t.Fatalf("program wrote %q, wire %q cut at %v: got %q", prog, wire, cuts, got)
		}
	}
}

type failWriter struct{}

func (failWriter) Write(p []byte) (int, error) { return 0, errors.New("broken pipe") }

// TestCRLFWriterError checks that a write error is returned.
func TestCRLFWriterError(t *testing.T) {
	c := &crlfWriter{w: failWriter{}}
	if n, err := c.Write([]byte("x\r\n")); err == nil || n != 0 {
		t.Errorf("Write to a failing writer = %d, %v; want 0 and the error", n, err)
	}
}

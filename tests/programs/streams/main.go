// Command streams exercises the standard streams for tests/streams_test.go:
//
//	streams bytes    every byte value 0-255, then lines, on standard output;
//	                 other bytes and lines on standard error (Expected)
//	streams cat      copies standard input to standard output until its end
//	streams count    reads standard input to its end and prints how many
//	                 bytes came (with sha256, their SHA-256 too, which
//	                 costs more time than the reading under TCG; with
//	                 late, after sleeping a second first)
//	streams emit N   writes N bytes of a fixed pattern to standard output
//	streams lines    reads standard input a line at a time and answers
//	                 each with "got LINE" (quoted), then "eof"
//
// cat, count and emit end by printing on standard error how long the
// bytes took, from the first byte read (or before the first write) to
// the end: "streams: N bytes in SECONDS s".
package main

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: streams bytes|cat|count|emit N")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "bytes":
		out, errOut := Expected()
		os.Stdout.Write(out[:256]) // one write with every byte value
		os.Stdout.Write(out[256:])
		os.Stderr.Write(errOut)
	case "cat":
		t := &timedReader{r: os.Stdin}
		n, err := io.CopyBuffer(os.Stdout, t, make([]byte, 256<<10))
		if err != nil {
			fmt.Fprintln(os.Stderr, "cat:", err)
			os.Exit(1)
		}
		t.report(n)
	case "count":
		h := sha256.New()
		var w io.Writer = h
		if !slices.Contains(os.Args[2:], "sha256") {
			w = io.Discard
		}
		if slices.Contains(os.Args[2:], "late") {
			time.Sleep(time.Second)
		}
		t := &timedReader{r: os.Stdin}
		n, err := io.CopyBuffer(w, t, make([]byte, 256<<10))
		if err != nil {
			fmt.Fprintln(os.Stderr, "count:", err)
			os.Exit(1)
		}
		defer t.report(n)
		if w == h {
			fmt.Printf("%d %x\n", n, h.Sum(nil))
		} else {
			fmt.Println(n)
		}
	case "emit":
		n, err := strconv.Atoi(os.Args[2])
		if err != nil {
			os.Exit(2)
		}
		buf := make([]byte, 256<<10)
		for i := range buf {
			buf[i] = byte(i * 7)
		}
		t := &timedReader{start: time.Now()}
		defer t.report(int64(n))
		for n > 0 {
			k := min(n, len(buf))
			if _, err := os.Stdout.Write(buf[:k]); err != nil {
				fmt.Fprintln(os.Stderr, "emit:", err)
				os.Exit(1)
			}
			n -= k
		}
	case "lines":
		in := bufio.NewReader(os.Stdin)
		for {
			line, err := in.ReadString('\n')
			if line != "" {
				fmt.Printf("got %q\n", line)
			}
			if err != nil {
				fmt.Println("eof")
				return
			}
		}
	default:
		os.Exit(2)
	}
}

// Expected is what "streams bytes" writes on standard output and standard
// error (tests/streams_test.go has its own copy, to compare).
func Expected() (stdout, stderr []byte) {
	for i := 0; i < 256; i++ {
		stdout = append(stdout, byte(i))
	}
	stdout = append(stdout, "\nline one\nline two\r\nno newline at the end\r"...)
	stderr = []byte("to stderr: \x00\x04\r\n\xff\nsecond line\n")
	return stdout, stderr
}

// timedReader notes when its first byte came.
type timedReader struct {
	r     io.Reader
	start time.Time
}

func (t *timedReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 && t.start.IsZero() {
		t.start = time.Now()
	}
	return n, err
}

// report prints how long n bytes took since the first one.
func (t *timedReader) report(n int64) {
	d := 0.0
	if !t.start.IsZero() {
		d = time.Since(t.start).Seconds()
	}
	fmt.Fprintf(os.Stderr, "streams: %d bytes in %.6f s\n", n, d)
}

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
		if _, err := io.CopyBuffer(os.Stdout, os.Stdin, make([]byte, 256<<10)); err != nil {
			fmt.Fprintln(os.Stderr, "cat:", err)
			os.Exit(1)
		}
	case "count":
		h := sha256.New()
		var w io.Writer = h
		if !slices.Contains(os.Args[2:], "sha256") {
			w = io.Discard
		}
		if slices.Contains(os.Args[2:], "late") {
			time.Sleep(time.Second)
		}
		n, err := io.CopyBuffer(w, os.Stdin, make([]byte, 256<<10))
		if err != nil {
			fmt.Fprintln(os.Stderr, "count:", err)
			os.Exit(1)
		}
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
		for n > 0 {
			k := min(n, len(buf))
			if _, err := os.Stdout.Write(buf[:k]); err != nil {
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

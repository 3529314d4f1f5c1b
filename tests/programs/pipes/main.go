// Command pipes exercises the kernel's pipes and /dev/null the way the Go
// standard library uses them: a goroutine writing more than a pipe holds
// while another reads to the end, stdout captured through os.Pipe as the
// testing package does for examples, a duplicated descriptor, and
// /dev/null.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
)

func main() {
	r, w, err := os.Pipe()
	check(err)
	go func() {
		w.Write([]byte(strings.Repeat("x", 100000)))
		w.Close()
	}()
	b, err := io.ReadAll(r)
	check(err)
	fmt.Println("pipe: read", len(b), "bytes")

	saved := os.Stdout
	r2, w2, err := os.Pipe()
	check(err)
	os.Stdout = w2
	done := make(chan string)
	go func() {
		var sb strings.Builder
		io.Copy(&sb, r2)
		done <- sb.String()
	}()
	fmt.Println("captured line")
	w2.Close()
	os.Stdout = saved
	fmt.Printf("pipe: captured %q\n", <-done)

	fd, err := syscall.Dup(1)
	check(err)
	syscall.Write(fd, []byte("dup: written through a duplicate of stdout\n"))
	syscall.Close(fd)

	null, err := os.OpenFile("/dev/null", os.O_RDWR, 0)
	check(err)
	n, err := null.Write([]byte("discarded"))
	fmt.Println("devnull: wrote", n, err)
	k, err := null.Read(make([]byte, 8))
	fmt.Println("devnull: read", k, err)
}

func check(err error) {
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

// Command manyfds holds thousands of descriptors at once (the Go runtime
// raised its soft limit to 4095 at start): 1500 tmpfs
// files, 1500 opens of /dev/null and 500 pipes, then opens /dev/null until
// the limit says EMFILE, checks that closing frees a slot and that a lower
// soft limit is honoured. It prints one line per step (TestManyFDs).
package main

import (
	"fmt"
	"os"
	"syscall"
)

func main() {
	var lim syscall.Rlimit
	check("getrlimit", syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	fmt.Printf("limit: %d %d\n", lim.Cur, lim.Max)

	var fds []int
	for i := 0; i < 1500; i++ {
		fd, err := syscall.Open(fmt.Sprintf("/tmp/f%d", i), syscall.O_CREAT|syscall.O_RDWR|syscall.O_CLOEXEC, 0o644)
		check("open tmpfs", err)
		if _, err := syscall.Write(fd, []byte{byte(i)}); err != nil {
			check("write tmpfs", err)
		}
		fds = append(fds, fd)
		fd, err = syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		check("open /dev/null", err)
		fds = append(fds, fd)
	}
	fmt.Printf("files: %d open\n", len(fds))
	var pipes [][2]int
	for i := 0; i < 500; i++ {
		var p [2]int
		check("pipe2", syscall.Pipe2(p[:], syscall.O_CLOEXEC))
		pipes = append(pipes, p)
	}
	fmt.Printf("pipes: %d open\n", len(pipes))

	// Every descriptor still works: the highest pipe carries a byte, the
	// first tmpfs file reads back what was written.
	last := pipes[len(pipes)-1]
	syscall.Write(last[1], []byte("x"))
	b := make([]byte, 1)
	n, err := syscall.Read(last[0], b)
	fmt.Printf("pipe %d->%d: %d %q %v\n", last[1], last[0], n, b[:n], err)
	n, err = syscall.Pread(fds[0], b, 0)
	fmt.Printf("tmpfs: %d %v\n", n, err)

	// Up to the limit.
	var extra []int
	for {
		fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			fmt.Printf("at the limit: %v, highest %d\n", err, extra[len(extra)-1])
			break
		}
		extra = append(extra, fd)
	}
	// Closing frees the slot: the next open gets it.
	free := pipes[10][0]
	check("close", syscall.Close(free))
	fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	fmt.Printf("after close: got the freed slot %v (%v)\n", fd == free, err)
	_, err = syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	fmt.Printf("full again: %v\n", err)

	// Close everything the test opened; the slots come back.
	for _, fd := range append(append(fds, extra...), fd) {
		check("close", syscall.Close(fd))
	}
	for i, p := range pipes {
		if i != 10 {
			check("close", syscall.Close(p[0]))
		}
		check("close", syscall.Close(p[1]))
	}
	fd, err = syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	fmt.Printf("after closing all: fd %d %v\n", fd, err)
	syscall.Close(fd)

	// A lower soft limit is honoured: EMFILE at it, dup2 past it EBADF.
	check("setrlimit", syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 20, Max: lim.Max}))
	check("getrlimit", syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	var low []int
	for {
		fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			fmt.Printf("soft limit %d: %v after fd %d\n", lim.Cur, err, low[len(low)-1])
			break
		}
		low = append(low, fd)
	}
	fmt.Printf("dup2 past it: %v\n", syscall.Dup2(0, 30))
	err = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: lim.Max + 1, Max: lim.Max + 1})
	fmt.Printf("raising the hard limit: %v\n", err)
	for _, fd := range low {
		syscall.Close(fd)
	}
}

// check stops the program when err is not nil.
func check(what string, err error) {
	if err != nil {
		fmt.Printf("%s: %v\n", what, err)
		os.Exit(1)
	}
}

// Command pipes exercises the kernel's pipes and /dev/null the way the Go
// standard library uses them: a goroutine writing more than a pipe holds
// while another reads to the end, stdout captured through os.Pipe as the
// testing package does for examples, a duplicated descriptor,
// /dev/null, and a blocking read that signals interrupt, which Linux
// restarts (the runtime installs its handlers with SA_RESTART).
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
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

	restartedRead()
}

// restartedRead: a thread blocked in read(2) on a blocking pipe gets
// three SIGUSR1s; each handler returns into the read, restarted, which
// then returns what is written after them. Never EINTR: Linux restarts a
// read that a handler installed with SA_RESTART interrupted.
func restartedRead() {
	fds := make([]int, 2)
	check(syscall.Pipe2(fds, syscall.O_CLOEXEC))
	got := make(chan os.Signal, 1)
	signal.Notify(got, syscall.SIGUSR1)
	tid := make(chan int)
	result := make(chan string)
	go func() {
		runtime.LockOSThread()
		tid <- syscall.Gettid()
		b := make([]byte, 64)
		n, err := syscall.Read(fds[0], b)
		if err != nil {
			result <- err.Error()
			return
		}
		result <- fmt.Sprintf("%q", b[:n])
	}()
	reader := <-tid
	for i := 0; i < 3; i++ {
		time.Sleep(20 * time.Millisecond) // the reader is blocked by now
		check(syscall.Tgkill(syscall.Getpid(), reader, syscall.SIGUSR1))
		<-got
	}
	syscall.Write(fds[1], []byte("after 3 signals"))
	fmt.Println("restart: read", <-result)
}

func check(err error) {
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

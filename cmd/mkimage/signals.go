package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// Whatever stops mkimage, it cleans up: Ctrl-C (SIGINT), SIGTERM, SIGHUP
// and SIGQUIT (what go test sends a test binary run through mkimage exec
// when its -timeout passes; the guest's goroutines cannot be dumped from
// here) are caught, so the temporary directories (the image of run and
// exec, the build's files) are removed by the code that made them and a
// running QEMU is stopped (qemu.Run ends it when its context ends), and
// mkimage then exits as a shell reports a death by that signal: 128+N.
// A closed standard output is not a signal to mkimage (SIGPIPE is
// ignored during run): the program's next write fails with EPIPE, and
// its SIGPIPE ends it as on Linux.

// stopSignals are the signals mkimage cleans up after.
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

var (
	// interrupted ends when one of stopSignals arrives; QEMU runs under it.
	interrupted context.Context = context.Background()
	// caught is the number of the signal that arrived, 0 while none has.
	caught atomic.Int32
)

// catchSignals installs the handler; main calls it first.
func catchSignals() {
	ctx, cancel := context.WithCancel(context.Background())
	interrupted = ctx
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, stopSignals...)
	go func() {
		s := <-ch
		if n, ok := s.(syscall.Signal); ok {
			caught.Store(int32(n))
		}
		cancel()
	}()
}

// signalStatus returns, when a signal stopped mkimage, the status to exit
// with (128+N) after saying so in one line, and otherwise status itself.
func signalStatus(status int) int {
	n := caught.Load()
	if n == 0 {
		return status
	}
	fmt.Fprintf(os.Stderr, "mkimage: stopped by %s; its temporary files are removed (and QEMU stopped)\n", unix.SignalName(syscall.Signal(n)))
	return 128 + int(n)
}

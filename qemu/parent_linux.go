package qemu

import (
	"os/exec"
	"runtime"
	"syscall"
)

// dieWithParent has the host kernel kill QEMU when the process that
// started it dies, however it dies: a SIGKILL, or go test's SIGQUIT after
// its timeout, leaves no QEMU behind running the guest at full speed.
// PR_SET_PDEATHSIG (prctl(2)), set in the child between fork and exec,
// fires when the *thread* that forked exits, so the caller's goroutine is
// locked to its thread until release is called, after QEMU has been
// waited for: Go ends a thread only when a goroutine locked to it exits.
func dieWithParent(cmd *exec.Cmd) (release func()) {
	runtime.LockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return runtime.UnlockOSThread
}

//go:build !linux

package qemu

import "os/exec"

// dieWithParent does nothing where the host kernel cannot tie a child's
// life to its parent's (prctl's PR_SET_PDEATHSIG is Linux's): there a
// QEMU outlives an mkimage killed by SIGKILL; every other stop signal
// ends QEMU through Run's context.
func dieWithParent(*exec.Cmd) (release func()) { return func() {} }

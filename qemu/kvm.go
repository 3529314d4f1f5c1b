package qemu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// pvmModule exists when /dev/kvm is provided by PVM.
var pvmModule = "/sys/module/kvm_pvm"

// kvmProbeTimeout bounds the KVM probe. A working probe takes about 0.2 s.
const kvmProbeTimeout = 10 * time.Second

// KVMWorks reports whether QEMU can run a guest with KVM on this host. The
// answer is computed once per process and cached.
//
// Having /dev/kvm is not enough (it may not be writable, or nested
// virtualisation may be broken), so KVMWorks really starts QEMU: the same
// machine Run uses, KVM on, the CPU held before its first instruction (-S),
// and the monitor on stdin, which is sent "quit". QEMU creates the VM and its
// vCPU before it reads the monitor, so a clean exit means KVM works.
func KVMWorks() bool {
	return kvmProbe() == nil
}

// kvmProbe is KVMWorks with the reason it failed, which Run reports when
// Config.Accel is "kvm".
var kvmProbe = sync.OnceValue(func() error {
	// QEMU needs read-write access to /dev/kvm.
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return err
	}
	f.Close()

	// PVM ("pagetable-based virtual machine", the kvm_pvm module) offers
	// /dev/kvm without hardware virtualisation: it runs PVM-aware Linux
	// guests, and anything else through KVM's instruction emulator, which
	// cannot execute SSE instructions, so a Go kernel stops at its first
	// XORPS with "KVM internal error. Suberror: 1".
	if _, err := os.Stat(pvmModule); err == nil {
		return errors.New("KVM here is PVM (kvm_pvm), which runs only PVM-aware guest kernels; gobare needs hardware virtualisation (VT-x or AMD-V)")
	}

	path, err := lookProgram()
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), kvmProbeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path,
		"-M", "pc", // the machine Run uses, so the vCPU is the one Run gets
		"-accel", "kvm", // no silent fallback: without KVM, QEMU fails
		"-nodefaults",
		"-display", "none",
		"-S",                // create the vCPU but never run it
		"-monitor", "stdio", // read "quit" from stdin
	)
	cmd.Stdin = strings.NewReader("quit\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		return fmt.Errorf("QEMU with -accel kvm did not start within %v", kvmProbeTimeout)
	}
	if err != nil {
		return fmt.Errorf("QEMU with -accel kvm failed: %v%s", err, stderrSuffix(stderr.String()))
	}
	return nil
})

// lookProgram finds the QEMU binary in $PATH, or says how to install it.
func lookProgram() (string, error) {
	path, err := exec.LookPath(program)
	if errors.Is(err, exec.ErrNotFound) {
		return "", fmt.Errorf("%s not found in $PATH: install QEMU (`make deps` does it)", program)
	}
	return path, err
}

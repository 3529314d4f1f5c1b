// Package qemu starts gobare images under QEMU and reports how they ended.
//
// It owns everything between "here is a kernel (or an ISO)" and "the guest
// exited with status N":
//
//   - the QEMU command line (Args), with a comment on every flag;
//   - choosing the accelerator: KVM when it really works here (KVMWorks),
//     TCG otherwise;
//   - the guest's console: COM1 wired to the caller's Stdin and Stdout,
//     or, with Config.Streams, the program's standard streams on a
//     virtio-serial device, apart and byte for byte, and the kernel's
//     messages on COM1 (streams.go); COM2 is a private control channel
//     written to a temporary file;
//   - the exit protocol that turns the guest's exit status into Result.ExitCode
//     (see exit.go);
//   - timeouts, cancellation and the GDB stub.
//
// The exit protocol, which the kernel implements, is two steps:
//
//  1. write the line "gobare: exit N\n" (N decimal, 0..255) to COM2 (I/O port
//     0x2f8);
//  2. write the byte N to I/O port 0xf4, where QEMU's isa-debug-exit device
//     makes QEMU exit with status (N<<1)|1, truncated to 8 bits.
//
// Step 2 alone cannot carry a full byte (statuses for N and N+128 collide, and
// status 1 also means "QEMU failed"), and step 1 alone cannot stop QEMU, so the
// launcher requires both and checks that they agree.
package qemu

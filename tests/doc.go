// Package tests holds gobare's integration tests: they build the kernel,
// make images with internal/image, boot them in QEMU (TCG unless a test
// says otherwise) and check the console output and the exit status.
//
// The package's only non-test code is rdtsc, which the TSC test uses to
// measure the host's time-stamp counter.
package tests

package qemu

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// KVMWorks answers within its probe timeout whatever the host, and the second
// call is served from the cache.
func TestKVMWorks(t *testing.T) {
	result := make(chan bool, 1)
	start := time.Now()
	go func() { result <- KVMWorks() }()
	var works bool
	select {
	case works = <-result:
	case <-time.After(kvmProbeTimeout + 5*time.Second):
		t.Fatal("KVMWorks hung")
	}
	t.Logf("KVMWorks() = %v in %v (%v)", works, time.Since(start).Round(time.Millisecond), kvmProbe())

	start = time.Now()
	if again := KVMWorks(); again != works {
		t.Errorf("second KVMWorks() = %v, first %v", again, works)
	}
	if d := time.Since(start); d > 10*time.Millisecond {
		t.Errorf("cached KVMWorks took %v", d)
	}
}

// Without KVM, "auto" falls back to TCG and "kvm" is an error saying why.
// (Not parallel: it swaps the cached probe.)
func TestChooseAccelWithoutKVM(t *testing.T) {
	defer func(p func() error) { kvmProbe = p }(kvmProbe)
	kvmProbe = func() error { return errors.New("open /dev/kvm: permission denied") }
	if got, err := chooseAccel(""); got != "tcg" || err != nil {
		t.Errorf("auto without KVM: %q, %v; want tcg", got, err)
	}
	if got, err := chooseAccel("tcg"); got != "tcg" || err != nil {
		t.Errorf("tcg: %q, %v", got, err)
	}
	_, err := chooseAccel("kvm")
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("kvm without KVM: %v; want an error with the reason", err)
	}
}

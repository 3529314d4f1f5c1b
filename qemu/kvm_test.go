package qemu

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The KVM probe runs once per process (KVMWorks caches it), so
// TestKVMWorks runs it in a fresh copy of the test binary for each case:
// TestKVMProbeHelper, with $PATH holding only a fake qemu-system-x86_64
// whose behaviour the case fixes, and the helper reports what KVMWorks,
// the probe and chooseAccel said.

const kvmHelperEnv = "GOBARE_QEMU_KVM_HELPER"

// TestKVMProbeHelper is not a test of its own: it does its work only in
// the processes TestKVMWorks starts.
func TestKVMProbeHelper(t *testing.T) {
	if os.Getenv(kvmHelperEnv) != "1" {
		return
	}
	pvmModule = os.Getenv(kvmHelperEnv + "_PVM")
	start := time.Now()
	works := KVMWorks()
	took := time.Since(start)
	start = time.Now()
	again := KVMWorks()
	againTook := time.Since(start)
	auto, autoErr := chooseAccel("auto")
	_, kvmErr := chooseAccel("kvm")
	fmt.Printf("works=%v\ntook=%v\nagain=%v\nagainTook=%v\nreason=%v\nauto=%s %v\nkvmErr=%v\n",
		works, took, again, againTook, kvmProbe(), auto, autoErr, kvmErr)
}

// kvmHelperRun is what one TestKVMProbeHelper process reported.
type kvmHelperRun struct {
	fields          map[string]string
	took, againTook time.Duration
	ran             []string // the fake QEMU's command lines, one per run
	stdin           string   // what the fake QEMU read
}

// runKVMHelper writes a fake QEMU that logs its command line, reads its
// standard input to the end and then runs script (no fake QEMU at all when
// script is empty), and runs the helper with pvm as the PVM module's path.
func runKVMHelper(t *testing.T, script, pvm string) kvmHelperRun {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	log, stdin := filepath.Join(dir, "ran"), filepath.Join(dir, "stdin")
	if script != "" {
		fake := fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %s\n/bin/cat > %s\n%s\n", log, stdin, script)
		if err := os.WriteFile(filepath.Join(bin, program), []byte(fake), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKVMProbeHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), kvmHelperEnv+"=1", kvmHelperEnv+"_PVM="+pvm, "PATH="+bin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	r := kvmHelperRun{fields: map[string]string{}}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			r.fields[k] = v
		}
	}
	if r.took, err = time.ParseDuration(r.fields["took"]); err != nil {
		t.Fatalf("helper output without took=:\n%s", out)
	}
	if r.againTook, err = time.ParseDuration(r.fields["againTook"]); err != nil {
		t.Fatalf("helper output without againTook=:\n%s", out)
	}
	if b, err := os.ReadFile(log); err == nil {
		r.ran = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	if b, err := os.ReadFile(stdin); err == nil {
		r.stdin = string(b)
	}
	return r
}

// TestKVMWorks runs the probe against fake QEMUs: one that starts and
// quits when told, one that fails with QEMU's message, one that hangs, and
// none at all; and on a PVM host, where QEMU must not even be tried. The
// probe first opens /dev/kvm, which this host decides: where the test
// cannot open it, every case must say no, for that reason.
func TestKVMWorks(t *testing.T) {
	devKVM := ""
	if f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0); err != nil {
		devKVM = err.Error()
		t.Logf("this host's /dev/kvm cannot be opened (%v): every case must report that", err)
	} else {
		f.Close()
	}
	noPVM := filepath.Join(t.TempDir(), "no-kvm_pvm")
	pvm := t.TempDir() // exists, as /sys/module/kvm_pvm does under PVM

	for _, tc := range []struct {
		name, script, pvm string
		works             bool
		reason            string // in the probe's error, and chooseAccel("kvm")'s
		runs              int    // how many times the fake QEMU ran
		minTook           time.Duration
	}{
		{name: "QEMU quits", script: "exit 0", pvm: noPVM, works: true, runs: 1},
		{name: "QEMU fails", script: "echo 'Could not access KVM kernel module: No such file or directory' >&2\nexit 1", pvm: noPVM,
			reason: "Could not access KVM kernel module", runs: 1},
		{name: "QEMU hangs", script: "exec /bin/sleep 60", pvm: noPVM,
			reason: fmt.Sprintf("did not start within %v", kvmProbeTimeout), runs: 1, minTook: kvmProbeTimeout},
		{name: "no QEMU", script: "", pvm: noPVM, reason: "make deps"},
		{name: "PVM", script: "exit 0", pvm: pvm, reason: "PVM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runKVMHelper(t, tc.script, tc.pvm)
			works, reason, runs := tc.works, tc.reason, tc.runs
			if devKVM != "" {
				works, reason, runs = false, devKVM, 0
			}
			if got := r.fields["works"]; got != fmt.Sprint(works) {
				t.Errorf("KVMWorks() = %s, want %v (probe: %s)", got, works, r.fields["reason"])
			}
			if r.fields["again"] != r.fields["works"] || r.againTook > 10*time.Millisecond {
				t.Errorf("second KVMWorks() = %s in %v; want %s at once, from the cache", r.fields["again"], r.againTook, r.fields["works"])
			}
			if len(r.ran) != runs {
				t.Errorf("the fake QEMU ran %d times (%q), want %d", len(r.ran), r.ran, runs)
			}
			wantAuto := map[bool]string{true: "kvm <nil>", false: "tcg <nil>"}[works]
			if got := r.fields["auto"]; got != wantAuto {
				t.Errorf("chooseAccel(auto) = %s, want %s", got, wantAuto)
			}
			if works {
				if r.fields["reason"] != "<nil>" || r.fields["kvmErr"] != "<nil>" {
					t.Errorf("probe error %s, chooseAccel(kvm) error %s; want none", r.fields["reason"], r.fields["kvmErr"])
				}
			} else if !strings.Contains(r.fields["reason"], reason) || !strings.Contains(r.fields["kvmErr"], reason) {
				t.Errorf("probe error %q, chooseAccel(kvm) error %q; want both to contain %q", r.fields["reason"], r.fields["kvmErr"], reason)
			}
			if r.took < tc.minTook || r.took > kvmProbeTimeout+5*time.Second {
				t.Errorf("the probe took %v, want %v to %v", r.took, tc.minTook, kvmProbeTimeout+5*time.Second)
			}
			if runs == 1 {
				// The probe's machine: Run's, KVM forced, the vCPU
				// held, the monitor told to quit.
				for _, want := range []string{"-M pc", "-accel kvm", "-nodefaults", "-S", "-monitor stdio"} {
					if !strings.Contains(" "+r.ran[0]+" ", " "+want+" ") {
						t.Errorf("the probe ran QEMU with %q, which lacks %q", r.ran[0], want)
					}
				}
				if tc.name == "QEMU quits" && r.stdin != "quit\n" {
					t.Errorf("the probe sent QEMU %q, want \"quit\\n\"", r.stdin)
				}
			}
		})
	}
}

// Without KVM, "auto" falls back to TCG and "kvm" is an error saying why;
// with it, both choose KVM. (Not parallel: it swaps the cached probe.)
func TestChooseAccel(t *testing.T) {
	defer func(p func() error) { kvmProbe = p }(kvmProbe)
	kvmProbe = func() error { return errors.New("open /dev/kvm: permission denied") }
	if got, err := chooseAccel(""); got != "tcg" || err != nil {
		t.Errorf("auto without KVM: %q, %v; want tcg", got, err)
	}
	if got, err := chooseAccel("auto"); got != "tcg" || err != nil {
		t.Errorf("auto without KVM: %q, %v; want tcg", got, err)
	}
	if got, err := chooseAccel("tcg"); got != "tcg" || err != nil {
		t.Errorf("tcg: %q, %v", got, err)
	}
	_, err := chooseAccel("kvm")
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("kvm without KVM: %v; want an error with the reason", err)
	}

	kvmProbe = func() error { return nil }
	for _, accel := range []string{"", "auto", "kvm"} {
		if got, err := chooseAccel(accel); got != "kvm" || err != nil {
			t.Errorf("%q with KVM: %q, %v; want kvm", accel, got, err)
		}
	}
	if got, err := chooseAccel("tcg"); got != "tcg" || err != nil {
		t.Errorf("tcg with KVM: %q, %v", got, err)
	}
	if _, err := chooseAccel("hvf"); err == nil {
		t.Error("accelerator hvf accepted")
	}
}

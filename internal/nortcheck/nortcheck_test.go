package nortcheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// synthBinary builds testdata/synth, once per test process, in a temporary
// module of its own; package good is compiled with -B, like the kernel.
var synth struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if synth.dir != "" {
		os.RemoveAll(synth.dir)
	}
	os.Exit(code)
}

func synthBinary(t *testing.T) string {
	t.Helper()
	synth.once.Do(func() {
		synth.dir, synth.err = os.MkdirTemp("", "nortcheck-test")
		if synth.err != nil {
			return
		}
		synth.path, synth.err = buildSynth(synth.dir)
	})
	if synth.err != nil {
		t.Fatal(synth.err)
	}
	return synth.path
}

func buildSynth(dir string) (string, error) {
	src := filepath.Join("testdata", "synth")
	for _, f := range []string{"main.go", "good/good.go", "bad/bad.go"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return "", err
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module synth\n\ngo 1.21\n"), 0o644); err != nil {
		return "", err
	}
	// The go command on $PATH, as everywhere else in the tests, held to
	// its own toolchain (GOTOOLCHAIN=local).
	cmd := exec.Command("go", "build", "-o", "synth", "-gcflags=synth/good=-B", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=", "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return filepath.Join(dir, "synth"), nil
}

func TestGood(t *testing.T) {
	vs, err := Check(synthBinary(t), []string{"synth/good"}, DefaultAllow)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Errorf("unexpected violation: %v", v)
	}
}

// TestGoodNeedsAllow shows that package good does call the runtime, and
// which allowed helpers it relies on.
func TestGoodNeedsAllow(t *testing.T) {
	vs, err := Check(synthBinary(t), []string{"synth/good"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, v := range vs {
		got[v.Callee] = true
	}
	for _, want := range []string{"runtime.morestack_noctxt", "runtime.memmove", "runtime.decoderune", "runtime.cmpstring"} {
		if !got[want] {
			t.Errorf("no call to %s found; got %v", want, vs)
		}
	}
}

func TestBad(t *testing.T) {
	vs, err := Check(synthBinary(t), []string{"synth/bad"}, DefaultAllow)
	if err != nil {
		t.Fatal(err)
	}
	// Callers and callees expected, by prefix of the callee name (their
	// exact names vary between Go versions).
	want := []struct{ caller, callee string }{
		{"synth/bad.Alloc", "runtime.makeslice"},
		{"synth/bad.Concat", "runtime.concatstring"},
		{"synth/bad.Map", "runtime.mapassign"},
		{"synth/bad.Div", "runtime.panicdivide"},
		{"synth/bad.Iface", "runtime.convT"},
		{"synth/bad.New", "runtime.newobject"},
	}
	for _, w := range want {
		found := false
		for _, v := range vs {
			if v.Caller == w.caller && strings.HasPrefix(v.Callee, w.callee) && len(v.Via) == 0 {
				found = true
			}
		}
		if !found {
			t.Errorf("no violation %s → %s*", w.caller, w.callee)
		}
	}
	// strconv.Itoa allocates inside strconv: the violation is found by
	// following the call, and its chain starts at bad.Itoa.
	viaItoa := false
	for _, v := range vs {
		if len(v.Via) > 0 && v.Via[0] == "synth/bad.Itoa" && isRuntime(v.Callee) {
			viaItoa = true
		}
		if v.Caller == "synth/bad.Itoa" && isRuntime(v.Callee) && v.Callee != "runtime.morestack_noctxt" {
			t.Errorf("bad.Itoa itself calls %s; expected the runtime only through strconv", v.Callee)
		}
	}
	if !viaItoa {
		t.Errorf("no violation reached through strconv from bad.Itoa: %v", vs)
	}
	if t.Failed() {
		for _, v := range vs {
			t.Log(v)
		}
	}
}

// TestAllowTrustsCallers: an allowed kernel function is not scanned.
func TestAllowTrustsCallers(t *testing.T) {
	allow := append([]string{"synth/bad.Alloc"}, DefaultAllow...)
	vs, err := Check(synthBinary(t), []string{"synth/bad"}, allow)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Caller == "synth/bad.Alloc" {
			t.Errorf("allowed function scanned: %v", v)
		}
	}
}

func TestNoMatch(t *testing.T) {
	if _, err := Check(synthBinary(t), []string{"synth/nosuch"}, DefaultAllow); err == nil {
		t.Error("Check with no matching function succeeded")
	}
	if _, err := Check("testdata/synth/main.go", []string{"synth"}, nil); err == nil {
		t.Error("Check of a non-ELF file succeeded")
	}
}

func TestInPackage(t *testing.T) {
	for _, c := range []struct {
		name, pkg string
		want      bool
	}{
		{"github.com/gobare/gobare/kernel.Main", "github.com/gobare/gobare/kernel", true},
		{"github.com/gobare/gobare/kernel/symtab.(*Table).Lookup", "github.com/gobare/gobare/kernel", true},
		{"github.com/gobare/gobare/kernel/trap.handle.func1", "github.com/gobare/gobare/kernel/trap", true},
		{"github.com/gobare/gobare/kernel/x.F[go.shape.int]", "github.com/gobare/gobare/kernel/x", true},
		{"github.com/gobare/gobare/kernelx.F", "github.com/gobare/gobare/kernel", false},
		{"type:.eq.github.com/gobare/gobare/kernel.T", "github.com/gobare/gobare/kernel", false},
		{"runtime.memmove", "runtime.", true},
		{"runtime/debug.Stack", "runtime.", false},
	} {
		if got := inPackage(c.name, c.pkg); got != c.want {
			t.Errorf("inPackage(%q, %q) = %v", c.name, c.pkg, got)
		}
	}
}

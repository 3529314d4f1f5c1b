package symtab_test

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gobare/gobare/internal/nortcheck"
)

// TestNoRuntime builds testdata/nort with symtab compiled as the kernel is
// (-gcflags=-B) and checks that symtab's machine code never calls into the
// Go runtime beyond nortcheck.DefaultAllow.
func TestNoRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	const pkg = "github.com/gobare/gobare/kernel/symtab"
	exe := filepath.Join(t.TempDir(), "nort")
	cmd := exec.Command("go", "build", "-o", exe, "-gcflags="+pkg+"=-B", "./testdata/nort")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	vs, err := nortcheck.Check(exe, []string{pkg}, nortcheck.DefaultAllow)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Errorf("symtab calls the runtime: %v", v)
	}
}

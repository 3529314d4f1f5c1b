package symtab_test

import (
	"debug/elf"
	"os"
	"testing"
)

// selfBytes returns a copy of the running test binary's .gopclntab, the
// bytes symtab.Self reads in place.
func selfBytes(t testing.TB) []byte {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sec := f.Section(".gopclntab")
	if sec == nil {
		t.Fatal("test binary has no .gopclntab")
	}
	b, err := sec.Data()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		unit string
		want string
	}{
		{17.7e3, "ns", "17.7 µs"},
		{134, "ns", "134 ns"},
		{1.98e3, "us", "1.98 ms"},
		{4600, "ms", "4.60 s"},
		{92, "", "92.0"},
	} {
		if got := format(tc.v, tc.unit); got != tc.want {
			t.Errorf("format(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
}

// TestAddToDoc: sections go after the marker, newest first, and the rest
// of the document is kept.
func TestAddToDoc(t *testing.T) {
	path := filepath.Join(t.TempDir(), "perf.md")
	head := "# Performance\n\nprose\n\n" + marker + "\n"
	if err := os.WriteFile(path, []byte(head), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"## first\n\n", "## second\n\n"} {
		if err := addToDoc(path, s); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := head + "\n## second\n\n## first\n"
	if got := string(b); got != want {
		t.Errorf("document:\n%q\nwant\n%q", got, want)
	}
	if !strings.HasPrefix(string(b), "# Performance\n\nprose") {
		t.Error("the document's head was not kept")
	}
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestLinksNet builds two stripped programs, as go test hands them to
// -exec: one that links package net gets the network, one that does not
// goes without.
func TestLinksNet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs")
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name, src string
		want      bool
	}{
		{"net", "package main\nimport \"net\"\nfunc main() { net.Dial(\"tcp\", \"127.0.0.1:1\") }\n", true},
		{"url", "package main\nimport \"net/url\"\nfunc main() { url.Parse(\"http://x/\") }\n", false},
	} {
		src := filepath.Join(dir, c.name+".go")
		if err := os.WriteFile(src, []byte(c.src), 0o644); err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(dir, c.name)
		cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", bin, src)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", c.name, err, out)
		}
		elfFile, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if got := linksNet(elfFile); got != c.want {
			t.Errorf("linksNet(stripped %s program) = %v, want %v", c.name, got, c.want)
		}
	}
}

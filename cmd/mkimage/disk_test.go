package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"256M": 256 << 20, "4M": 4 << 20, "1G": 1 << 30, "2T": 2 << 40, "8388608": 8 << 20, "4096K": 4 << 20} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-5M", "1K", "3M", "3T", "12x", "M", "4000001"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		}
	}
}

func TestDiskOption(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "a,b.img")
	if err := os.WriteFile(img, make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	args, word, err := diskOption(img)
	if err != nil || word != "disk=/disk" || len(args) != 4 || !strings.Contains(args[1], "a,,b.img,if=none") {
		t.Errorf("diskOption(%q) = %q, %q, %v", img, args, word, err)
	}
	if _, word, err := diskOption(img + ":/var/db"); err != nil || word != "disk=/var/db" {
		t.Errorf("with a mount point: %q, %v", word, err)
	}
	if _, _, err := diskOption(filepath.Join(dir, "missing.img")); err == nil || !strings.Contains(err.Error(), "mkimage disk create") {
		t.Errorf("a missing image: %v", err)
	}
	if _, _, err := diskOption(dir); err == nil {
		t.Errorf("a directory as the image: no error")
	}
	if args, word, err := diskOption(""); args != nil || word != "" || err != nil {
		t.Errorf("no -disk: %q, %q, %v", args, word, err)
	}
}

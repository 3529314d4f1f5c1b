package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gobare/gobare/internal/cpioarchive"
	"github.com/gobare/gobare/kernel/fs/cpiofs"
)

func TestFindZone(t *testing.T) {
	zones := map[string][]byte{"Europe/Berlin": []byte("TZif berlin"), "Asia/Tokyo": []byte("TZif tokyo"), "Etc/UTC": []byte("TZif utc")}
	dir := t.TempDir()
	link := filepath.Join(dir, "localtime-link")
	os.Symlink("/usr/share/zoneinfo/Asia/Tokyo", link)
	copied := filepath.Join(dir, "localtime-copy")
	os.WriteFile(copied, []byte("TZif berlin"), 0o644)
	timezone := filepath.Join(dir, "timezone")
	os.WriteFile(timezone, []byte("Etc/UTC\n"), 0o644)
	none := filepath.Join(dir, "none")
	for _, c := range []struct {
		tz, localtime, timezone, want string
	}{
		{"Europe/Berlin", link, timezone, "Europe/Berlin"},
		{":Europe/Berlin", none, none, "Europe/Berlin"},
		{"Mars/Olympus", link, timezone, "Asia/Tokyo"},
		{"", link, none, "Asia/Tokyo"},
		{"", copied, timezone, "Etc/UTC"},
		{"", copied, none, "Europe/Berlin"},
		{"", none, none, ""},
	} {
		if got := findZone(zones, c.tz, c.localtime, c.timezone); got != c.want {
			t.Errorf("findZone(TZ=%q, %s, %s) = %q, want %q", c.tz, filepath.Base(c.localtime), filepath.Base(c.timezone), got, c.want)
		}
	}
}

// TestEtcArchive packs the toolchain's database and checks the archive
// the kernel will read: valid, localtime a link into zoneinfo/, every
// zone there with its bytes.
func TestEtcArchive(t *testing.T) {
	zones, err := readZones(filepath.Join(execGOROOT(), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := packEtc(zones, "Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	if e := cpiofs.Check(a); e != cpiofs.ErrNone {
		t.Fatalf("cpiofs.Check: %v", e)
	}
	entries, err := cpioarchive.List(a)
	if err != nil {
		t.Fatal(err)
	}
	if entries[0].Name != "." {
		t.Errorf("first record %q, want the root", entries[0].Name)
	}
	e, ok := cpiofs.Lookup(a, []byte("localtime"))
	if !ok || e.Mode&cpiofs.ModeType != cpiofs.ModeSymlink || string(e.Data) != "zoneinfo/Europe/Berlin" {
		t.Errorf("localtime: %+v", e)
	}
	for name, data := range zones {
		e, ok := cpiofs.Lookup(a, []byte("zoneinfo/"+name))
		if !ok || string(e.Data) != string(data) {
			t.Fatalf("zoneinfo/%s missing or different", name)
		}
	}
	t.Logf("%d zones: %d bytes of archive", len(zones), len(a))
	if _, err := packEtc(zones, "Mars/Olympus"); err == nil {
		t.Error("packEtc with an unknown zone succeeded")
	}
	a, _ = packEtc(zones, "")
	if _, ok := cpiofs.Lookup(a, []byte("localtime")); ok {
		t.Error("UTC: the archive has a localtime")
	}
}

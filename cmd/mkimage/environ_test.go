package main

import (
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/gobare/gobare/internal/cpioarchive"
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
		{":/usr/share/zoneinfo/Asia/Tokyo", none, none, "Asia/Tokyo"},
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

// TestEtcArchive packs the toolchain's database and reads the archive
// back: the root first, every directory before what it holds, localtime
// a link into zoneinfo/, every zone there with its bytes. (The kernel's
// side is kernel/fs/etcfs's tests and tests/env_test.go: mkimage's tests
// import no kernel package.)
func TestEtcArchive(t *testing.T) {
	zones, err := readZones(filepath.Join(execGOROOT(), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := packEtc(zones, "Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := cpioarchive.List(a)
	if err != nil {
		t.Fatal(err)
	}
	if entries[0].Name != "." {
		t.Errorf("first record %q, want the root", entries[0].Name)
	}
	seen := map[string]cpioarchive.Entry{".": entries[0]}
	for _, e := range entries[1:] {
		if _, ok := seen[path.Dir(e.Name)]; !ok {
			t.Errorf("%s comes before its directory", e.Name)
		}
		seen[e.Name] = e
	}
	if e := seen["localtime"]; e.Mode&0o170000 != 0o120000 || string(e.Data) != "zoneinfo/Europe/Berlin" {
		t.Errorf("localtime: mode %o, data %q", e.Mode, e.Data)
	}
	for name, data := range zones {
		if e, ok := seen["zoneinfo/"+name]; !ok || string(e.Data) != string(data) || e.Mode&0o170000 != 0o100000 {
			t.Fatalf("zoneinfo/%s missing or different", name)
		}
	}
	t.Logf("%d zones: %d bytes of archive", len(zones), len(a))
	if _, err := packEtc(zones, "Mars/Olympus"); err == nil {
		t.Error("packEtc with an unknown zone succeeded")
	}
	a, _ = packEtc(zones, "")
	entries, _ = cpioarchive.List(a)
	for _, e := range entries {
		if e.Name == "localtime" {
			t.Error("UTC: the archive has a localtime")
		}
	}
}

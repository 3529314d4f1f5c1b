package main

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gobare/gobare/internal/image"
	"github.com/u-root/u-root/pkg/cpio"
)

// The files mkimage adds under /etc (image.Program.Etc), beside the ones
// the kernel makes itself (kernel/fs/etcfs): the time-zone database, so
// that time.LoadLocation works, and the host's zone as /etc/localtime, so
// that time.Local is the host's.
//
// The database is the Go toolchain's own $GOROOT/lib/time/zoneinfo.zip,
// unpacked to zoneinfo/NAME records: the kernel shows them at
// /etc/zoneinfo, one of the directories Go's time package searches (and
// the only place TZ=Europe/Berlin looks besides /usr/share/zoneinfo; a
// program that embeds time/tzdata still finds the files first). About
// 450 KB of the image.

// etcArchive returns the cpio archive of the files under /etc: zoneinfo/
// from goroot's zoneinfo.zip, and localtime for the host's zone.
func etcArchive(goroot string) ([]byte, error) {
	zones, err := readZones(filepath.Join(goroot, "lib", "time", "zoneinfo.zip"))
	if err != nil {
		return nil, err
	}
	return packEtc(zones, hostZone(zones))
}

// readZones returns the zone files of a zoneinfo.zip by name
// ("Europe/Berlin").
func readZones(zipPath string) (map[string][]byte, error) {
	r, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, fmt.Errorf("time-zone database: %v", err)
	}
	defer r.Close()
	zones := map[string][]byte{}
	for _, f := range r.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("time-zone database: %s: %v", f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("time-zone database: %s: %v", f.Name, err)
		}
		zones[path.Clean(f.Name)] = b
	}
	if len(zones) == 0 {
		return nil, fmt.Errorf("time-zone database %s is empty", zipPath)
	}
	return zones, nil
}

// hostZone is the host's time zone as a name in zones, or "" for UTC: $TZ
// when it names a zone ("Europe/Berlin", ":Europe/Berlin" or a path
// ending in zoneinfo/Europe/Berlin), else where
// /etc/localtime links to (.../zoneinfo/NAME), else /etc/timezone
// (Debian), else the zone whose data equals /etc/localtime's.
func hostZone(zones map[string][]byte) string {
	return findZone(zones, os.Getenv("TZ"), "/etc/localtime", "/etc/timezone")
}

// findZone is hostZone with the places to look given.
func findZone(zones map[string][]byte, tz, localtime, timezone string) string {
	name := strings.TrimPrefix(tz, ":")
	if i := strings.LastIndex(name, "zoneinfo/"); i >= 0 {
		name = name[i+len("zoneinfo/"):] // TZ=/usr/share/zoneinfo/Asia/Tokyo
	}
	if zones[name] != nil {
		return name
	}
	if target, err := os.Readlink(localtime); err == nil {
		if i := strings.LastIndex(target, "zoneinfo/"); i >= 0 && zones[target[i+len("zoneinfo/"):]] != nil {
			return target[i+len("zoneinfo/"):]
		}
	}
	if b, err := os.ReadFile(timezone); err == nil {
		if name := strings.TrimSpace(string(b)); zones[name] != nil {
			return name
		}
	}
	if data, err := os.ReadFile(localtime); err == nil {
		names := make([]string, 0, len(zones))
		for n := range zones {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if bytes.Equal(zones[n], data) {
				return n
			}
		}
	}
	return ""
}

// packEtc writes the archive: the root, zoneinfo/ with every zone (a
// directory before what it holds, names in order, as
// internal/cpioarchive lays archives out), and localtime, a symbolic link
// to zoneinfo/ZONE (none for UTC: Go and C libraries take a missing
// /etc/localtime as UTC).
func packEtc(zones map[string][]byte, zone string) ([]byte, error) {
	if zone != "" && zones[zone] == nil {
		return nil, errors.New("no time zone " + zone)
	}
	names := make([]string, 0, len(zones))
	for n := range zones {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	w := cpio.Newc.Writer(&buf)
	ino := uint64(0)
	write := func(r cpio.Record) error {
		ino++
		r.Ino, r.NLink = ino, 1
		if r.Mode&cpio.S_IFMT == cpio.S_IFDIR {
			r.NLink = 2
		}
		return w.WriteRecord(r)
	}
	if err := write(cpio.Directory(".", 0o755)); err != nil {
		return nil, err
	}
	dirs := map[string]bool{}
	var addDirs func(d string) error
	addDirs = func(d string) error {
		if d == "." || dirs[d] {
			return nil
		}
		if err := addDirs(path.Dir(d)); err != nil {
			return err
		}
		dirs[d] = true
		return write(cpio.Directory(d, 0o755))
	}
	if zone != "" {
		if err := write(cpio.Symlink("localtime", "zoneinfo/"+zone)); err != nil {
			return nil, err
		}
	}
	for _, n := range names {
		name := "zoneinfo/" + n
		if err := addDirs(path.Dir(name)); err != nil {
			return nil, err
		}
		if err := write(cpio.StaticRecord(zones[n], cpio.Info{Name: name, Mode: cpio.S_IFREG | 0o444})); err != nil {
			return nil, err
		}
	}
	if err := cpio.WriteTrailer(w); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// addEtc puts the /etc archive into p. Without a time-zone database (a Go
// installation without lib/time) it says so in one line and goes on.
func addEtc(p *image.Program) {
	etc, err := etcArchive(execGOROOT())
	if err != nil {
		fmt.Fprintf(os.Stderr, "mkimage: %v (time.LoadLocation will find only UTC and what the program embeds)\n", err)
		return
	}
	p.Etc = etc
}

package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/gobare/gobare/internal/cpioarchive"
	"github.com/gobare/gobare/internal/image"
)

// The packed file system: `-files DIR[:/MOUNT][:rw]` (build, run, iso)
// and `mkimage exec` pack a host directory into a cpio newc archive
// (internal/cpioarchive) that the image carries as image.Program.Files.
// The kernel serves it at MOUNT (the kernel word mount=MOUNT) and starts
// the program in MOUNT (cwd=MOUNT). It is read-only (writes fail with
// EROFS), or with :rw writable through an overlay (the kernel word
// overlay): changes stay in the guest's RAM, the host's files never
// change.

// rwSuffix asks for the writable overlay.
const rwSuffix = ":rw"

// overlayWord is the kernel word that mounts the archive under a writable
// overlay (kernel/overlay.go).
const overlayWord = "overlay"

// filesLimit is the largest archive mkimage makes: the archive is loaded
// into the guest's RAM with the image.
const filesLimit = cpioarchive.DefaultLimit

// parseFilesFlag splits a -files value, DIR or DIR:/MOUNT, either
// followed by :rw, into the directory, the mount point ("/" when none is
// given) and whether it is writable. The mount point is what follows the
// last colon when that starts with "/", so DIR may contain colons as long
// as no mount point is meant.
func parseFilesFlag(spec string) (dir, mount string, rw bool, err error) {
	dir, mount, err = parseFilesDir(spec)
	if err != nil && strings.HasSuffix(spec, rwSuffix) {
		rw = true
		dir, mount, err = parseFilesDir(strings.TrimSuffix(spec, rwSuffix))
	}
	return dir, mount, rw, err
}

// parseFilesDir splits DIR or DIR:/MOUNT.
func parseFilesDir(v string) (dir, mount string, err error) {
	dir, mount = v, "/"
	if i := strings.LastIndexByte(v, ':'); i >= 0 && strings.HasPrefix(v[i+1:], "/") {
		dir, mount = v[:i], v[i+1:]
	} else if i >= 0 && i+1 < len(v) && !strings.HasPrefix(v[i+1:], "/") {
		if _, statErr := os.Stat(v); statErr != nil {
			return "", "", fmt.Errorf("-files %s: the mount point %q is not an absolute path", v, v[i+1:])
		}
	}
	if dir == "" {
		return "", "", fmt.Errorf("-files %s: no directory given (want DIR or DIR:/MOUNT)", v)
	}
	if err := cpioarchive.CheckMount(mount); err != nil {
		return "", "", fmt.Errorf("-files %s: %v", v, err)
	}
	return dir, mount, nil
}

// packDir packs dir into an archive to be served at mount, and returns it
// with the kernel words that mount it and start the program there.
func packDir(dir, mount string) ([]byte, []string, error) {
	st, err := os.Stat(dir)
	switch {
	case os.IsNotExist(err):
		return nil, nil, fmt.Errorf("files: %s does not exist", dir)
	case err != nil:
		return nil, nil, fmt.Errorf("files: %v", err)
	case !st.IsDir():
		return nil, nil, fmt.Errorf("files: %s is not a directory", dir)
	}
	if err := cpioarchive.CheckMount(mount); err != nil {
		return nil, nil, fmt.Errorf("files: %v", err)
	}
	archive, err := cpioarchive.Pack(dir, cpioarchive.Options{Limit: filesLimit})
	if err != nil {
		return nil, nil, fmt.Errorf("files: %v", err)
	}
	return archive, []string{"mount=" + mount, "cwd=" + mount}, nil
}

// addFiles handles the -files flag for build, run and iso: it packs the
// directory into p.Files and adds the mount words (and overlay, for
// :rw) to p.KernelArgs (an
// empty spec packs nothing). A cwd= word the user gave (-append) stays
// the working directory; a mount= word with -files is refused earlier
// (buildFlags.check). It also adds the files under /etc (environ.go).
func addFiles(p *image.Program, spec string) error {
	addEtc(p)
	if spec == "" {
		return nil
	}
	dir, mount, rw, err := parseFilesFlag(spec)
	if err != nil {
		return err
	}
	archive, words, err := packDir(dir, mount)
	if err != nil {
		return err
	}
	if rw {
		words = append(words, overlayWord)
	}
	if slices.ContainsFunc(p.KernelArgs, func(w string) bool { return strings.HasPrefix(w, "cwd=") }) {
		words = slices.DeleteFunc(words, func(w string) bool { return strings.HasPrefix(w, "cwd=") })
	}
	p.Files = archive
	p.KernelArgs = append(p.KernelArgs, words...)
	return nil
}

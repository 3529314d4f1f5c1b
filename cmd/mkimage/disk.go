package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/disk"
	"github.com/diskfs/go-diskfs/filesystem"
)

// The persistent disk: a raw image holding one FAT32 volume (no
// partition table), which mkimage run -disk attaches as a virtio block
// device and the kernel mounts (kernel/fs/fatfs). On the host, mkimage
// disk makes, lists and copies with go-diskfs: no root, no loop mounts.
//
//	mkimage disk create -size 256M [-from DIR] IMAGE
//	mkimage disk cp IMAGE:/PATH HOSTPATH    (HOSTPATH - : standard output)
//	mkimage disk cp HOSTPATH IMAGE:/PATH
//	mkimage disk ls IMAGE[:/PATH]

// defaultDiskMount is where the volume appears when -disk names no
// mount point.
const defaultDiskMount = "/disk"

// diskOption turns run's -disk IMAGE[:/MOUNT] into QEMU's arguments
// and the kernel word that says where to mount it.
func diskOption(spec string) (qemuArgs []string, word string, err error) {
	if spec == "" {
		return nil, "", nil
	}
	image, mount := splitImagePath(spec)
	if mount == "" {
		mount = defaultDiskMount
	}
	if st, err := os.Stat(image); err != nil || !st.Mode().IsRegular() {
		return nil, "", fmt.Errorf("-disk: %s is not a disk image (mkimage disk create -size 256M %s makes one)", image, image)
	}
	abs, err := filepath.Abs(image)
	if err != nil {
		return nil, "", err
	}
	// QEMU's option syntax doubles a comma inside a value. The device
	// reports the host's I/O errors to the guest (EIO) rather than
	// stopping the machine, which QEMU does by default on ENOSPC.
	drive := "file=" + strings.ReplaceAll(abs, ",", ",,") + ",if=none,id=gobare-disk,format=raw,werror=report,rerror=report"
	return []string{"-drive", drive, "-device", "virtio-blk-pci,drive=gobare-disk"}, "disk=" + mount, nil
}

// splitImagePath splits IMAGE:/PATH; path is "" when there is none.
func splitImagePath(s string) (image, p string) {
	if i := strings.LastIndex(s, ":/"); i > 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

func diskCmd(args []string) int {
	if len(args) == 0 {
		return fatalf(exitUsage, "disk: want create, cp or ls\n%s", diskUsage)
	}
	if isHelp(args[0]) || len(args) == 2 && isHelp(args[1]) && args[0] != "create" {
		fmt.Println(diskUsage) // create has flags, and its own -h
		return 0
	}
	var err error
	switch args[0] {
	case "create":
		err = diskCreate(args[1:])
	case "cp":
		err = diskCopy(args[1:])
	case "ls":
		err = diskList(args[1:])
	default:
		return fatalf(exitUsage, "disk: unknown command %q\n%s", args[0], diskUsage)
	}
	var usage usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitUsage // the flags are printed, as run -h does
	case errors.As(err, &usage):
		return fatalf(exitUsage, "disk %s: %v", args[0], err)
	case err != nil:
		return fatalf(exitFailed, "disk %s: %v", args[0], err)
	}
	return 0
}

// isHelp reports whether arg asks for the usage.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

const diskUsage = `usage:
  mkimage disk create -size 256M [-from DIR] IMAGE
  mkimage disk cp IMAGE:/PATH HOSTPATH   (HOSTPATH -: standard output)
  mkimage disk cp HOSTPATH IMAGE:/PATH
  mkimage disk ls IMAGE[:/PATH]`

// usageError is a bad command line: status 2.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// diskCreate makes a new image with an empty FAT32 volume, filled from a
// host directory with -from.
func diskCreate(args []string) error {
	flags := flag.NewFlagSet("disk create", flag.ContinueOnError)
	size := flags.String("size", "256M", "the image's `SIZE` in bytes, or with K, M or G (binary), 4M to 2T")
	from := flags.String("from", "", "copy the files of host directory `DIR` onto the volume")
	if err := flags.Parse(args); err == flag.ErrHelp {
		return err
	} else if err != nil {
		return usageError{err}
	}
	if flags.NArg() != 1 {
		return usagef("want one IMAGE")
	}
	bytes, err := parseSize(*size)
	if err != nil {
		return usageError{err}
	}
	image := flags.Arg(0)
	if _, err := os.Stat(image); err == nil {
		return fmt.Errorf("%s exists; mkimage disk create makes a new image only", image)
	}
	d, err := diskfs.Create(image, bytes, diskfs.SectorSizeDefault)
	if err != nil {
		return err
	}
	defer d.Close()
	vol, err := d.CreateFilesystem(disk.FilesystemSpec{Partition: 0, FSType: filesystem.TypeFat32, VolumeLabel: "GOBARE"})
	if err != nil {
		os.Remove(image)
		return err
	}
	if *from != "" {
		if err := copyTreeIn(vol, *from, "/"); err != nil {
			return err
		}
	}
	return nil
}

// parseSize reads 256M, 1G, 4096...: bytes, a multiple of 512, within
// what a FAT32 volume holds here.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult = 1 << 10
	case strings.HasSuffix(s, "M"):
		mult = 1 << 20
	case strings.HasSuffix(s, "G"):
		mult = 1 << 30
	case strings.HasSuffix(s, "T"):
		mult = 1 << 40
	}
	n, err := strconv.ParseInt(strings.TrimRight(s, "KMGT"), 10, 64)
	if err != nil || n <= 0 || n > (2<<40)/mult {
		return 0, fmt.Errorf("-size %q: want a size from 4M to 2T, such as 256M", s)
	}
	n *= mult
	if n < 4<<20 || n%512 != 0 {
		return 0, fmt.Errorf("-size %q: want a multiple of 512 bytes from 4M to 2T", s)
	}
	return n, nil
}

// openVolume opens an image's volume.
func openVolume(image string, write bool) (*disk.Disk, filesystem.FileSystem, error) {
	mode := diskfs.ReadOnly
	if write {
		mode = diskfs.ReadWriteExclusive
	}
	d, err := diskfs.Open(image, diskfs.WithOpenMode(mode))
	if err != nil {
		return nil, nil, err
	}
	vol, err := d.GetFilesystem(0)
	if err != nil {
		d.Close()
		return nil, nil, fmt.Errorf("%s: no FAT32 volume: %v", image, err)
	}
	return d, vol, nil
}

// volPath and fsPath turn a path on the volume into the two forms
// go-diskfs takes: absolute (OpenFile, Mkdir), and io/fs's, relative
// with "." for the root (ReadDir).
func volPath(p string) string { return path.Clean("/" + p) }

func fsPath(p string) string {
	if p = strings.TrimPrefix(volPath(p), "/"); p == "" {
		return "."
	}
	return p
}

// diskCopy copies a file or directory between the host and an image.
func diskCopy(args []string) error {
	if len(args) != 2 {
		return usagef("want SOURCE and DESTINATION, one of them IMAGE:/PATH")
	}
	srcImage, srcPath := splitImagePath(args[0])
	dstImage, dstPath := splitImagePath(args[1])
	switch {
	case srcPath != "" && dstPath == "":
		d, vol, err := openVolume(srcImage, false)
		if err != nil {
			return err
		}
		defer d.Close()
		return copyOut(vol, srcPath, args[1])
	case srcPath == "" && dstPath != "":
		d, vol, err := openVolume(dstImage, true)
		if err != nil {
			return err
		}
		defer d.Close()
		st, err := os.Stat(args[0])
		if err != nil {
			return err
		}
		if st.IsDir() {
			return copyTreeIn(vol, args[0], dstPath)
		}
		if err := vol.Mkdir(volPath(path.Dir(dstPath))); err != nil {
			return err
		}
		return copyFileIn(vol, args[0], dstPath)
	}
	return usagef("one of SOURCE and DESTINATION must be IMAGE:/PATH, the other a host path")
}

// copyOut copies file or directory p of the volume to host path dst.
func copyOut(vol filesystem.FileSystem, p, dst string) error {
	if entries, err := vol.ReadDir(fsPath(p)); err == nil {
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
		for _, e := range entries {
			if err := copyOut(vol, path.Join(p, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
		}
		return nil
	}
	f, err := vol.OpenFile(volPath(p), os.O_RDONLY)
	if err != nil {
		return fmt.Errorf("%s: %v", p, err)
	}
	defer f.Close()
	var w io.Writer = os.Stdout
	if dst != "-" {
		out, err := os.Create(dst)
		if err != nil {
			return err
		}
		defer out.Close()
		w = out
	}
	_, err = io.Copy(w, f)
	return err
}

// copyTreeIn copies host directory dir's files into directory to of the
// volume: directories and regular files; anything else is refused.
func copyTreeIn(vol filesystem.FileSystem, dir, to string) error {
	return filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		target := volPath(path.Join(to, filepath.ToSlash(rel)))
		switch {
		case e.IsDir():
			return vol.Mkdir(target)
		case e.Type().IsRegular():
			return copyFileIn(vol, p, target)
		}
		return fmt.Errorf("%s: FAT holds directories and regular files only", p)
	})
}

// copyFileIn copies host file src to path dst of the volume.
func copyFileIn(vol filesystem.FileSystem, src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := vol.OpenFile(volPath(dst), os.O_CREATE|os.O_RDWR|os.O_TRUNC)
	if err != nil {
		return fmt.Errorf("%s: %v", dst, err)
	}
	defer out.Close()
	_, err = io.Copy(out, in)
	return err
}

// diskList lists a directory of the volume: size and name, a slash
// after a directory's.
func diskList(args []string) error {
	if len(args) != 1 {
		return usagef("want IMAGE[:/PATH]")
	}
	image, p := splitImagePath(args[0])
	d, vol, err := openVolume(image, false)
	if err != nil {
		return err
	}
	defer d.Close()
	entries, err := vol.ReadDir(fsPath(p))
	if err != nil {
		return err
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return err
		}
		name := e.Name()
		if e.IsDir() {
			name += "/"
		}
		fmt.Printf("%10d %s %s\n", info.Size(), info.ModTime().UTC().Format("2006-01-02 15:04:05"), name)
	}
	return nil
}

package machine

import (
	"bytes"
	"os"

	"github.com/u-root/u-root/pkg/cpio"
)

// Initramfs writes to path the Linux guest's initramfs, a newc cpio
// archive (u-root's pkg/cpio): /init is program (a static binary), with
// /dev/console (the kernel opens it for init's descriptors 0, 1 and 2),
// /tmp (a directory of the root file system, a tmpfs) and more files.
func Initramfs(path, program string, more ...cpio.Record) error {
	prog, err := os.ReadFile(program)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := cpio.Newc.Writer(&buf)
	recs := append([]cpio.Record{
		cpio.Directory("dev", 0o755),
		cpio.CharDev("dev/console", 0o600, 5, 1),
		cpio.Directory("tmp", 0o1777),
		cpio.StaticFile("init", string(prog), 0o755),
	}, more...)
	for _, r := range recs {
		if err := w.WriteRecord(cpio.MakeReproducible(r)); err != nil {
			return err
		}
	}
	if err := cpio.WriteTrailer(w); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

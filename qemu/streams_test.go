package qemu

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestArgsStreams(t *testing.T) {
	args := mustArgs(t, Config{Kernel: "k.bin", Streams: true}, "tcg")
	// COM1 is the kernel's socket, COM2 still the control file; stdio
	// is not the guest's.
	if got, want := allValues(args, "-serial"), []string{"chardev:kernel", "file:/tmp/ctl"}; !slices.Equal(got, want) {
		t.Errorf("-serial values %q, want %q", got, want)
	}
	wantChardevs := []string{
		"socket,id=stdin,path=/tmp/ctl.in",
		"socket,id=stdout,path=/tmp/ctl.out",
		"socket,id=stderr,path=/tmp/ctl.err",
		"socket,id=kernel,path=/tmp/ctl.log",
	}
	if got := allValues(args, "-chardev"); !slices.Equal(got, wantChardevs) {
		t.Errorf("-chardev values %q, want %q", got, wantChardevs)
	}
	// The ports the kernel's driver knows by number (kernel/dev/virtio/console).
	devices := allValues(args, "-device")
	for _, want := range []string{
		"virtio-serial-pci,id=streams,max_ports=4",
		"virtserialport,bus=streams.0,nr=1,chardev=stdin,name=gobare.stdin",
		"virtserialport,bus=streams.0,nr=2,chardev=stdout,name=gobare.stdout",
		"virtserialport,bus=streams.0,nr=3,chardev=stderr,name=gobare.stderr",
	} {
		if !slices.Contains(devices, want) {
			t.Errorf("no -device %s in %q", want, devices)
		}
	}
	// Without Streams, none of it.
	plain := mustArgs(t, Config{Kernel: "k.bin"}, "tcg")
	if slices.Contains(plain, "-chardev") || strings.Contains(strings.Join(plain, " "), "virtio-serial") {
		t.Errorf("a command line without Streams has the streams: %q", plain)
	}
}

func TestSharedStderr(t *testing.T) {
	var out bytes.Buffer
	s := NewSharedStderr(&out, false)
	prog, kern := s.Program(), s.Kernel()
	kern.Write([]byte("boot: long mode\r\ngobare: 127 MiB"))
	kern.Write([]byte(" RAM\r\n"))
	prog.Write([]byte("half a line"))
	kern.Write([]byte("gobare: unimplemented system call flock (73)\r\n")) // held: the program is mid-line
	prog.Write([]byte(" and its end\n\x00\xff"))
	kern.Write([]byte("sys: exit_group(0)\r\n"))
	prog.Write([]byte("\n"))
	kern.Write([]byte("no newline"))
	s.Flush()
	want := "gobare: boot: long mode\n" +
		"gobare: 127 MiB RAM\n" +
		"half a line and its end\n" +
		"gobare: unimplemented system call flock (73)\n" +
		"\x00\xff\n" +
		"gobare: sys: exit_group(0)\n" +
		"gobare: no newline\n"
	if out.String() != want {
		t.Errorf("stderr is\n%q\nwant\n%q", out.String(), want)
	}

	// Hidden: only the program's bytes.
	out.Reset()
	s = NewSharedStderr(&out, true)
	s.Kernel().Write([]byte("gobare: banner\r\n"))
	s.Program().Write([]byte("x\r\ny"))
	s.Kernel().Write([]byte("late"))
	s.Flush()
	if out.String() != "x\r\ny" {
		t.Errorf("hidden: stderr is %q, want the program's %q", out.String(), "x\r\ny")
	}
	// Shown after all (the kernel ended the program): the hidden lines,
	// prefixed, from the last 4 KiB's first whole line.
	out.Reset()
	s = NewSharedStderr(&out, true)
	s.Kernel().Write([]byte(strings.Repeat("x", 5000) + "\r\nold line\r\n"))
	s.Kernel().Write([]byte("gobare: out of memory\r\n"))
	s.ShowHidden()
	if want := "gobare: old line\ngobare: out of memory\n"; out.String() != want {
		t.Errorf("shown: stderr is %q, want %q", out.String(), want)
	}

	// A kernel line held behind an unfinished last line comes out on a
	// line of its own at the end.
	out.Reset()
	s = NewSharedStderr(&out, false)
	s.Program().Write([]byte("prompt> "))
	s.Kernel().Write([]byte("gobare: exiting\r\n"))
	s.Flush()
	if want := "prompt> \ngobare: exiting\n"; out.String() != want {
		t.Errorf("held to the end: %q, want %q", out.String(), want)
	}
}

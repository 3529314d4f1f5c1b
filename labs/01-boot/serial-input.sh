#!/bin/sh
# Types a line on COM1 for tests/programs/rtcheck stdin-line. mkimage run
# gives the program standard streams of its own (a virtio console), so this
# boots the image with plain QEMU, where standard input is the serial line.
set -e
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkimage build -o "$d/rtcheck.img" ./tests/programs/rtcheck stdin-line >/dev/null
printf 'typed on COM1\n' | timeout 20 qemu-system-x86_64 -M pc -nodefaults -no-reboot -display none -monitor none \
	-m 128 -kernel "$d/rtcheck.img" -serial stdio -serial null \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 || echo "qemu exit status $?"

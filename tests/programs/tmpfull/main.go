// Command tmpfull fills /tmp until a write fails and says with what and
// after how much; then it shows that the program still has memory to
// run in (it allocates and touches 24 MiB) and that removing the file
// makes room again. tests/files_test.go runs it in 128 MiB of RAM.
package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

func main() {
	f, err := os.Create("/tmp/fill")
	check(err)
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i)
	}
	written := 0
	for {
		n, err := f.Write(chunk)
		written += n
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				check(err)
			}
			break
		}
	}
	fmt.Printf("tmpfull: ENOSPC after %d MiB\n", written>>20)
	check(f.Close())

	mem := make([]byte, 24<<20)
	for i := 0; i < len(mem); i += 4096 {
		mem[i] = 1
	}
	fmt.Printf("tmpfull: %d MiB allocated and touched with /tmp full\n", len(mem)>>20)

	check(os.Remove("/tmp/fill"))
	check(os.WriteFile("/tmp/again", chunk, 0o644))
	fmt.Println("tmpfull: a write after the removal: ok")
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "tmpfull:", err)
		os.Exit(1)
	}
}

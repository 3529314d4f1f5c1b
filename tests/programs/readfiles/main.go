// Command readfiles prints what it finds in gobare's read-only file
// system: its working directory, then for each argument a directory's
// listing (name, size, type) or a file's contents. With no arguments it
// lists the working directory. The integration tests boot it with
// `mkimage run -files DIR:/MOUNT`; its _test.go reads its own testdata/
// under `go test -exec "mkimage exec"`.
package main

import (
	"fmt"
	"os"
)

func main() {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Println("getwd:", err)
		os.Exit(1)
	}
	fmt.Println("cwd", wd)
	args := os.Args[1:]
	if len(args) == 0 {
		args = []string{"."}
	}
	status := 0
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			fmt.Println("stat:", err)
			status = 1
			continue
		}
		if !st.IsDir() {
			b, err := os.ReadFile(a)
			if err != nil {
				fmt.Println("read:", err)
				status = 1
				continue
			}
			fmt.Printf("file %s %d bytes: %s", a, len(b), b)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			fmt.Println("readdir:", err)
			status = 1
			continue
		}
		fmt.Printf("dir %s:", a)
		for _, e := range entries {
			fmt.Printf(" %s", e.Name())
			if e.IsDir() {
				fmt.Print("/")
			}
		}
		fmt.Println()
	}
	if err := os.WriteFile("new.txt", []byte("x"), 0o644); err != nil {
		fmt.Println("write:", err)
	} else {
		fmt.Println("write: succeeded on a read-only file system")
		status = 1
	}
	os.Exit(status)
}

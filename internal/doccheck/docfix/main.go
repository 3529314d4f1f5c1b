// Command docfix moves the path:line references in gobare's Markdown
// documents along with the code they point to. Code edited since a base
// revision (HEAD by default: the uncommitted change) shifts the lines
// below each edit; docfix reads git diff -U0 against the base, moves every
// reference that TestDocs would find wrong to where its lines went, keeps
// it only if it then holds, and lists what it could not mend (references
// to lines that were themselves edited: those need a reader).
//
//	go run ./internal/doccheck/docfix            # after editing code
//	go run ./internal/doccheck/docfix -base main # after a rebase onto main
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"

	"github.com/gobare/gobare/internal/doccheck"
)

func main() {
	base := flag.String("base", "HEAD", "the revision whose lines the references were written for")
	flag.Parse()
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "docfix: not in a git checkout:", err)
		os.Exit(2)
	}
	root := string(top[:len(top)-1])
	cmd := exec.Command("git", "diff", "-U0", "--no-color", "--no-ext-diff", *base)
	cmd.Dir = root
	diff, err := cmd.Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "docfix: git diff", *base+":", err)
		os.Exit(2)
	}
	docs, err := doccheck.Docs(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "docfix:", err)
		os.Exit(2)
	}
	fixed, left, err := doccheck.Fix(root, docs, doccheck.DiffLineMap(string(diff)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "docfix:", err)
		os.Exit(2)
	}
	fmt.Printf("docfix: %d references moved, %d still wrong\n", fixed, len(left))
	for _, p := range left {
		fmt.Println(p)
	}
	if len(left) > 0 {
		os.Exit(1)
	}
}

package doccheck

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	text := strings.Join([]string{
		"See `kernel/vfs/walk.go:52 (Resolve)` and boot/x_amd64.s:70-75 (·entry32, magicOK:).",
		"A bare one: `kernel/main.go:44`, and Makefile:3 (test).",
		"Not references: /usr/lib/go/src/runtime/proc.go:283, https://example.com:443/x, 10:45 UTC, §3.2, go1.26.8.",
		"Nor: at .../boot/multiboot_amd64.s:91, ../other/x.go:3, …/kernel/main.go:47.",
		"Split by a backtick: `a/b.go:7` (F).",
		"(x.go:1 (the entry))",
		"labs/gdbinit:38 (gobare-sysregs), but not gdbinit:38 or 10:45.",
	}, "\n")
	got := Parse("d.md", text)
	want := []Ref{
		{Doc: "d.md", DocLine: 1, Text: "kernel/vfs/walk.go:52 (Resolve)", Path: "kernel/vfs/walk.go", Start: 52, End: 52, Names: []string{"Resolve"}},
		{Doc: "d.md", DocLine: 1, Text: "boot/x_amd64.s:70-75 (·entry32, magicOK:)", Path: "boot/x_amd64.s", Start: 70, End: 75, Names: []string{"·entry32", "magicOK:"}},
		{Doc: "d.md", DocLine: 2, Text: "kernel/main.go:44", Path: "kernel/main.go", Start: 44, End: 44},
		{Doc: "d.md", DocLine: 2, Text: "Makefile:3 (test)", Path: "Makefile", Start: 3, End: 3, Names: []string{"test"}},
		{Doc: "d.md", DocLine: 5, Text: "a/b.go:7", Path: "a/b.go", Start: 7, End: 7},
		{Doc: "d.md", DocLine: 6, Text: "x.go:1 (the entry)", Path: "x.go", Start: 1, End: 1, Names: []string{"the entry"}},
		{Doc: "d.md", DocLine: 7, Text: "labs/gdbinit:38 (gobare-sysregs)", Path: "labs/gdbinit", Start: 38, End: 38, Names: []string{"gobare-sysregs"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", got, want)
	}
}

// TestCheck feeds Check good and bad references against a small tree and
// requires exactly the bad ones to be reported, with the hint that says
// where a moved name is now.
func TestCheck(t *testing.T) {
	root := t.TempDir()
	write := func(path, text string) {
		p := filepath.Join(root, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("k/main.go", `package k

// Main is the entry.
func Main() {
	helper()
}

func helper() {}

type Frame struct{ AX uint64 }
`)
	write("boot/e_amd64.s", `#include "textflag.h"

TEXT ·entry32(SB), NOSPLIT, $0
	CMPL AX, $0x2BADB002
	JEQ magicOK
	HLT
magicOK:
	RET
`)
	write("Makefile", "all:\n\ttrue\n\ntest: all\n\tgo test ./...\n\nlab-start:\n\ttrue\n")
	good := []string{
		"`k/main.go:4 (Main)`",
		"k/main.go:3-5 (Main, helper)", // Main on 3 and 4, helper on 5
		"`boot/e_amd64.s:3 (·entry32)` and boot/e_amd64.s:3 (entry32)",
		"`boot/e_amd64.s:7 (magicOK:)`, boot/e_amd64.s:4-7 (magicOK)",
		"`Makefile:4 (test:)`, Makefile:4 (test), Makefile:7 (lab-start:)",
		"`k/main.go:10 (Frame, AX)`",
	}
	bad := []struct{ ref, msg string }{
		{"`k/gone.go:1 (Main)`", "file k/gone.go does not exist"},
		{"`k/main.go:11 (Main)`", "line 11 is past the end of k/main.go (10 lines)"},
		{"`k/main.go:4-3 (Main)`", "bad line range 4-3"},
		{"`k/main.go:8 (Main)`", "Main is not on line 8; it is at k/main.go:4, k/main.go:3"},
		{"`k/main.go:4 (Mai)`", "Mai is not on line 4; it is nowhere in the file"},
		{"`k/main.go:4 (Main, Frame)`", "Frame is not on line 4; it is at k/main.go:10"},
		{"`k/main.go:9-10 (helper)`", "helper is not on lines 9-10; it is at k/main.go:8, k/main.go:5 (the range was 2 lines long: k/main.go:8-9?)"},
		{"`k/main.go:1-2 (helper)`", "helper is not on lines 1-2; it is at k/main.go:8, k/main.go:5 (the range was 2 lines long: k/main.go:4-5?)"},
		{"`k/main.go:4`", `no name: write k/main.go:4 (name), with a name that is on that line: "func Main() {"`},
		{"`k/main.go:4` (Main)", "no name"},
		{"k/main.go:4 (the entry)", `"the entry" is not a name`},
		{"k/main.go:4 (-Main)", `"-Main" is not a name`},
		{"`boot/e_amd64.s:4 (magicOK:)`", "magicOK: is not on line 4; it is at boot/e_amd64.s:7"},
		{"`Makefile:1 (test)`", "test is not on line 1; it is at Makefile:4"},
	}
	var doc strings.Builder
	doc.WriteString("# A document\n\n")
	for _, g := range good {
		doc.WriteString(g + "\n")
	}
	for _, b := range bad {
		doc.WriteString("- " + b.ref + "\n")
	}
	write("docs/a.md", doc.String())
	// A copy of the tree inside it (same module) is not checked; a nested
	// module of its own is.
	write("go.mod", "module example.com/tree\n")
	write("student/go.mod", "module example.com/tree\n")
	write("student/docs/a.md", "`k/gone.go:1 (Main)`\n")
	write("sub/go.mod", "module example.com/tree/sub\n")
	write("sub/README.md", "`k/main.go:4 (Main)`\n")
	docs, err := Docs(root)
	if err != nil || !reflect.DeepEqual(docs, []string{"docs/a.md", "sub/README.md"}) {
		t.Fatalf("Docs = %v, %v", docs, err)
	}
	refs, problems, err := Check(root, docs)
	if err != nil {
		t.Fatal(err)
	}
	if n := 2*len(good) - 2 + len(bad) + 1; len(refs) != n {
		t.Errorf("found %d references, want %d: %+v", len(refs), n, refs)
	}
	if len(problems) != len(bad) {
		t.Errorf("%d problems, want %d:", len(problems), len(bad))
		for _, p := range problems {
			t.Log(p)
		}
	}
	for i, b := range bad {
		line := 2 + len(good) + 1 + i
		var msgs []string
		for _, p := range problems {
			if p.Ref.DocLine == line {
				msgs = append(msgs, p.Msg)
			}
		}
		if len(msgs) != 1 || !strings.HasPrefix(msgs[0], b.msg) {
			t.Errorf("%s: problems %q, want one starting %q", b.ref, msgs, b.msg)
		}
	}
}

// TestCheckMissingDoc: a document that cannot be read is an error, not a
// silent pass.
func TestCheckMissingDoc(t *testing.T) {
	if _, _, err := Check(t.TempDir(), []string{"nope.md"}); err == nil {
		t.Error("Check of a missing document returned no error")
	}
}

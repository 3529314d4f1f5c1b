// Command labs runs the kernel-course labs in labs/ (see labs/TEACHING.md):
//
//	labs list                                   the labs, their regions, lines and points
//	labs start -lab N -dir DIR [-untracked]     write a student tree for lab N
//	labs grade -lab N [-run REGEXP] [-json FILE] [-hidden DIR] [-quick] [-C TREE] [-splice SUBMISSION]
//	labs grade-all -submissions DIR [-csv FILE] [-lab N] [-trust] [-hidden DIR]
//
// The Makefile wraps them: make lab-start LAB=N DIR=..., make grade LAB=N
// (GRADEFLAGS=regexp, GRADE_JSON=file, GRADE_HIDDEN=dir), make grade-all
// SUBMISSIONS=dir (GRADE_CSV=file).
//
// grade exits 1 when any point is lost, 2 on a usage error.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gobare/gobare/internal/labs"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var code int
	switch os.Args[1] {
	case "list":
		code = list(os.Args[2:])
	case "start":
		code = start(os.Args[2:])
	case "grade":
		code = grade(os.Args[2:])
	case "grade-all":
		code = gradeAll(os.Args[2:])
	default:
		usage()
	}
	os.Exit(code)
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  labs list
  labs start -lab N -dir DIR [-untracked]
  labs grade -lab N [-run REGEXP] [-json FILE] [-hidden DIR] [-quick] [-C TREE] [-splice SUBMISSION]
  labs grade-all -submissions DIR [-csv FILE] [-lab N] [-trust] [-hidden DIR]
`)
	os.Exit(2)
}

func fail(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "labs: "+format+"\n", args...)
	return 2
}

// defaultHidden is $GRADE_HIDDEN, else labs/hidden under root.
func defaultHidden(root string) string {
	if h := os.Getenv("GRADE_HIDDEN"); h != "" {
		return h
	}
	return filepath.Join(root, labs.HiddenDir)
}

func list(args []string) int {
	fs := flag.NewFlagSet("list", flag.ExitOnError)
	fs.Parse(args)
	all, err := labs.FindLabs("labs")
	if err != nil {
		return fail("%v", err)
	}
	files, err := labs.Files(".", true)
	if err != nil {
		return fail("%v", err)
	}
	regions, err := labs.AllRegions(".", files)
	if err != nil {
		return fail("%v", err)
	}
	fmt.Printf("%-16s %7s %6s %6s %6s  %s\n", "lab", "regions", "lines", "tests", "points", "files")
	for _, l := range all {
		tests, err := l.Tests("")
		if err != nil {
			return fail("%v", err)
		}
		pts := 0
		for _, t := range tests {
			pts += t.Points
		}
		n, lines := 0, 0
		seen := map[string]bool{}
		var fileList []string
		for _, r := range regions {
			if r.Lab == l.Number {
				n++
				lines += r.CodeLines()
				if !seen[r.File] {
					seen[r.File] = true
					fileList = append(fileList, r.File)
				}
			}
		}
		fmt.Printf("%-16s %7d %6d %6d %6d  %s\n", l.Name, n, lines, len(tests), pts, strings.Join(fileList, " "))
	}
	return 0
}

func start(args []string) int {
	fs := flag.NewFlagSet("start", flag.ExitOnError)
	lab := fs.Int("lab", 0, "the lab `N`")
	dir := fs.String("dir", "", "the new student tree")
	untracked := fs.Bool("untracked", false, "also copy files git does not track (but does not ignore)")
	fs.Parse(args)
	if *lab == 0 || *dir == "" {
		return fail("start: -lab and -dir are required")
	}
	l, err := labs.FindLab("labs", *lab)
	if err != nil {
		return fail("%v", err)
	}
	regions, err := labs.Start(".", *dir, *lab, *untracked)
	if err != nil {
		return fail("start: %v", err)
	}
	lines := 0
	for _, r := range regions {
		lines += r.CodeLines()
	}
	fmt.Printf("labs: wrote %s for lab %d (%s): %d regions to fill in (about %d lines in the solution):\n", *dir, *lab, l.Name, len(regions), lines)
	for _, r := range regions {
		fmt.Printf("  %s:%d  %s\n", r.File, r.Begin, r.Title)
	}
	fmt.Printf("read %s/README.md; grade with: cd %s && make grade LAB=%d\n", l.Dir, *dir, *lab)
	return 0
}

func grade(args []string) int {
	fs := flag.NewFlagSet("grade", flag.ExitOnError)
	lab := fs.Int("lab", 0, "the lab `N`")
	run := fs.String("run", "", "only the tests whose names match `REGEXP`")
	jsonOut := fs.String("json", "", "also write Gradescope's results.json to `FILE`")
	hidden := fs.String("hidden", "", "hidden tests `DIR` (default $GRADE_HIDDEN, else labs/hidden)")
	quick := fs.Bool("quick", false, "only the tests marked quick")
	tree := fs.String("C", ".", "grade the tree in `DIR`")
	labsDir := fs.String("labs", "", "take the tests from this labs/ `DIR` (default the tree's)")
	splice := fs.String("splice", "", "grade the submission in `DIR`: this tree with the submission's files of the lab (as grade-all does)")
	fs.Parse(args)
	if *lab == 0 {
		if n := labs.TreeLab(*tree); n != 0 {
			*lab = n
		} else {
			return fail("grade: -lab is required (LAB=N)")
		}
	}
	var filter *regexp.Regexp
	if *run != "" {
		var err error
		if filter, err = regexp.Compile(*run); err != nil {
			return fail("grade: -run: %v", err)
		}
	}
	if *hidden == "" {
		*hidden = defaultHidden(*tree)
	}
	if *splice != "" {
		root, err := filepath.Abs(*tree)
		if err != nil {
			return fail("grade: %v", err)
		}
		tmp, err := os.MkdirTemp("", "labs-grade-")
		if err != nil {
			return fail("grade: %v", err)
		}
		defer os.RemoveAll(tmp)
		if err := labs.Splice(root, *splice, tmp, *lab); err != nil {
			return fail("grade: %v", err)
		}
		if *labsDir == "" {
			*labsDir = filepath.Join(root, "labs")
		}
		*tree = tmp
	}
	rep, err := labs.Grade(labs.Options{Tree: *tree, Labs: *labsDir, Hidden: *hidden, Lab: *lab, Filter: filter, Quick: *quick, Out: os.Stdout})
	if err != nil {
		return fail("grade: %v", err)
	}
	if *jsonOut != "" {
		b, err := rep.GradescopeJSON()
		if err == nil {
			err = os.WriteFile(*jsonOut, append(b, '\n'), 0o644)
		}
		if err != nil {
			return fail("grade: %v", err)
		}
	}
	if rep.Score < rep.Max {
		return 1
	}
	return 0
}

func gradeAll(args []string) int {
	fs := flag.NewFlagSet("grade-all", flag.ExitOnError)
	subs := fs.String("submissions", "", "a `DIR` with one student tree per subdirectory")
	csvOut := fs.String("csv", "grades.csv", "the CSV `FILE` to write")
	lab := fs.Int("lab", 0, "grade this lab `N` in every tree (default: the lab each tree was made for, every lab for a tree without "+labs.MarkerFile+")")
	trust := fs.Bool("trust", false, "grade each tree as it is, instead of the teacher's tree with the submission's lab files spliced in")
	hidden := fs.String("hidden", "", "hidden tests `DIR` (default $GRADE_HIDDEN, else labs/hidden)")
	fs.Parse(args)
	if *subs == "" {
		return fail("grade-all: -submissions is required")
	}
	if *hidden == "" {
		*hidden = defaultHidden(".")
	}
	root, _ := filepath.Abs(".")
	labsDir := filepath.Join(root, "labs")
	allLabs, err := labs.FindLabs(labsDir)
	if err != nil {
		return fail("%v", err)
	}
	ents, err := os.ReadDir(*subs)
	if err != nil {
		return fail("grade-all: %v", err)
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	f, err := os.Create(*csvOut)
	if err != nil {
		return fail("grade-all: %v", err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"student", "lab", "score", "max"})
	for _, name := range names {
		dir := filepath.Join(*subs, name)
		var which []int
		switch n := labs.TreeLab(dir); {
		case *lab != 0:
			which = []int{*lab}
		case n != 0:
			which = []int{n}
		default:
			for _, l := range allLabs {
				which = append(which, l.Number)
			}
		}
		for _, n := range which {
			tree := dir
			if !*trust {
				tmp, err := os.MkdirTemp("", "labs-grade-")
				if err != nil {
					return fail("grade-all: %v", err)
				}
				defer os.RemoveAll(tmp)
				if err := labs.Splice(root, dir, tmp, n); err != nil {
					return fail("grade-all: %v", err)
				}
				tree = tmp
			}
			fmt.Printf("== %s, lab %d\n", name, n)
			rep, err := labs.Grade(labs.Options{Tree: tree, Labs: labsDir, Hidden: *hidden, Lab: n, Out: os.Stdout})
			if err != nil {
				return fail("grade-all: %s: %v", name, err)
			}
			w.Write([]string{name, strconv.Itoa(n), strconv.Itoa(rep.Score), strconv.Itoa(rep.Max)})
			w.Flush()
			if !*trust {
				os.RemoveAll(tree)
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fail("grade-all: %v", err)
	}
	if err := f.Close(); err != nil {
		return fail("grade-all: %v", err)
	}
	fmt.Printf("labs: wrote %s\n", *csvOut)
	return 0
}

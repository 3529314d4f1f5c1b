// Package labs is the machinery of the kernel-course labs in labs/: the
// solution regions marked in the source, the student trees made from them,
// the graded tests each lab declares and the grader that runs them.
//
// A solution region is a run of lines in any source file (Go or assembly)
// between two marker comments, with the code the student starts from right
// after the first one:
//
//	// LAB 2 BEGIN: what the student writes here
//	// LAB 2 STUB: return 0, false
//	...the solution...
//	// LAB 2 END
//
// The STUB lines (any number, possibly none) hold code with the comment
// prefix removed; in a student tree for lab 2 the region keeps its BEGIN
// and END lines, the stub code replaces the solution, and the tree still
// builds. Regions of other labs are left solved.
package labs

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	beginRE = regexp.MustCompile(`^(\s*)// LAB (\d+) BEGIN(?::\s*(.*))?$`)
	stubRE  = regexp.MustCompile(`^\s*// LAB (\d+) STUB:(?: (.*))?$`)
	endRE   = regexp.MustCompile(`^\s*// LAB (\d+) END\s*$`)
)

// Region is one solution region of a file.
type Region struct {
	File      string   // path relative to the tree
	Lab       int      // the lab it belongs to
	Title     string   // what the student writes, from the BEGIN line
	Begin     int      // line number (1-based) of the BEGIN line
	End       int      // line number of the END line
	Indent    string   // the BEGIN line's indentation, given to the stub code
	Stub      []string // the stub code, without comment prefix or indentation
	Solution  []string // the solution lines as they are in the file
	HasMarker bool     // the file still has STUB lines (a solved tree)
}

// CodeLines counts the solution lines that are code: neither blank nor
// only a comment. It is "the lines the student writes".
func (r Region) CodeLines() int {
	n := 0
	for _, l := range r.Solution {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "//") {
			continue
		}
		n++
	}
	return n
}

// ParseRegions finds the regions of one file's text. Markers must nest
// properly: no region inside another, every BEGIN with its END of the same
// lab.
func ParseRegions(file, text string) ([]Region, error) {
	var out []Region
	lines := strings.Split(text, "\n")
	var cur *Region
	inStub := false
	for i, l := range lines {
		n := i + 1
		if m := beginRE.FindStringSubmatch(l); m != nil {
			if cur != nil {
				return nil, fmt.Errorf("%s:%d: LAB %s BEGIN inside the LAB %d region of line %d", file, n, m[2], cur.Lab, cur.Begin)
			}
			lab, _ := strconv.Atoi(m[2])
			cur = &Region{File: file, Lab: lab, Title: strings.TrimSpace(m[3]), Begin: n, Indent: m[1]}
			inStub = true
			continue
		}
		if m := stubRE.FindStringSubmatch(l); m != nil {
			if cur == nil || !inStub {
				return nil, fmt.Errorf("%s:%d: LAB %s STUB outside the lines right after a BEGIN", file, n, m[1])
			}
			if lab, _ := strconv.Atoi(m[1]); lab != cur.Lab {
				return nil, fmt.Errorf("%s:%d: LAB %d STUB in the LAB %d region", file, n, lab, cur.Lab)
			}
			cur.Stub = append(cur.Stub, m[2])
			cur.HasMarker = true
			continue
		}
		inStub = false
		if m := endRE.FindStringSubmatch(l); m != nil {
			lab, _ := strconv.Atoi(m[1])
			if cur == nil || lab != cur.Lab {
				return nil, fmt.Errorf("%s:%d: LAB %d END without its BEGIN", file, n, lab)
			}
			cur.End = n
			out = append(out, *cur)
			cur = nil
			continue
		}
		if cur != nil {
			cur.Solution = append(cur.Solution, l)
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: LAB %d BEGIN without its END", file, cur.Begin, cur.Lab)
	}
	return out, nil
}

// Stub returns text with every region of lab replaced by its stub: the
// BEGIN and END lines stay, the STUB lines become code at the BEGIN line's
// indentation, and the solution goes. A region already stubbed (no STUB
// lines: a student tree) is left as it is.
func Stub(file, text string, lab int) (string, int, error) {
	regions, err := ParseRegions(file, text)
	if err != nil {
		return "", 0, err
	}
	lines := strings.Split(text, "\n")
	var out []string
	next, changed := 0, 0
	for _, r := range regions {
		if r.Lab != lab || !r.HasMarker {
			continue
		}
		out = append(out, lines[next:r.Begin]...) // up to and with BEGIN
		for _, s := range r.Stub {
			if s == "" {
				out = append(out, "")
				continue
			}
			out = append(out, r.Indent+s)
		}
		out = append(out, lines[r.End-1]) // END
		next = r.End
		changed++
	}
	out = append(out, lines[next:]...)
	return strings.Join(out, "\n"), changed, nil
}

package doccheck

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// LineMap says where a line of a file, as it was, is now: its new number,
// or false when the line itself was changed or removed.
type LineMap func(path string, line int) (int, bool)

// Fix rewrites, in each document, every reference that Check finds wrong
// and that moved (its first and last lines, mapped by moved) to where it
// holds again. It returns how many it rewrote and the problems left.
func Fix(root string, docs []string, moved LineMap) (fixed int, problems []Problem, err error) {
	lines := fileLines(root)
	for _, doc := range docs {
		path := filepath.Join(root, filepath.FromSlash(doc))
		b, err := os.ReadFile(path)
		if err != nil {
			return fixed, problems, err
		}
		text := strings.Split(string(b), "\n")
		changed := false
		for _, r := range Parse(doc, string(b)) {
			bad := checkRef(r, lines(r.Path))
			if len(bad) == 0 {
				continue
			}
			start, ok1 := moved(r.Path, r.Start)
			end, ok2 := moved(r.Path, r.End)
			if !ok1 || !ok2 || start > end {
				problems = append(problems, bad...)
				continue
			}
			nr := r
			nr.Start, nr.End = start, end
			if len(checkRef(nr, lines(r.Path))) > 0 {
				problems = append(problems, bad...)
				continue
			}
			oldLoc, newLoc := location(r), location(nr)
			nr.Text = strings.Replace(r.Text, oldLoc, newLoc, 1)
			text[r.DocLine-1] = strings.Replace(text[r.DocLine-1], r.Text, nr.Text, 1)
			changed = true
			fixed++
		}
		if changed {
			if err := os.WriteFile(path, []byte(strings.Join(text, "\n")), 0o644); err != nil {
				return fixed, problems, err
			}
		}
	}
	return fixed, problems, nil
}

// location is a reference's "path:line" or "path:start-end".
func location(r Ref) string {
	if r.End > r.Start {
		return fmt.Sprintf("%s:%d-%d", r.Path, r.Start, r.End)
	}
	return fmt.Sprintf("%s:%d", r.Path, r.Start)
}

// fileLines returns a reader of the files under root, line by line, each
// read once (nil: the file is missing).
func fileLines(root string) func(path string) []string {
	files := map[string][]string{}
	return func(path string) []string {
		if l, ok := files[path]; ok {
			return l
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path)))
		var l []string
		if err == nil {
			l = strings.Split(string(bytes.TrimSuffix(b, []byte("\n"))), "\n")
		}
		files[path] = l
		return l
	}
}

// hunkRE is a unified diff's hunk header: @@ -a[,b] +c[,d] @@.
var hunkRE = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@`)

// hunk is one change: old lines [oldStart, oldStart+oldLen) became newLen
// lines (oldLen 0: newLen lines inserted after line oldStart).
type hunk struct{ oldStart, oldLen, newLen int }

// DiffLineMap reads the output of git diff -U0 (any number of files) and
// returns the LineMap it describes: a line before every change keeps its
// number, one after a change moves by what the change added or removed,
// and one inside a change is lost.
func DiffLineMap(diff string) LineMap {
	hunks := map[string][]hunk{}
	var file string
	num := func(s string) int {
		if s == "" {
			return 1
		}
		n, _ := strconv.Atoi(s)
		return n
	}
	for _, line := range strings.Split(diff, "\n") {
		if name, ok := strings.CutPrefix(line, "--- a/"); ok {
			file = name
			continue
		}
		if m := hunkRE.FindStringSubmatch(line); m != nil && file != "" {
			hunks[file] = append(hunks[file], hunk{num(m[1]), num(m[2]), num(m[4])})
		}
	}
	return func(path string, line int) (int, bool) {
		delta := 0
		for _, h := range hunks[path] {
			switch {
			case h.oldLen == 0 && line <= h.oldStart, h.oldLen > 0 && line < h.oldStart:
				return line + delta, true
			case h.oldLen > 0 && line < h.oldStart+h.oldLen:
				return 0, false
			}
			delta += h.newLen - h.oldLen
		}
		return line + delta, true
	}
}

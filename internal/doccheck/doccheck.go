// Package doccheck keeps the source references in gobare's Markdown
// documents true: every reference names a file, a line (or a range of lines)
// and an identifier that must be on that line, so a reference that drifted
// when the code moved is found by a test instead of by a reader.
//
// # Syntax
//
// A reference is a repository-relative path, a colon, a line number or a
// range of lines, one space, and one or more names in parentheses:
//
//	kernel/vfs/walk.go:52 (Resolve)
//	boot/multiboot_amd64.s:70-75 (·entry32, magicOK:)
//	Makefile:61 (test)
//
// It may stand in plain text or inside a code span or a code block; in a
// code span the whole reference, names included, goes between the same pair
// of backticks (`kernel/main.go:44 (Main)`).
//
// The path is one or more segments separated by "/": with a directory, any
// file name (kernel/main.go, labs/gdbinit); without one, a name with an
// extension (go.mod) or Makefile or GNUmakefile. A path directly preceded by "/", ":", "." or a letter, digit,
// "_" or "-" is not a reference: that keeps absolute paths
// (/usr/lib/go/src/runtime/proc.go:283 in a traceback) and URLs
// (https://example.com:443) out, and so is a path whose first segment is
// ".." or "..." (a path outside the repository, or one whose start a tool's
// output left out, as gdb's ".../boot/multiboot_amd64.s:91"). A line is a
// decimal number from 1; a range N-M needs N <= M.
//
// A name is a run of letters, digits, "_", "·" (Go assembly's package
// separator, as in ·entry32), "." (a qualified name such as runtime·rt0_go
// or trap.Frame is looked for as written) and "-" (a Makefile target such
// as lab-start, a gdb command), starting with a letter, "_" or "·" and
// optionally ending in ":" (an assembly label such as magicOK:, or a
// Makefile target written test:). Several names are separated by ", ". Each name must occur on the
// line, or on one of the lines of the range, as a whole word: not preceded
// or followed by a letter, digit or "_" ("·" counts as a separator, so
// entry32 matches TEXT ·entry32(SB)). What the name is (a Go function,
// method, type, variable or constant, an assembly TEXT symbol or label, a
// Makefile target, a word of a comment) is up to the writer; the check is
// only that it is there.
//
// # Problems
//
// Check reports every reference whose file is missing, whose line is past
// the end of the file, or one of whose names is not on its line or range,
// and every path:line that has no name. For a name that is elsewhere in the
// file it says where, preferring a line that defines it (func, type, var,
// const, TEXT, a label, a Makefile target).
package doccheck

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ref is one reference found in a document.
type Ref struct {
	Doc     string   // the document, as given to Check
	DocLine int      // where in the document (1-based)
	Text    string   // the reference as written
	Path    string   // repository-relative file
	Start   int      // first line (1-based)
	End     int      // last line; End == Start for a single line
	Names   []string // empty: a bare path:line
}

// Problem is a reference that is not true of the tree.
type Problem struct {
	Ref Ref
	Msg string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", p.Ref.Doc, p.Ref.DocLine, p.Ref.Text, p.Msg)
}

// refRE finds path:line[-line] and the optional " (names)". Go's regexp has
// no look-behind, so the character before the path is matched (or the start
// of the line) and checked in Parse.
var refRE = regexp.MustCompile(
	`(?:^|(.))` + // 1: the character before, if any
		`((?:[A-Za-z0-9_.+-]+/)+[A-Za-z0-9_+-][A-Za-z0-9_.+-]*|[A-Za-z0-9_+-][A-Za-z0-9_.+-]*\.[A-Za-z0-9]+|Makefile|GNUmakefile)` + // 2: path
		`:([0-9]+)(?:-([0-9]+))?` + // 3, 4: lines
		`(?: \(([^()]*)\))?`) // 5: names

// nameRE is one name: an identifier with "·" and "." allowed inside,
// optionally a trailing ":".
var nameRE = regexp.MustCompile(`^[\p{L}_·][\p{L}\p{N}_·.-]*:?$`)

// Parse returns the references in one document's text. Malformed ones (a
// range running backwards, a name that is not an identifier) come back
// with Names set as written; Check reports them.
func Parse(doc, text string) []Ref {
	var refs []Ref
	for i, line := range strings.Split(text, "\n") {
		for _, m := range refRE.FindAllStringSubmatchIndex(line, -1) {
			if m[2] >= 0 {
				before, _ := utf8.DecodeRuneInString(line[m[2]:])
				if before == '/' || before == ':' || before == '.' || before == '-' || before == '_' ||
					unicode.IsLetter(before) || unicode.IsDigit(before) {
					continue
				}
			}
			if path := line[m[4]:m[5]]; strings.HasPrefix(path, "../") || strings.HasPrefix(path, ".../") {
				continue
			}
			start, _ := strconv.Atoi(line[m[6]:m[7]])
			end := start
			if m[8] >= 0 {
				end, _ = strconv.Atoi(line[m[8]:m[9]])
			}
			r := Ref{
				Doc:     doc,
				DocLine: i + 1,
				Path:    line[m[4]:m[5]],
				Start:   start,
				End:     end,
			}
			textStart := m[4]
			r.Text = line[textStart:m[1]]
			if m[10] >= 0 {
				for _, n := range strings.Split(line[m[10]:m[11]], ",") {
					r.Names = append(r.Names, strings.TrimSpace(n))
				}
			}
			refs = append(refs, r)
		}
	}
	return refs
}

// Check parses each document (paths relative to root) and checks every
// reference against the files under root. It returns the references it
// found and the problems among them; err is for a document that cannot be
// read.
func Check(root string, docs []string) (refs []Ref, problems []Problem, err error) {
	lines := fileLines(root)
	for _, doc := range docs {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(doc)))
		if err != nil {
			return refs, problems, err
		}
		for _, r := range Parse(doc, string(b)) {
			refs = append(refs, r)
			problems = append(problems, checkRef(r, lines(r.Path))...)
		}
	}
	return refs, problems, nil
}

// checkRef checks one reference against the lines of its file (nil: the
// file is missing).
func checkRef(r Ref, lines []string) []Problem {
	bad := func(format string, args ...any) []Problem {
		return []Problem{{Ref: r, Msg: fmt.Sprintf(format, args...)}}
	}
	if lines == nil {
		return bad("file %s does not exist", r.Path)
	}
	if r.Start < 1 || r.End < r.Start {
		return bad("bad line range %d-%d", r.Start, r.End)
	}
	if r.End > len(lines) {
		return bad("line %d is past the end of %s (%d lines)", r.End, r.Path, len(lines))
	}
	if len(r.Names) == 0 {
		return bad("no name: write %s (name), with a name that is on that line: %q",
			r.Text, strings.TrimSpace(lines[r.Start-1]))
	}
	var out []Problem
	for _, n := range r.Names {
		if !nameRE.MatchString(n) {
			out = append(out, Problem{Ref: r, Msg: fmt.Sprintf("%q is not a name (an identifier, ·sym, a.b, lab-start, or label:)", n)})
			continue
		}
		found := false
		for l := r.Start; l <= r.End; l++ {
			if hasWord(lines[l-1], n) {
				found = true
				break
			}
		}
		if found {
			continue
		}
		where := "it is nowhere in the file"
		if at := find(lines, n); len(at) > 0 {
			s := make([]string, len(at))
			for i, l := range at {
				s[i] = fmt.Sprintf("%s:%d", r.Path, l)
			}
			where = "it is at " + strings.Join(s, ", ")
			if r.End > r.Start {
				// The range moved as a block, most likely: keep its length
				// and move it just far enough to reach the occurrence
				// nearest to where it was.
				near := at[0]
				for _, l := range at {
					if abs(l-r.Start) < abs(near-r.Start) {
						near = l
					}
				}
				start := near
				if near > r.End {
					start = near - (r.End - r.Start)
				}
				where += fmt.Sprintf(" (the range was %d lines long: %s:%d-%d?)",
					r.End-r.Start+1, r.Path, start, start+r.End-r.Start)
			}
		}
		span := fmt.Sprintf("line %d", r.Start)
		if r.End > r.Start {
			span = fmt.Sprintf("lines %d-%d", r.Start, r.End)
		}
		out = append(out, Problem{Ref: r, Msg: fmt.Sprintf("%s is not on %s; %s", n, span, where)})
	}
	return out
}

// hasWord reports whether name occurs in line with no letter, digit or "_"
// just before or just after it.
func hasWord(line, name string) bool {
	for off := 0; ; {
		i := strings.Index(line[off:], name)
		if i < 0 {
			return false
		}
		i += off
		j := i + len(name)
		before, _ := utf8.DecodeLastRuneInString(line[:i])
		after, _ := utf8.DecodeRuneInString(line[j:])
		if !isWordRune(before) && (!isWordRune(after) || strings.HasSuffix(name, ":")) {
			return true
		}
		off = i + 1
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// find returns the lines (1-based) where name occurs as a word, those that
// look like its definition first, at most five.
func find(lines []string, name string) []int {
	type hit struct {
		line int
		def  bool
	}
	var hits []hit
	for i, l := range lines {
		if !hasWord(l, name) {
			continue
		}
		hits = append(hits, hit{i + 1, isDefinition(l, name)})
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].def && !hits[b].def })
	var out []int
	for _, h := range hits {
		if len(out) == 5 {
			break
		}
		out = append(out, h.line)
	}
	return out
}

// isDefinition guesses whether line defines name.
func isDefinition(line, name string) bool {
	t := strings.TrimSpace(line)
	n := strings.TrimSuffix(name, ":")
	if i := strings.LastIndex(n, "·"); i >= 0 {
		n = n[i+len("·"):]
	}
	for _, p := range []string{"func " + n + "(", "func " + n + "[", "type " + n + " ", "var " + n + " ", "const " + n + " ",
		"TEXT ·" + n + "(", "TEXT " + n + "(", "DATA ·" + n, "GLOBL ·" + n, n + ":"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	if strings.HasPrefix(t, "func (") && strings.Contains(t, ") "+n+"(") {
		return true
	}
	// A name in a var/const/type block: "\tname = ..." or "\tname Type".
	if strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, "\t\t") && strings.HasPrefix(t, n+" ") {
		return true
	}
	return false
}

// Docs lists the Markdown documents under root, slash-separated and
// relative to it, skipping hidden directories, testdata, bin, vendor and
// node_modules, and any directory whose go.mod declares root's own module:
// a copy of the tree (a lab's student tree made inside it), whose
// references are to its own files.
func Docs(root string) ([]string, error) {
	var docs []string
	module := moduleLine(root)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin" || name == "node_modules" || name == "vendor" ||
				module != "" && moduleLine(path) == module) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".md") {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			docs = append(docs, filepath.ToSlash(rel))
		}
		return nil
	})
	return docs, err
}

// moduleLine returns the module line of dir's go.mod, or "".
func moduleLine(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

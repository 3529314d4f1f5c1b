package doccheck

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDiffLineMap maps lines through a diff with an insertion, a
// replacement and a deletion.
func TestDiffLineMap(t *testing.T) {
	diff := `diff --git a/k.go b/k.go
--- a/k.go
+++ b/k.go
@@ -3,0 +4,2 @@ func Main() {
+	one()
+	two()
@@ -10,2 +12 @@ func Main() {
-	a()
-	b()
+	ab()
@@ -20 +20,0 @@
-	gone()
`
	moved := DiffLineMap(diff)
	for _, tc := range []struct {
		line, want int
		ok         bool
	}{
		{1, 1, true}, {3, 3, true}, {4, 6, true}, {9, 11, true},
		{10, 0, false}, {11, 0, false}, {12, 13, true},
		{19, 20, true}, {20, 0, false}, {21, 21, true},
	} {
		got, ok := moved("k.go", tc.line)
		if got != tc.want || ok != tc.ok {
			t.Errorf("line %d: got %d, %v; want %d, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
	if got, ok := moved("other.go", 7); got != 7 || !ok {
		t.Errorf("an unchanged file's line 7: got %d, %v", got, ok)
	}
}

// TestFix moves a reference whose line moved, leaves a true one alone and
// reports one whose line was edited away.
func TestFix(t *testing.T) {
	root := t.TempDir()
	write := func(path, text string) {
		if err := os.WriteFile(filepath.Join(root, path), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("k.go", "package k\n\nfunc Inserted() {}\n\nfunc Main() {}\n\nfunc Gone2() {}\n")
	write("doc.md", "See k.go:3 (Main), k.go:1 (package), and k.go:5 (Gone).\n")
	// Before the edit k.go was "package k\n\nfunc Main() {}\n\nfunc Gone() {}\n".
	moved := DiffLineMap("--- a/k.go\n+++ b/k.go\n@@ -2,0 +3,2 @@\n@@ -5 +7 @@\n")
	fixed, left, err := Fix(root, []string{"doc.md"}, moved)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(root, "doc.md"))
	if want := "See k.go:5 (Main), k.go:1 (package), and k.go:5 (Gone).\n"; string(b) != want || fixed != 1 || len(left) != 1 {
		t.Errorf("Fix: %d fixed, %d left (%v); doc now %q, want %q", fixed, len(left), left, b, want)
	}
}

package doccheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocs checks every reference in every Markdown document of the
// repository: README.md, docs/*.md, labs/**/*.md and any other *.md outside
// testdata, bin and hidden directories.
func TestDocs(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "go.mod")); err != nil || !strings.Contains(string(b), "module github.com/gobare/gobare\n") {
		t.Fatalf("%s is not the repository root (go.mod: %v)", root, err)
	}
	docs, err := Docs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"README.md", "docs/bootstrap.md", "docs/design.md"} {
		if !contains(docs, want) {
			t.Errorf("%s was not found among the documents %v", want, docs)
		}
	}
	refs, problems, err := Check(root, docs)
	if err != nil {
		t.Fatal(err)
	}
	perDoc := map[string]int{}
	for _, r := range refs {
		perDoc[r.Doc]++
	}
	t.Logf("%d documents, %d references: %v", len(docs), len(refs), perDoc)
	for _, p := range problems {
		t.Error(p)
	}
	if len(problems) > 0 {
		t.Logf("%d of %d references are wrong; the syntax is in internal/doccheck/doccheck.go's package comment. "+
			"References to code that only moved are mended by: go run ./internal/doccheck/docfix (-base main after a rebase onto main)", len(problems), len(refs))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

package tmpfs

import (
	"testing"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// TestBudgetShared: two file systems on one Budget stop at its ceiling
// together (ENOSPC, with pages left in the allocator), and a removed
// file's pages are room again.
func TestBudgetShared(t *testing.T) {
	pages := &fakePages{limit: 1000}
	b := &Budget{Pages: pages}
	var a, c FS
	clk := &clock{t: 1700000000e9}
	b.Max = 1 << 20
	a.Init(b, clk.now)
	c.Init(b, clk.now)
	b.Max = b.Used + 20
	create(t, &a, "f", false)
	create(t, &c, "g", false)
	f := open(t, &a, "f", vfs.WriteOnly)
	g := open(t, &c, "g", vfs.WriteOnly)
	chunk := make([]byte, 8*PageSize)
	written := 0
	for _, w := range []vfs.File{f, g, f, g} {
		n, _ := w.Write(chunk)
		written += n
	}
	if _, err := g.Write(chunk); err != errno.ENOSPC {
		t.Fatalf("a write past the budget = %v, want ENOSPC", err)
	}
	if b.Used != b.Max || pages.inUse >= pages.limit {
		t.Fatalf("budget %d of %d pages used, allocator %d of %d: the budget, not the allocator, should have stopped it", b.Used, b.Max, pages.inUse, pages.limit)
	}
	if written < 14*PageSize {
		t.Fatalf("only %d bytes written under a 20-page budget", written)
	}
	vfs.Put(f)
	if err := a.Unlink([]byte("f"), false); err != 0 {
		t.Fatal(err)
	}
	if _, err := g.Write(make([]byte, PageSize)); err != 0 {
		t.Fatalf("a write after the other file system freed its file = %v", err)
	}
	vfs.Put(g)
}

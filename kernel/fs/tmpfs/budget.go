package tmpfs

// Budget is Pages with a ceiling, as a Linux tmpfs mounted with size=
// (its default is half the RAM): once Max pages are out, Alloc fails and
// a write is ENOSPC, so files cannot take the memory the program needs
// to run. File systems given one Budget share its ceiling.
type Budget struct {
	Pages
	Max  int // pages at most
	Used int // pages out now
}

// Alloc gives a page while fewer than Max are out.
func (b *Budget) Alloc() (uintptr, bool) {
	if b.Used >= b.Max {
		return 0, false
	}
	pg, ok := b.Pages.Alloc()
	if ok {
		b.Used++
	}
	return pg, ok
}

// FreeFrame takes a page back.
func (b *Budget) FreeFrame(pg uintptr) {
	b.Used--
	b.Pages.FreeFrame(pg)
}

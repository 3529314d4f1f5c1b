package fatfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// Directories (FAT spec §6): a chain of clusters holding 32-byte slots.
// A slot whose first byte is 0xE5 is free, one whose first byte is 0
// is free and ends the directory; a long name's entries precede the
// short entry they belong to, in reverse order.

// Fields of a short directory entry (FAT spec §6, DIR_*).
const (
	offAttr      = 11
	offNTRes     = 12
	offCrtTenth  = 13
	offCrtTime   = 14
	offCrtDate   = 16
	offAccDate   = 18
	offClusHi    = 20
	offWrtTime   = 22
	offWrtDate   = 24
	offClusLo    = 26
	offSize      = 28
	slotSize     = 32
	maxDirSlots  = 65536 // FAT spec §6: a directory holds at most 65,536 entries
	attrReadOnly = 0x01
	attrVolumeID = 0x08
	attrDir      = 0x10
	attrArchive  = 0x20
	attrLFN      = 0x0F // ATTR_LONG_NAME: read-only, hidden, system, volume ID
	attrLFNMask  = 0x3F
	freeSlot     = 0xE5
	lastLFN      = 0x40 // LDIR_Ord: the last (first stored) entry of a long name
)

// dentry is a directory entry found by a scan.
type dentry struct {
	off   int64  // where its short entry is on the device (0: the root)
	slot  uint32 // the short entry's slot
	start uint32 // the first slot of its long name (slot when it has none)
	raw   [slotSize]byte
	name  [NameMax + 4]byte
	nlen  int
	match bool // it has the name the scan looks for (scanner.q)
}

func (e *dentry) Name() []byte { return e.name[:e.nlen] }
func (e *dentry) isDir() bool  { return e.raw[offAttr]&attrDir != 0 }

// cluster is an entry's first cluster (0: none).
func (e *dentry) cluster() uint32 { return clusterOf(e.raw[:]) }

func clusterOf(raw []byte) uint32 { return le16(raw, offClusHi)<<16 | le16(raw, offClusLo) }

func setCluster(raw []byte, c uint32) {
	put16(raw, offClusHi, c>>16)
	put16(raw, offClusLo, c)
}

// isDot reports whether a short entry is "." or "..".
func isDot(raw []byte) bool {
	return raw[0] == '.' && (raw[1] == ' ' || raw[1] == '.' && raw[2] == ' ')
}

// modeOf is the st_mode a short entry stands for.
func modeOf(raw []byte) uint32 {
	switch {
	case raw[offAttr]&attrDir != 0:
		return vfs.ModeDir | 0o755
	case raw[offAttr]&attrReadOnly != 0:
		return vfs.ModeRegular | 0o444
	}
	return vfs.ModeRegular | 0o644
}

// slotOff is where slot number slot of the directory cur walks lies;
// ok is false past the directory's end (with grow, the directory is
// extended instead, by zeroed clusters).
func (fs *FS) slotOff(cur *cursor, slot uint32, grow bool) (int64, bool, errno.Errno) {
	idx, at := fs.g.clusterIndex(int64(slot) * slotSize)
	ok, err := fs.seek(cur, idx, false)
	if err == 0 && !ok && grow {
		if ok, err = fs.seek(cur, idx, true); ok {
			err = fs.c.write(nil, int(fs.g.ClusterSize), fs.g.ClusterOffset(cur.clus))
		}
	}
	if err != 0 || !ok {
		return 0, false, err
	}
	return fs.g.ClusterOffset(cur.clus) + at, true, 0
}

// scanner reads a directory's entries in order, putting long names
// together. A long name whose pieces are out of order or whose checksum
// does not match its short entry is ignored (the short name counts), as
// Linux does.
type scanner struct {
	fs    *FS
	cur   cursor
	slot  uint32 // the next slot to read
	units [maxLFNEntries * lfnUnits]uint16
	count uint8 // entries of the long name being read
	want  uint8 // the LDIR_Ord expected next; 0: none
	sum   byte
	start uint32
	done  bool // the long name is complete: its short entry comes next
	// With nn set, the scan also finds where nn's entries fit (the first
	// run of nn.need free slots, or where the directory ends) and
	// whether an entry has nn's short name.
	nn       newName // with useNN (held by value: a pointer in the scanner would move what it points to to the heap)
	useNN    bool
	runStart uint32
	runLen   uint32
	q        query // with useQ, the name looked for; else every entry's name is made
	useQ     bool
}

// scan starts a scanner on the directory at cluster dir, from slot.
func (fs *FS) scan(s *scanner, dir, slot uint32) {
	s.fs, s.cur, s.slot, s.want, s.done, s.useNN, s.runLen, s.useQ = fs, cursor{first: dir}, slot, 0, false, false, 0, false
}

// next returns the next entry; false at the directory's end.
func (s *scanner) next(e *dentry) (bool, errno.Errno) {
	for s.slot < maxDirSlots {
		slot := s.slot
		off, ok, err := s.fs.slotOff(&s.cur, slot, false)
		if err != 0 || !ok {
			s.fit(slot, err == 0)
			return false, err
		}
		b, err := s.fs.c.ref(off, slotSize, false)
		if err != 0 {
			return false, err
		}
		s.slot++
		if b[0] == 0 || b[0] == freeSlot {
			s.free(slot)
		} else {
			s.runLen = 0
		}
		switch {
		case b[0] == 0: // the end: every slot from here on is free
			s.fit(slot, true)
			s.slot = maxDirSlots
			return false, 0
		case b[0] == freeSlot:
			s.want, s.done = 0, false
		case b[offAttr]&attrLFNMask == attrLFN:
			s.longPiece(b, slot)
		case b[offAttr]&attrVolumeID != 0:
			s.want, s.done = 0, false
		default:
			s.entry(e, off, slot, b)
			return true, 0
		}
	}
	return false, 0
}

// entry describes the short entry b at slot, with the long name read
// before it when that one's checksum matches. When the scan looks for
// a name (s.q), the names are compared in the entry's own forms (UTF-16
// units, the 11-byte short name) and only a match is converted to a
// file name: a lookup does not decode every name of the directory.
func (s *scanner) entry(e *dentry, off int64, slot uint32, b []byte) {
	e.off, e.slot, e.start = off, slot, slot
	copy(e.raw[:], b)
	long := s.done && checksum(e.raw[:]) == s.sum
	s.want, s.done = 0, false
	var units []uint16
	if long {
		e.start, units = s.start, s.units[:int(s.count)*lfnUnits]
		for k, u := range units {
			if u == 0 {
				units = units[:k]
				break
			}
		}
	}
	if s.useNN && string(e.raw[:11]) == string(s.nn.short[:]) {
		s.nn.taken = true
	}
	e.nlen, e.match = 0, false
	if s.useQ {
		q := &s.q
		e.match = long && sameUnits(units, q.units[:q.n]) || q.short && string(e.raw[:11]) == string(q.name11[:])
		if !e.match {
			return
		}
	}
	if n, ok := utf16To8(units, &e.name); long && ok {
		e.nlen = n
	} else {
		e.nlen = shortDisplay(e.raw[:], e.name[:])
	}
}

// free counts a free slot towards the run a new name needs.
func (s *scanner) free(slot uint32) {
	if !s.useNN || s.nn.placed {
		return
	}
	if s.runLen == 0 {
		s.runStart = slot
	}
	if s.runLen++; s.runLen == s.nn.need {
		s.nn.start, s.nn.placed = s.runStart, true
	}
}

// fit places the new name, when no run was long enough, at the end of
// the directory — slot end, where the chain or its entries end —
// continuing a run of free slots just before it. (After an error it
// stays unplaced.)
func (s *scanner) fit(end uint32, ok bool) {
	if !s.useNN || s.nn.placed || !ok {
		return
	}
	s.nn.start, s.nn.placed = end, true
	if s.runLen > 0 {
		s.nn.start = s.runStart
	}
}

// longPiece takes one long-name entry.
func (s *scanner) longPiece(b []byte, slot uint32) {
	ord := b[0] & 0x3F
	if b[0]&lastLFN != 0 {
		if ord == 0 || ord > maxLFNEntries {
			s.want, s.done = 0, false
			return
		}
		s.count, s.sum, s.start = ord, b[offCrtTenth], slot // pieces ord..1 fill units[:ord*13]
	} else if s.want == 0 || ord != s.want || b[offCrtTenth] != s.sum {
		s.want, s.done = 0, false
		return
	}
	for k, o := range lfnOffsets {
		s.units[int(ord-1)*lfnUnits+k] = uint16(le16(b, int(o)))
	}
	s.want, s.done = ord-1, ord == 1
}

// find looks name up in the directory at cluster dir, by its long or
// its short name, ignoring ASCII case. With nn (a name about to be
// added), a pass that does not find name also finds where nn's entries
// would go and whether its short name is taken (scanner.nn).
func (fs *FS) find(dir uint32, name []byte, e *dentry, nn *newName) (bool, errno.Errno) {
	var s scanner
	fs.scan(&s, dir, 0)
	s.useQ = true
	if !s.q.init(name) {
		s.q = query{} // no entry can hold name: none matches
	}
	if nn != nil {
		s.nn, s.useNN = *nn, true
	}
	for {
		ok, err := s.next(e)
		if ok && err == 0 && !e.match {
			continue
		}
		if nn != nil {
			*nn = s.nn
		}
		return ok && err == 0, err
	}
}

// query is a name looked for, in the forms directory entries hold: its
// UTF-16 units, folded to upper case, and its short name when it can be
// one (an 8.3 name in any case).
type query struct {
	units  [NameMax]uint16
	n      int
	name11 [11]byte
	short  bool
}

// init prepares name; false when no entry can have it.
func (q *query) init(name []byte) bool {
	n, ok := utf8To16(name, &q.units)
	if !ok || n == 0 {
		return false
	}
	q.n = n
	var up [12]byte
	if len(name) <= len(up) {
		for i, c := range name {
			up[i] = upper(c)
		}
		q.short = exactShort(up[:len(name)], &q.name11)
	}
	return true
}

// sameUnits compares two names in UTF-16, ignoring the case of ASCII
// letters.
func sameUnits(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if upper16(a[i]) != upper16(b[i]) {
			return false
		}
	}
	return true
}

func upper16(u uint16) uint16 {
	if u >= 'a' && u <= 'z' {
		return u - ('a' - 'A')
	}
	return u
}

// rootEntry makes e stand for the root directory.
func (fs *FS) rootEntry(e *dentry) {
	*e = dentry{}
	e.raw[offAttr] = attrDir
	setCluster(e.raw[:], fs.g.RootCluster)
}

// dirCluster is the first cluster of the directory e, checked.
func (fs *FS) dirCluster(e *dentry) (uint32, errno.Errno) {
	c := e.cluster()
	if e.off != 0 && c == 0 {
		c = fs.g.RootCluster // a ".." entry naming the root
	}
	if !fs.g.ValidCluster(c) {
		return 0, errno.EIO
	}
	return c, 0
}

// walk finds what rel names (relative to the root, clean).
func (fs *FS) walk(rel []byte, e *dentry) errno.Errno {
	fs.rootEntry(e)
	for i := 0; i < len(rel); {
		j := i
		for j < len(rel) && rel[j] != '/' {
			j++
		}
		if !e.isDir() {
			return errno.ENOTDIR
		}
		if j-i > NameMax {
			return errno.ENAMETOOLONG
		}
		dir, err := fs.dirCluster(e)
		if err != 0 {
			return err
		}
		found, err := fs.find(dir, rel[i:j], e, nil)
		switch {
		case err != 0:
			return err
		case !found:
			return errno.ENOENT
		}
		i = j + 1
	}
	return 0
}

// parentOf finds the directory holding rel; name is rel's last element.
func (fs *FS) parentOf(rel []byte, e *dentry) (dir uint32, name []byte, err errno.Errno) {
	if err := fs.walk(vfs.RelDir(rel), e); err != 0 {
		return 0, nil, err
	}
	if !e.isDir() {
		return 0, nil, errno.ENOTDIR
	}
	dir, err = fs.dirCluster(e)
	return dir, vfs.RelBase(rel), err
}

// newName is a name about to be added to a directory: its UTF-16 units,
// its short name, and the slots it needs (its long-name entries and the
// short entry); find and place fill in the rest.
type newName struct {
	units  [NameMax]uint16
	n      int
	short  [11]byte
	need   uint32
	taken  bool   // an entry has the short name
	placed bool   // start is known
	start  uint32 // the first of need free slots in a row
}

// init checks name and prepares its entries: a valid upper-case 8.3
// name is its own short name and needs no long name; any other gets a
// long name and a generated short name (makeShort).
func (nn *newName) init(name []byte) errno.Errno {
	if err := checkName(name); err != 0 {
		return err
	}
	n, ok := utf8To16(name, &nn.units)
	if !ok {
		return errno.EINVAL
	}
	nn.n, nn.taken, nn.placed, nn.need = n, false, false, 1
	if !exactShort(name, &nn.short) {
		nn.need += (uint32(n) + lfnUnits - 1) / lfnUnits
		makeShort(name, 0, &nn.short)
	}
	return 0
}

// place writes nn's entries into directory dir — the long name's, then
// the short entry raw (whose name it fills in) — and describes the new
// entry in e. A generated short name that is taken is generated again
// until it is not.
func (fs *FS) place(dir uint32, name []byte, nn *newName, raw *[slotSize]byte, e *dentry) errno.Errno {
	var tmp dentry
	if !nn.placed { // find stopped early: a pass of its own
		if _, err := fs.find(dir, nil, &tmp, nn); err != 0 {
			return err
		}
	}
	for try := uint32(1); nn.taken; try++ {
		if try == 1000 {
			return errno.ENOSPC
		}
		makeShort(name, try, &nn.short)
		nn.taken = false
		var s scanner
		fs.scan(&s, dir, 0)
		for {
			ok, err := s.next(&tmp)
			if err != 0 {
				return err
			}
			if !ok {
				break
			}
			if string(tmp.raw[:11]) == string(nn.short[:]) {
				nn.taken = true
				break
			}
		}
	}
	if !nn.placed || nn.start+nn.need > maxDirSlots {
		return errno.ENOSPC
	}
	copy(raw[:11], nn.short[:])
	raw[offNTRes] = 0
	sum := checksum(raw[:])
	nlfn := nn.need - 1
	cur := cursor{first: dir}
	for k := uint32(0); k <= nlfn; k++ {
		off, _, err := fs.slotOff(&cur, nn.start+k, true)
		if err != 0 {
			return err
		}
		b, err := fs.c.ref(off, slotSize, true)
		if err != 0 {
			return err
		}
		if k == nlfn {
			copy(b, raw[:])
			*e = dentry{off: off, slot: nn.start + k, start: nn.start, raw: *raw}
			e.nlen = copy(e.name[:], name)
			break
		}
		ord := nlfn - k // stored last piece first
		longEntry(b, uint8(ord), ord == nlfn, sum, nn.units[:nn.n])
	}
	return 0
}

// longEntry fills slot b with piece ord (from 1) of a long name.
func longEntry(b []byte, ord uint8, last bool, sum byte, units []uint16) {
	clear(b[:slotSize])
	b[0] = ord
	if last {
		b[0] |= lastLFN
	}
	b[offAttr], b[offCrtTenth] = attrLFN, sum
	for k, o := range lfnOffsets {
		u := uint32(0xFFFF) // padding after the terminating 0
		switch i := int(ord-1)*lfnUnits + k; {
		case i < len(units):
			u = uint32(units[i])
		case i == len(units):
			u = 0
		}
		put16(b, int(o), u)
	}
}

// remove frees an entry's slots, its long name's included.
func (fs *FS) remove(dir uint32, e *dentry) errno.Errno {
	cur := cursor{first: dir}
	for slot := e.start; slot <= e.slot; slot++ {
		off, ok, err := fs.slotOff(&cur, slot, false)
		if err != 0 || !ok {
			return errno.EIO
		}
		b, err := fs.c.ref(off, slotSize, true)
		if err != 0 {
			return err
		}
		b[0] = freeSlot
	}
	return 0
}

// empty reports whether directory dir holds nothing but "." and "..".
func (fs *FS) empty(dir uint32) (bool, errno.Errno) {
	var s scanner
	var e dentry
	fs.scan(&s, dir, 0)
	for {
		ok, err := s.next(&e)
		switch {
		case err != 0:
			return false, err
		case !ok:
			return true, 0
		case !isDot(e.raw[:]):
			return false, 0
		}
	}
}

// parentDir is the cluster of the directory holding dir (its ".."
// entry, slot 1).
func (fs *FS) parentDir(dir uint32) (uint32, errno.Errno) {
	if dir == fs.g.RootCluster {
		return dir, 0
	}
	cur := cursor{first: dir}
	off, ok, err := fs.slotOff(&cur, 1, false)
	if err != 0 || !ok {
		return 0, errno.EIO
	}
	b, err := fs.c.ref(off, slotSize, false)
	if err != 0 {
		return 0, err
	}
	if string(b[:11]) != "..         " {
		return 0, errno.EIO
	}
	c := clusterOf(b)
	if c == 0 {
		return fs.g.RootCluster, 0
	}
	if !fs.g.ValidCluster(c) {
		return 0, errno.EIO
	}
	return c, 0
}

// maxDepth bounds a walk up the ".." entries: deeper is a loop.
const maxDepth = vfs.MaxPath / 2

// within reports whether directory dir is top or below it.
func (fs *FS) within(dir, top uint32) (bool, errno.Errno) {
	for range maxDepth {
		if dir == top {
			return true, 0
		}
		if dir == fs.g.RootCluster {
			return false, 0
		}
		p, err := fs.parentDir(dir)
		if err != 0 {
			return false, err
		}
		dir = p
	}
	return false, errno.EIO
}

// dirPath writes directory dir's path relative to the root into buf,
// from its ".." entries and its parent's entry for it.
func (fs *FS) dirPath(dir uint32, buf []byte) ([]byte, errno.Errno) {
	end := len(buf)
	var e dentry
	for range maxDepth {
		if dir == fs.g.RootCluster {
			return buf[:copy(buf, buf[end:])], 0
		}
		parent, err := fs.parentDir(dir)
		if err != 0 || parent == dir {
			return nil, errno.EIO
		}
		var s scanner
		fs.scan(&s, parent, 0)
		found := false
		for !found {
			ok, err := s.next(&e)
			switch {
			case err != 0:
				return nil, err
			case !ok:
				return nil, errno.ENOENT
			}
			found = e.isDir() && !isDot(e.raw[:]) && e.cluster() == dir
		}
		if end < e.nlen+1 {
			return nil, errno.ENAMETOOLONG
		}
		end -= e.nlen
		copy(buf[end:], e.Name())
		if parent != fs.g.RootCluster {
			end--
			buf[end] = '/'
		}
		dir = parent
	}
	return nil, errno.EIO
}

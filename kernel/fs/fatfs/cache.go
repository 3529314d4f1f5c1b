package fatfs

import "github.com/gobare/gobare/kernel/errno"

// The block cache: the device seen as 4 KiB blocks, of which cacheBlocks
// are kept in pages. Every access to the volume — boot sector, FAT,
// directories, file data — goes through it. A change stays in its page
// (the block is dirty) until the block is evicted to make room or
// Sync writes every dirty block and then flushes the device's own
// cache: that is when data is on the disk (fsync).
//
// A block is found through a hash table of chains; the block to evict is
// chosen by the clock algorithm (a block used since the hand last passed
// it gets a second chance).

// BlockSize is the cache's unit.
const BlockSize = 4096

// cacheBlocks is the number of blocks cached: 4 MiB.
const cacheBlocks = 1024

// maxRun is the most blocks one request to the device moves (128 KiB),
// and readAhead how many a read brings in when they follow the one
// asked for (64 KiB).
const (
	maxRun    = 32
	readAhead = 16
)

// hashSize is the number of hash chains (a power of two).
const hashSize = 2048

// cblock is one cached block. next and the hash heads hold an index
// plus one (0 ends a chain), so that a zeroed cache is empty.
type cblock struct {
	num   int64 // the block's number on the device; -1: none
	page  uintptr
	next  int16
	dirty bool
	used  bool // touched since the clock hand passed
	busy  bool // claimed for a read in progress
}

type cache struct {
	disk   Disk
	pages  Pages
	size   int64 // bytes on the device that may be used
	blocks [cacheBlocks]cblock
	nblk   int // blocks that have pages
	heads  [hashSize]int16
	hand   int
	run    [maxRun]uintptr // the pages of one request
}

// init gives the cache up to cacheBlocks pages; false when not even one
// could be had.
func (c *cache) init(d Disk, p Pages, size int64) bool {
	c.disk, c.pages, c.size = d, p, size
	c.heads = [hashSize]int16{}
	c.nblk = 0
	for c.nblk < cacheBlocks {
		pg, ok := p.Alloc()
		if !ok {
			break
		}
		c.blocks[c.nblk] = cblock{num: -1, page: pg}
		c.nblk++
	}
	return c.nblk > 0
}

func hashOf(num int64) int { return int(uint64(num)*0x9E3779B97F4A7C15>>53) & (hashSize - 1) }

// find returns the index of block num in the cache, or -1.
func (c *cache) find(num int64) int {
	for i := c.heads[hashOf(num)]; i != 0; i = c.blocks[i-1].next {
		if c.blocks[i-1].num == num {
			return int(i - 1)
		}
	}
	return -1
}

// unhash takes block i out of its chain.
func (c *cache) unhash(i int) {
	h := &c.heads[hashOf(c.blocks[i].num)]
	for p := h; *p != 0; p = &c.blocks[*p-1].next {
		if int(*p-1) == i {
			*p = c.blocks[i].next
			return
		}
	}
}

// span is the number of device bytes block num holds (the last block
// of the device may be short).
func (c *cache) span(num int64) uint32 {
	return uint32(min(BlockSize, c.size-num*BlockSize))
}

// writeBack writes block i to the device if it is dirty, with the
// dirty blocks that follow it on the device, in one request.
func (c *cache) writeBack(i int) errno.Errno {
	if !c.blocks[i].dirty {
		return 0
	}
	var idx [maxRun]int
	n := 0
	first := c.blocks[i].num
	for j := i; n < maxRun && j >= 0 && c.blocks[j].dirty; j = c.find(first + int64(n)) {
		idx[n], c.run[n] = j, c.blocks[j].page
		n++
	}
	last := first + int64(n) - 1
	bytes := uint32(n-1)*BlockSize + c.span(last)
	if err := c.disk.Write(uint64(first*BlockSize/512), c.run[:n], bytes); err != 0 {
		return errno.EIO
	}
	for _, j := range idx[:n] {
		c.blocks[j].dirty = false
	}
	return 0
}

// block returns the page holding block num, read from the device unless
// fill is false (the caller overwrites all of it). A block read from the
// device brings the blocks after it that are not cached (up to
// readAhead of them) in the same request: sequential reads then cost a
// request per 64 KiB, not per block.
func (c *cache) block(num int64, fill bool) ([]byte, int, errno.Errno) {
	if num < 0 || num*BlockSize >= c.size {
		return nil, 0, errno.EIO
	}
	if i := c.find(num); i >= 0 {
		c.blocks[i].used = true
		return c.pages.Page(c.blocks[i].page), i, 0
	}
	n := 1
	if fill {
		for n < min(readAhead, c.nblk/4) && (num+int64(n))*BlockSize < c.size && c.find(num+int64(n)) < 0 {
			n++
		}
	}
	var idx [maxRun]int
	for k := 0; k < n; k++ {
		i, err := c.claim() // may write back, which uses c.run
		if err != 0 {
			c.drop(idx[:k])
			return nil, 0, err
		}
		idx[k] = i
	}
	for k, i := range idx[:n] {
		c.run[k] = c.blocks[i].page
	}
	if fill {
		bytes := uint32(n-1)*BlockSize + c.span(num+int64(n)-1)
		if err := c.disk.Read(uint64(num*BlockSize/512), c.run[:n], bytes); err != 0 {
			c.drop(idx[:n])
			return nil, 0, errno.EIO
		}
	} else {
		clear(c.pages.Page(c.blocks[idx[0]].page))
	}
	for k, i := range idx[:n] {
		b := &c.blocks[i]
		b.num, b.used, b.busy = num+int64(k), k == 0, false
		h := &c.heads[hashOf(b.num)]
		b.next, *h = *h, int16(i+1)
	}
	return c.pages.Page(c.blocks[idx[0]].page), idx[0], 0
}

// claim takes a block to reuse (written back first if dirty) out of the
// cache, and marks it busy until block puts it back.
func (c *cache) claim() (int, errno.Errno) {
	i := c.victim()
	if err := c.writeBack(i); err != 0 {
		return 0, err
	}
	b := &c.blocks[i]
	if b.num >= 0 {
		c.unhash(i)
		b.num = -1
	}
	b.busy = true
	return i, 0
}

// drop gives claimed blocks back empty.
func (c *cache) drop(idx []int) {
	for _, i := range idx {
		c.blocks[i].busy = false
	}
}

// victim picks the block to reuse: the clock hand's next block that was
// not used since it last passed (an empty one at once), never a busy one.
func (c *cache) victim() int {
	for {
		i := c.hand
		if c.hand++; c.hand == c.nblk {
			c.hand = 0
		}
		b := &c.blocks[i]
		switch {
		case b.busy:
		case !b.used || b.num < 0:
			return i
		default:
			b.used = false
		}
	}
}

// ref returns n bytes at device offset off, which must lie in one block,
// to read or (write) to change. The slice is valid until the next call
// into the cache.
func (c *cache) ref(off int64, n int, write bool) ([]byte, errno.Errno) {
	num, at := off/BlockSize, int(off%BlockSize)
	if off < 0 || at+n > BlockSize {
		return nil, errno.EIO
	}
	page, i, err := c.block(num, true)
	if err != 0 {
		return nil, err
	}
	if write {
		c.blocks[i].dirty = true
	}
	return page[at : at+n], 0
}

// read copies len(p) bytes at off into p.
func (c *cache) read(p []byte, off int64) errno.Errno {
	for len(p) > 0 {
		at := int(off % BlockSize)
		page, _, err := c.block(off/BlockSize, true)
		if err != 0 {
			return err
		}
		k := copy(p, page[at:])
		p, off = p[k:], off+int64(k)
	}
	return 0
}

// write copies p to off; with p nil it writes n zero bytes instead. A
// block the write covers whole is not read first.
func (c *cache) write(p []byte, n int, off int64) errno.Errno {
	if p != nil {
		n = len(p)
	}
	for n > 0 {
		at := int(off % BlockSize)
		k := min(n, BlockSize-at)
		page, i, err := c.block(off/BlockSize, k < BlockSize)
		if err != 0 {
			return err
		}
		if p != nil {
			copy(page[at:], p[:k])
			p = p[k:]
		} else {
			clear(page[at : at+k])
		}
		c.blocks[i].dirty = true
		n, off = n-k, off+int64(k)
	}
	return 0
}

// sync writes every dirty block, then flushes the device.
func (c *cache) sync() errno.Errno {
	for i := 0; i < c.nblk; i++ {
		if err := c.writeBack(i); err != 0 {
			return err
		}
	}
	if c.disk.Flush() != 0 {
		return errno.EIO
	}
	return 0
}

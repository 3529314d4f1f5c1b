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
}

type cache struct {
	disk   Disk
	pages  Pages
	size   int64 // bytes on the device that may be used
	blocks [cacheBlocks]cblock
	nblk   int // blocks that have pages
	heads  [hashSize]int16
	hand   int
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

// writeBack writes block i to the device if it is dirty.
func (c *cache) writeBack(i int) errno.Errno {
	b := &c.blocks[i]
	if !b.dirty {
		return 0
	}
	if err := c.disk.Write(uint64(b.num*BlockSize/512), b.page, c.span(b.num)); err != 0 {
		return errno.EIO
	}
	b.dirty = false
	return 0
}

// block returns the page holding block num, read from the device unless
// fill is false (the caller overwrites all of it).
func (c *cache) block(num int64, fill bool) ([]byte, int, errno.Errno) {
	if num < 0 || num*BlockSize >= c.size {
		return nil, 0, errno.EIO
	}
	if i := c.find(num); i >= 0 {
		c.blocks[i].used = true
		return c.pages.Page(c.blocks[i].page), i, 0
	}
	i := c.victim()
	if err := c.writeBack(i); err != 0 {
		return nil, 0, err
	}
	b := &c.blocks[i]
	if b.num >= 0 {
		c.unhash(i)
		b.num = -1
	}
	page := c.pages.Page(b.page)
	if fill {
		if err := c.disk.Read(uint64(num*BlockSize/512), b.page, c.span(num)); err != 0 {
			return nil, 0, errno.EIO
		}
	} else {
		clear(page)
	}
	b.num, b.used = num, true
	h := &c.heads[hashOf(num)]
	b.next, *h = *h, int16(i+1)
	return page, i, 0
}

// victim picks the block to reuse: the clock hand's next block that was
// not used since it last passed.
func (c *cache) victim() int {
	for {
		i := c.hand
		if c.hand++; c.hand == c.nblk {
			c.hand = 0
		}
		if !c.blocks[i].used || c.blocks[i].num < 0 {
			return i
		}
		c.blocks[i].used = false
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

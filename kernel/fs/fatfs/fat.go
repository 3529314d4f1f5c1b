package fatfs

import "github.com/gobare/gobare/kernel/errno"

// The file allocation table (FAT spec §4): entry c holds the cluster
// after c in its chain, 0 for a free cluster, or an end-of-chain mark.
// Entries are 32 bits of which the low 28 count; the high 4 are kept as
// they were.

const (
	entryMask  = 0x0FFFFFFF
	endOfChain = 0x0FFFFFFF // what is written at a chain's end
	endMin     = 0x0FFFFFF8 // this and above end a chain
)

// entryOff is where cluster c's entry lies in FAT number n.
func (fs *FS) entryOff(c, n uint32) int64 {
	return fs.g.FATStart + int64(n)*fs.g.FATSize + int64(c)*4
}

// entry reads cluster c's FAT entry.
func (fs *FS) entry(c uint32) (uint32, errno.Errno) {
	if !fs.g.ValidCluster(c) {
		return 0, errno.EIO
	}
	b, err := fs.c.ref(fs.entryOff(c, fs.g.ActiveFAT), 4, false)
	if err != 0 {
		return 0, err
	}
	return le32(b, 0) & entryMask, 0
}

// next returns the cluster after c in its chain, or 0 at the chain's
// end. A free, bad or out-of-range entry inside a chain is EIO.
func (fs *FS) next(c uint32) (uint32, errno.Errno) {
	v, err := fs.entry(c)
	switch {
	case err != 0:
		return 0, err
	case v >= endMin:
		return 0, 0
	case !fs.g.ValidCluster(v):
		return 0, errno.EIO
	}
	return v, 0
}

// setEntry writes v into cluster c's entry, in every FAT when they are
// mirrored.
func (fs *FS) setEntry(c, v uint32) errno.Errno {
	if !fs.g.ValidCluster(c) {
		return errno.EIO
	}
	if err := fs.changing(); err != 0 {
		return err
	}
	for n := uint32(0); n < fs.g.NumFATs; n++ {
		if !fs.g.Mirrored && n != fs.g.ActiveFAT {
			continue
		}
		b, err := fs.c.ref(fs.entryOff(c, n), 4, true)
		if err != 0 {
			return err
		}
		put32(b, 0, le32(b, 0)&^entryMask|v)
	}
	if v == 0 {
		fs.full = false
		fs.hint = min(fs.hint, c)
	}
	return 0
}

// alloc takes a free cluster and marks it the end of a chain; ENOSPC
// when there is none. The search goes on from where the last one
// stopped and goes round the FAT once.
func (fs *FS) alloc() (uint32, errno.Errno) {
	if fs.full {
		return 0, errno.ENOSPC
	}
	c := fs.hint
	for range fs.g.Clusters {
		if !fs.g.ValidCluster(c) {
			c = 2
		}
		v, err := fs.entry(c)
		if err != 0 {
			return 0, err
		}
		if v == 0 {
			if err := fs.setEntry(c, endOfChain); err != 0 {
				return 0, err
			}
			fs.hint = c + 1
			return c, 0
		}
		c++
	}
	fs.full = true
	return 0, errno.ENOSPC
}

// freeChain frees the chain that starts at c (0: none). A chain longer
// than the volume has clusters loops: the walk stops with EIO.
func (fs *FS) freeChain(c uint32) errno.Errno {
	for range fs.g.Clusters {
		if c == 0 {
			return 0
		}
		n, err := fs.next(c)
		if err != 0 {
			return err
		}
		if err := fs.setEntry(c, 0); err != 0 {
			return err
		}
		c = n
	}
	return errno.EIO
}

// cursor walks a chain: cluster number clus is the idx-th (from 0) of
// the chain that starts at first. It is kept between calls, so that a
// sequential walk reads each FAT entry once.
type cursor struct {
	first, idx, clus uint32
}

// seek moves the cursor to the idx-th cluster of its chain. With grow,
// a chain that is too short is extended with newly allocated clusters
// (which the caller fills); setFirst then records a first cluster when
// the chain was empty. ok is false when the chain ends before idx.
func (fs *FS) seek(cur *cursor, idx uint32, grow bool) (ok bool, err errno.Errno) {
	if cur.first == 0 {
		if !grow {
			return false, 0
		}
		c, err := fs.alloc()
		if err != 0 {
			return false, err
		}
		*cur = cursor{first: c, clus: c}
	}
	if cur.clus == 0 || idx < cur.idx {
		cur.idx, cur.clus = 0, cur.first
	}
	if idx >= fs.g.Clusters {
		return false, errno.EFBIG
	}
	for cur.idx < idx {
		n, err := fs.next(cur.clus)
		if err != 0 {
			return false, err
		}
		if n == 0 {
			if !grow {
				return false, 0
			}
			if n, err = fs.alloc(); err != 0 {
				return false, err
			}
			if err = fs.setEntry(cur.clus, n); err != 0 {
				return false, err
			}
		}
		cur.idx++
		cur.clus = n
	}
	return true, 0
}

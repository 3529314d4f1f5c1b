package fatfs

// The boot sector's BIOS parameter block (Microsoft's "FAT: General
// Overview of On-Disk Format" 1.03, §3.1-3.3, "FAT spec" below) says
// where everything is. Every field is checked before it is used: a
// boot sector that does not describe a FAT32 volume which fits on the
// device is refused with the reason.

// Geometry is a FAT32 volume's layout, in bytes from the device's start.
type Geometry struct {
	SectorSize  uint32 // BPB_BytsPerSec
	ClusterSize uint32 // BPB_SecPerClus × BPB_BytsPerSec, a power of two
	ClusterBits uint32 // log2(ClusterSize): the kernel divides by shifting
	FATStart    int64  // the first FAT (after BPB_RsvdSecCnt sectors)
	FATSize     int64  // bytes per FAT (BPB_FATSz32 sectors)
	NumFATs     uint32 // BPB_NumFATs
	ActiveFAT   uint32 // the FAT that counts when mirroring is off
	Mirrored    bool   // every FAT is written (BPB_ExtFlags bit 7 clear)
	DataStart   int64  // cluster 2
	Clusters    uint32 // data clusters: valid numbers are 2 to Clusters+1
	RootCluster uint32 // BPB_RootClus
	FSInfo      int64  // the FSInfo sector (0: none)
	Size        int64  // bytes the volume covers (BPB_TotSec × sector size)
}

// maxClusters is the most clusters a FAT32 volume has (FAT spec §3.5:
// cluster numbers are 28 bits, 0x0FFFFFF7 and up are reserved).
const maxClusters = 0x0FFFFFF5 - 2

// le16 and le32 read little-endian fields.
func le16(b []byte, off int) uint32 { return uint32(b[off]) | uint32(b[off+1])<<8 }
func le32(b []byte, off int) uint32 { return le16(b, off) | le16(b, off+2)<<16 }

func put16(b []byte, off int, v uint32) { b[off], b[off+1] = byte(v), byte(v>>8) }
func put32(b []byte, off int, v uint32) { put16(b, off, v); put16(b, off+2, v>>16) }

// ParseBPB reads the boot sector b (at least 512 bytes) of a device of
// deviceBytes bytes. why is "" when it describes a FAT32 volume, else
// the reason it cannot be used. Like Linux, a volume is FAT32 when its
// BPB_FATSz16 is 0, whatever its number of clusters.
func ParseBPB(b []byte, deviceBytes int64) (g Geometry, why string) {
	if len(b) < 512 {
		return g, "the boot sector is short"
	}
	if b[510] != 0x55 || b[511] != 0xAA {
		return g, "no boot signature 55 AA"
	}
	bps := le16(b, 11) // BPB_BytsPerSec
	if bps != 512 && bps != 1024 && bps != 2048 && bps != 4096 {
		return g, "bad bytes per sector"
	}
	spc := uint32(b[13]) // BPB_SecPerClus
	if spc == 0 || spc&(spc-1) != 0 || bps*spc > 64<<10 {
		return g, "bad sectors per cluster"
	}
	reserved := uint64(le16(b, 14)) // BPB_RsvdSecCnt
	nfats := uint32(b[16])          // BPB_NumFATs
	total := uint64(le16(b, 19))    // BPB_TotSec16, else BPB_TotSec32
	if total == 0 {
		total = uint64(le32(b, 32))
	}
	fatSize := uint64(le32(b, 36)) // BPB_FATSz32
	ext := le16(b, 40)             // BPB_ExtFlags
	switch {
	case reserved == 0:
		return g, "no reserved sectors"
	case nfats == 0 || nfats > 4:
		return g, "bad number of FATs"
	case le16(b, 17) != 0 || le16(b, 22) != 0: // BPB_RootEntCnt, BPB_FATSz16
		return g, "not FAT32 (a FAT12 or FAT16 volume)"
	case le16(b, 42) != 0: // BPB_FSVer
		return g, "unknown FAT32 version"
	case fatSize == 0:
		return g, "no FAT"
	case total*uint64(bps) > uint64(deviceBytes):
		return g, "the volume is larger than the device"
	}
	dataStart := reserved + uint64(nfats)*fatSize
	if dataStart >= total {
		return g, "no room for data"
	}
	clusters := (total - dataStart) / uint64(spc)
	clusters = min(clusters, maxClusters, fatSize*uint64(bps)/4-2) // what the FAT can hold
	root := le32(b, 44)                                            // BPB_RootClus
	switch {
	case clusters == 0:
		return g, "no clusters"
	case root < 2 || uint64(root) >= clusters+2:
		return g, "the root directory's cluster is out of range"
	case ext&0x80 != 0 && ext&0xF >= nfats:
		return g, "the active FAT does not exist"
	}
	g = Geometry{
		SectorSize:  bps,
		ClusterSize: bps * spc,
		FATStart:    int64(reserved) * int64(bps),
		FATSize:     int64(fatSize) * int64(bps),
		NumFATs:     nfats,
		Mirrored:    ext&0x80 == 0,
		DataStart:   int64(dataStart) * int64(bps),
		Clusters:    uint32(clusters),
		RootCluster: root,
		Size:        int64(total) * int64(bps),
	}
	for 1<<g.ClusterBits < g.ClusterSize {
		g.ClusterBits++
	}
	if !g.Mirrored {
		g.ActiveFAT = ext & 0xF
	}
	if fsi := uint64(le16(b, 48)); fsi > 0 && fsi < reserved { // BPB_FSInfo
		g.FSInfo = int64(fsi) * int64(bps)
	}
	return g, ""
}

// ClusterOffset is where cluster c (2 to Clusters+1) starts.
func (g *Geometry) ClusterOffset(c uint32) int64 {
	return g.DataStart + int64(c-2)<<g.ClusterBits
}

// clusterIndex is which cluster of a file byte off is in, and where in it.
func (g *Geometry) clusterIndex(off int64) (idx uint32, at int64) {
	return uint32(off >> g.ClusterBits), off & int64(g.ClusterSize-1)
}

// ValidCluster reports whether c names a data cluster.
func (g *Geometry) ValidCluster(c uint32) bool { return c >= 2 && c-2 < g.Clusters }

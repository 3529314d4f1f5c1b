package vfs

import "unsafe"

// NameBytes returns the bytes of s without copying: a file system's fixed
// names are strings, and a Dirent's name or a Node's link is a slice that
// no one writes through. (A conversion would allocate; unsafe.Slice
// checks its length through the runtime.)
func NameBytes(s string) []byte {
	type slice struct {
		data      *byte
		len, cap_ int
	}
	h := slice{unsafe.StringData(s), len(s), len(s)}
	return *(*[]byte)(unsafe.Pointer(&h))
}

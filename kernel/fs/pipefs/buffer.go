package pipefs

import "github.com/gobare/gobare/kernel/vfs"

// Buffer is a ring of Size bytes over Size/PageSize pages, which it takes
// from the frame allocator the first time it is used (Take) and keeps for
// its later users: memory grows with the most buffers in use at once, and
// the kernel image carries none. Pipes hold one; so does each AF_UNIX
// socket (kernel/fs/unixsock), for the bytes queued to it.
type Buffer struct {
	frames    [Size / PageSize]uintptr // 0: not taken yet
	head, len int
}

// Take gives the buffer its pages unless it has them already, and empties
// it; false, with none kept, when the allocator runs out.
func (b *Buffer) Take() bool {
	b.head, b.len = 0, 0
	return vfs.TakeFrames(pages, b.frames[:])
}

// Len is how many bytes are queued, Room how many more fit.
func (b *Buffer) Len() int  { return b.len }
func (b *Buffer) Room() int { return Size - b.len }

// at returns the buffer from offset off (taken modulo Size) to the end of
// its page.
func (b *Buffer) at(off int) []byte {
	off %= Size
	return pages.Page(b.frames[off/PageSize])[off%PageSize:]
}

// Peek fills p from the queued bytes, starting off bytes past the first,
// wrapping around; the caller keeps off+len(p) within Len.
func (b *Buffer) Peek(p []byte, off int) {
	for n := 0; n < len(p); {
		n += copy(p[n:], b.at(b.head+off+n))
	}
}

// Discard drops the first n queued bytes (n at most Len).
func (b *Buffer) Discard(n int) {
	b.head = (b.head + n) % Size
	b.len -= n
}

// Put copies p into the room after the queued bytes, off bytes in,
// without queueing it yet (Queue does): a message is written in pieces
// and queued whole. off+len(p) must be at most Room.
func (b *Buffer) Put(off int, p []byte) {
	for n := 0; n < len(p); {
		n += copy(b.at(b.head+b.len+off+n), p[n:])
	}
}

// Queue adds the first n bytes of the room, written by Put, to the queue.
func (b *Buffer) Queue(n int) { b.len += n }

// Append queues p, which must fit (len(p) at most Room).
func (b *Buffer) Append(p []byte) {
	b.Put(0, p)
	b.Queue(len(p))
}

// Read moves up to len(p) queued bytes into p and returns how many.
func (b *Buffer) Read(p []byte) int {
	k := min(len(p), b.len)
	b.Peek(p[:k], 0)
	b.Discard(k)
	return k
}

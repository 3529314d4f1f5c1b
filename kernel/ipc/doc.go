// Package ipc owns the kernel objects threads wait and signal through that
// are not files of a file system: futexes (a wait queue per 32-bit word of
// program memory), eventfds (a counter as a file) and epoll instances (a
// file that reports which of the files it watches are ready). The Go
// runtime uses all three: futexes for its locks and notes, an eventfd and
// epoll for its network poller, which is also how idle threads sleep until
// their next timer.
package ipc

package linux

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/fs/sockfs"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/timer"
)

// Lingering at exit. On Linux a program's close(2) of a socket returns at
// once and the kernel sends what is queued after the program is gone; here
// the machine stops when the program ends, so bytes still in a send ring,
// or sent but not yet acknowledged, would be lost. exit_group therefore
// ends the program's other threads and closes its descriptors, then waits
// until the network service says every closed socket is done
// (sockfs.Lingering: its FIN acknowledged, or the connection gone), and
// only then stops the machine. The wait ends early once lingerMax passes
// with the service silent about them (sockfs.Reports: no bytes moved, no
// endpoint closed, no socket done): a peer that stopped reading cannot
// hold the machine up, while a server that exits holding 1,000
// connections, whose last answers and FINs take the service longer than
// that on a slow machine, has them all delivered. A peer that keeps
// reading, slowly, keeps the service reporting; the wait therefore also
// ends lingerCap after exit_group whatever moves. Linux keeps an orphaned
// socket sending for as long as its peer takes, but bounds the one wait
// on the peer it does time, FIN-WAIT-2, by tcp_fin_timeout (60 s,
// TCP_FIN_TIMEOUT); the machine stays on that long at most for bytes in
// flight (docs/design.md, Networking).

const (
	// lingerMax is how long the wait goes on with the service silent.
	lingerMax = 5e9 // ns
	// lingerCap is how long the wait goes on at all.
	lingerCap = 60e9 // ns
)

var (
	// lingerUntil is the wait's deadline, 0 before the program's
	// exit_group; lingerReports, sockfs.Reports when it was set;
	// lingerEnd, lingerCap after exit_group.
	lingerUntil   int64
	lingerReports uint64
	lingerEnd     int64
)

// exitGroupNr is exit_group's number: the thread runs the call again when
// the deadline passes.
const exitGroupNr = 231

// lingerAtExit starts or continues the program's wait at exit; false when
// the machine may stop now.
func lingerAtExit(c call) bool {
	now := timer.Nanotime()
	if lingerUntil == 0 {
		if !sockfs.Open() {
			return false
		}
		sched.EndProcess(c.t.Proc, c.t)
		FDs.CloseAll() // each socket's Release tells the service
		lingerUntil, lingerEnd = now+lingerMax, now+lingerCap
		sockfs.Closing()
	}
	left := sockfs.Lingering()
	if left == 0 {
		return false
	}
	if now >= lingerEnd {
		lingerGiveUp(left, " closed sockets still sending after 60 s: the machine stops without their last bytes\n")
		return false
	}
	if now >= lingerUntil {
		if sockfs.Reports() == lingerReports {
			lingerGiveUp(left, " closed sockets still sending, nothing moved for 5 s: the machine stops without their last bytes\n")
			return false
		}
		lingerUntil, lingerReports = min(now+lingerMax, lingerEnd), sockfs.Reports() // wait on
	}
	if c.retry {
		c.t.WaitKey = sockfs.ClosingKey()
		return true
	}
	// At the deadline the wait ends with exitGroupNr in RAX, and the
	// thread, back at its syscall instruction (2 bytes, 0f 05), makes
	// the call afresh, which waits on or stops the machine.
	c.f.RIP -= 2
	sched.Block(c.f, sockfs.ClosingKey(), lingerUntil, exitGroupNr, c.again)
	return true
}

// lingerGiveUp says that the wait at exit ends with left sockets still
// sending, and why.
func lingerGiveUp(left int, why string) {
	console.Print("gobare: exit: ")
	console.Dec(uint64(left))
	console.Print(why)
}

package sockfs

import (
	"encoding/binary"
	"testing"

	"github.com/gobare/gobare/kernel/errno"
)

// serve plays the network service for one request: it reads it and
// answers it with e, reporting the operation it read.
func serve(t *testing.T, e errno.Errno) uint32 {
	t.Helper()
	m := make([]byte, MsgSize)
	if !takeRequest(m) {
		t.Fatal("no request queued")
	}
	op := binary.LittleEndian.Uint32(m[MsgOp:])
	binary.LittleEndian.PutUint32(m[MsgKind:], KindAnswer)
	binary.LittleEndian.PutUint32(m[MsgOp:], uint32(e))
	if !answer(m) {
		t.Fatal("answer refused")
	}
	return op
}

// TestAskAnswerIsTheCallsOwn: a call that starts never takes the answer
// an earlier identical call left (as a UDP connect did, returning
// EISCONN from its retry: the next TCP connect of the thread on the same
// slot then returned 0 without connecting); its retry takes its own.
func TestAskAnswerIsTheCallsOwn(t *testing.T) {
	f := fresh(t)
	requests = [MaxRequests]request{}
	var a Reply
	if Ask(0, false, OpConnect, f, 0, nil, &a) {
		t.Fatal("a first call was answered at once")
	}
	serve(t, 0) // the first call ends another way: its answer stays
	if Ask(0, false, OpConnect, f, 0, nil, &a) {
		t.Fatalf("a new call took the earlier call's answer (%v)", a.Err)
	}
	if Ask(0, true, OpConnect, f, 0, nil, &a) {
		t.Fatal("a retry was answered before the service answered")
	}
	if op := serve(t, errno.EINPROGRESS); op != OpConnect {
		t.Fatalf("the service read op %d, want OpConnect", op)
	}
	if !Ask(0, true, OpConnect, f, 0, nil, &a) || a.Err != errno.EINPROGRESS {
		t.Fatalf("the retry's answer: %v, want EINPROGRESS", a.Err)
	}
}

// TestAskLateAnswerRefused: the answer to a request a new call replaced
// is refused.
func TestAskLateAnswerRefused(t *testing.T) {
	f := fresh(t)
	requests = [MaxRequests]request{}
	var a Reply
	Ask(0, false, OpName, f, 1, nil, &a)
	old := make([]byte, MsgSize)
	if !takeRequest(old) {
		t.Fatal("no request queued")
	}
	Ask(0, false, OpName, f, 1, nil, &a) // the thread's next call
	if answer(old) {
		t.Fatal("the replaced request's answer was taken")
	}
}

// TestAbandon: an accept that ends without taking its answer closes the
// connection the answer made at the service, and only drops a socket
// whose request failed.
func TestAbandon(t *testing.T) {
	l := fresh(t)
	requests = [MaxRequests]request{}
	for _, e := range []errno.Errno{0, errno.EAGAIN} {
		n, err := New(2, 1, 0)
		if err != 0 {
			t.Fatal(err)
		}
		var a Reply
		Ask(0, false, OpAccept, l, uint32(n.Index()), nil, &a)
		serve(t, e)
		Abandon(0, n)
		if requests[0].state != reqIdle {
			t.Fatalf("answer %v: the request stays (state %d)", e, requests[0].state)
		}
		i := n.Index()
		told := news[i/64]&(1<<(i%64)) != 0
		gone := n.State()&Gone != 0
		if e == 0 && (gone || !told) {
			t.Fatalf("answer %v: the made connection was not handed to the service to close (gone %v, news %v)", e, gone, told)
		}
		if e != 0 && !gone {
			t.Fatalf("answer %v: the socket was not dropped", e)
		}
	}
}

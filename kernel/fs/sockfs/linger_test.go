package sockfs

import (
	"testing"

	"github.com/gobare/gobare/kernel/vfs"
)

// TestLingering: a socket the service never heard of neither is open
// nor lingers; one it serves is open, and once closed lingers until the
// service sets Gone and says so (a Changed record while the program's
// end waits).
func TestLingering(t *testing.T) {
	f := fresh(t)
	if Open() || Lingering() != 0 {
		t.Fatal("a socket the service never heard of is open or lingers")
	}
	f.s.asked = true // as after a request
	setWord(f, stateOff, Connected)
	if !Open() || Lingering() != 0 {
		t.Fatalf("a served socket: open %v, lingering %v; want open only", Open(), Lingering())
	}
	vfs.Put(f)
	if Lingering() != 1 {
		t.Fatal("a closed socket the service still holds does not linger")
	}
	Closing()
	changed := make([]byte, MsgSize)
	changed[MsgKind] = KindChanged
	setWord(f, stateOff, Connected|Gone)
	if n, err := control.Write(changed); n != MsgSize || err != 0 {
		t.Fatalf("Changed record: %d, %v", n, err)
	}
	if Open() || Lingering() != 0 {
		t.Fatal("a Gone socket is open or lingers")
	}
	closing = false
}

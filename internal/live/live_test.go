package live

import (
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

func receive(t *testing.T, s *Subscription) Change {
	t.Helper()
	select {
	case c, ok := <-s.C:
		if !ok {
			t.Fatal("the subscription ended")
		}
		return c
	case <-time.After(time.Second):
		t.Fatal("no change arrived")
	}
	return Change{}
}

func TestSubscribersGetWhatTheyWant(t *testing.T) {
	b := NewBroker()
	all := b.Subscribe(nil)
	one := b.Subscribe(func(c Change) bool { return c.ID == "c1" })
	b.Publish(Change{Kind: KindCase, ID: "c2", Revision: 3})
	b.Publish(Change{Kind: KindCase, ID: "c1", Revision: 7, Type: "CaseClaimed"})
	if got := receive(t, all); got.ID != "c2" {
		t.Errorf("all: first got %s, want c2", got.ID)
	}
	if got := receive(t, all); got.ID != "c1" {
		t.Errorf("all: second got %s, want c1", got.ID)
	}
	if got := receive(t, one); got.ID != "c1" || got.Revision != 7 || got.Type != "CaseClaimed" {
		t.Errorf("one: got %+v", got)
	}
	select {
	case c := <-one.C:
		t.Errorf("one got a change it did not want: %+v", c)
	default:
	}
	one.Close()
	one.Close() // twice is fine
	if _, ok := <-one.C; ok {
		t.Error("a closed subscription's channel is open")
	}
	if n := b.Subscribers(); n != 1 {
		t.Errorf("subscribers: got %d, want 1", n)
	}
}

// A reader that is behind never holds the projection up: it misses
// changes and is told so.
func TestSlowReaderMissesAndIsTold(t *testing.T) {
	b := NewBroker()
	s := b.Subscribe(nil)
	done := make(chan struct{})
	go func() {
		for i := range Buffer + 10 {
			b.Publish(Change{Kind: KindCase, ID: "c", Revision: uint64(i)})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Publish blocked on a slow reader")
	}
	if !s.Missed() {
		t.Error("the slow reader was not told it missed changes")
	}
	if s.Missed() {
		t.Error("Missed did not forget after it was read")
	}
	if got := receive(t, s); got.Revision != 0 {
		t.Errorf("the first buffered change has revision %d, want 0", got.Revision)
	}
}

func TestCloseEndsEverySubscription(t *testing.T) {
	b := NewBroker()
	s := b.Subscribe(nil)
	b.Close()
	if _, ok := <-s.C; ok {
		t.Error("the subscription is still open after the broker closed")
	}
	late := b.Subscribe(nil)
	if _, ok := <-late.C; ok {
		t.Error("a subscription after Close is open")
	}
	b.Publish(Change{}) // no panic on closed channels
}

func TestVisibleTo(t *testing.T) {
	c := helpdesk.NewCase()
	c.ID, c.Reporter = "c1", "ola"
	ola := helpdesk.Actor{Username: "ola", Roles: []helpdesk.Role{helpdesk.RoleEmployee}}
	eva := helpdesk.Actor{Username: "eva", Roles: []helpdesk.Role{helpdesk.RoleEmployee}}
	per := helpdesk.Actor{Username: "per", Roles: []helpdesk.Role{helpdesk.RoleEmployee, helpdesk.RoleCaseworker}}
	siri := helpdesk.Actor{Username: "siri", Roles: []helpdesk.Role{helpdesk.RoleAuditor}}
	public := Change{Kind: KindCase, ID: "c1", Case: &c}
	internal := public
	internal.Internal = true
	for _, tt := range []struct {
		who  helpdesk.Actor
		c    Change
		want bool
	}{
		{ola, public, true},
		{eva, public, false},
		{per, public, true},
		{ola, internal, false},
		{per, internal, true},
		{siri, internal, true},
		{eva, Change{Kind: KindAnnouncement, ID: "a1"}, true},
		{per, Change{Kind: KindCase, ID: "c9"}, false}, // no case: nobody
	} {
		if got := tt.c.VisibleTo(tt.who); got != tt.want {
			t.Errorf("%s, internal=%v, kind %s: got %v, want %v", tt.who.Username, tt.c.Internal, tt.c.Kind, got, tt.want)
		}
	}
}

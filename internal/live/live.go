// Package live tells whoever follows the help desk as it happens (the web
// pages' server-sent events) that a case or an announcement changed: the
// projection publishes each change once it is committed to the read
// model, so a page that reloads on the news reads what it was told of.
// It works inside one process; it never blocks the projection.
package live

import (
	"sync"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Kinds of thing that change.
const (
	KindCase         = "case"
	KindAnnouncement = "announcement"
)

// Change is one event as the read model now has it.
type Change struct {
	// Kind is KindCase or KindAnnouncement; ID the case's or the
	// announcement's ID and Reference its reference (BH-2026-000042).
	Kind, ID, Reference string
	// Title is the case's or announcement's title; Status its status
	// after the change (the API's value).
	Title, Status string
	// Revision is the stream revision of the event; Type its type
	// (CaseClaimed …).
	Revision uint64
	Type     string
	// Actor is the username of who did it; At when.
	Actor string
	At    time.Time
	// Internal is true when only caseworkers and auditors may learn of
	// the change (an internal comment).
	Internal bool
	// Case is the case after the change (nil for announcements), so a
	// subscriber can tell who may see it (helpdesk.Actor.CanSee). Shared:
	// read it, never change it.
	Case *helpdesk.Case
}

// VisibleTo reports whether a may learn of c: announcements concern
// everyone; a case change reaches those who may see the case, and an
// internal one only caseworkers and auditors.
func (c Change) VisibleTo(a helpdesk.Actor) bool {
	if c.Kind == KindAnnouncement {
		return true
	}
	if c.Case == nil || !a.CanSee(*c.Case) {
		return false
	}
	return !c.Internal || a.Has(helpdesk.RoleCaseworker) || a.Has(helpdesk.RoleAuditor)
}

// Broker hands every published change to the subscriptions that want it.
type Broker struct {
	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	closed bool
}

// NewBroker returns a broker with no subscriptions.
func NewBroker() *Broker { return &Broker{subs: map[*Subscription]struct{}{}} }

// Subscription receives changes on C until it is closed, or the broker.
type Subscription struct {
	// C carries the changes; it is closed when the subscription ends.
	C      <-chan Change
	c      chan Change
	want   func(Change) bool
	b      *Broker
	mu     sync.Mutex
	missed bool
	done   bool
}

// Buffer is how many changes a subscription holds for a reader that is
// behind. One that is further behind misses changes (Missed).
const Buffer = 64

// Subscribe starts a subscription to the changes want accepts (nil: all).
// want runs on the publisher's goroutine: keep it quick.
func (b *Broker) Subscribe(want func(Change) bool) *Subscription {
	c := make(chan Change, Buffer)
	s := &Subscription{C: c, c: c, want: want, b: b}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		s.done = true
		close(c)
		return s
	}
	b.subs[s] = struct{}{}
	return s
}

// Publish hands c to every subscription that wants it. It never waits: a
// subscription whose buffer is full misses c and is marked (Missed).
func (b *Broker) Publish(c Change) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		if s.want != nil && !s.want(c) {
			continue
		}
		select {
		case s.c <- c:
		default:
			s.mu.Lock()
			s.missed = true
			s.mu.Unlock()
		}
	}
}

// Subscribers is how many subscriptions are open.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// Close ends every subscription and refuses new ones: for shutdown, so
// long-lived event streams let the HTTP server stop.
func (b *Broker) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for s := range b.subs {
		s.end()
		delete(b.subs, s)
	}
}

// Missed reports, and forgets, whether changes were dropped since the
// last call because the reader was behind: it should read afresh.
func (s *Subscription) Missed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.missed
	s.missed = false
	return m
}

// Close ends the subscription; C is closed.
func (s *Subscription) Close() {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	delete(s.b.subs, s)
	s.end()
}

// end closes C once; the broker's lock is held.
func (s *Subscription) end() {
	if !s.done {
		s.done = true
		close(s.c)
	}
}

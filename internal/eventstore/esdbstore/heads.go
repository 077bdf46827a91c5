package esdbstore

import (
	"container/list"
	"sync"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

// Bounds of the head cache: streams remembered, and event IDs over all of
// them (about 50 bytes each). A case stream holds tens of events; a year's
// reference stream one per case.
const (
	maxHeadStreams = 10_000
	maxHeadIDs     = 1_000_000
)

// heads remembers, for the streams this process appends to, the last
// revision, its hash and the ID of every event at or below it. Events are
// never changed once written, so what was read once need not be read
// again: an append reads only the events after the remembered head
// (normally none, so no event data crosses the network), and with every ID
// of the stream at hand it can refuse an ID stored anywhere in the stream,
// which the server does not check at the head.
//
// A remembered head may be behind the stream (another process appended):
// the next read from it catches up. It is never ahead: only events read
// from the server or acknowledged by it are added.
type heads struct {
	mu         sync.Mutex
	entries    map[string]*list.Element
	lru        *list.List // of *headEntry, most recently used first
	ids        int
	maxStreams int
	maxIDs     int
}

type headEntry struct {
	stream string

	mu   sync.Mutex
	rev  int64 // last revision; -1 before anything is known
	hash string
	ids  map[uuid.UUID]uint64
}

func newHeads(maxStreams, maxIDs int) *heads {
	return &heads{entries: map[string]*list.Element{}, lru: list.New(), maxStreams: maxStreams, maxIDs: maxIDs}
}

// get returns the stream's entry, a new empty one if none.
func (h *heads) get(stream string) *headEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	if el, ok := h.entries[stream]; ok {
		h.lru.MoveToFront(el)
		return el.Value.(*headEntry)
	}
	e := &headEntry{stream: stream, rev: -1, ids: map[uuid.UUID]uint64{}}
	h.entries[stream] = h.lru.PushFront(e)
	h.evictLocked()
	return e
}

// forget drops what is known of the stream (it was deleted or truncated).
func (h *heads) forget(stream string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if el, ok := h.entries[stream]; ok {
		e := h.lru.Remove(el).(*headEntry)
		delete(h.entries, stream)
		e.mu.Lock()
		h.ids -= len(e.ids)
		e.mu.Unlock()
	}
}

// grew accounts for n more IDs in e and evicts the least used streams
// over the bounds (never e itself).
func (h *heads) grew(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ids += n
	h.evictLocked()
}

func (h *heads) evictLocked() {
	for h.lru.Len() > 1 && (h.lru.Len() > h.maxStreams || h.ids > h.maxIDs) {
		el := h.lru.Back()
		e := h.lru.Remove(el).(*headEntry)
		delete(h.entries, e.stream)
		e.mu.Lock()
		h.ids -= len(e.ids)
		e.mu.Unlock()
	}
}

// head returns the last revision known (-1: none) and its hash.
func (e *headEntry) head() (int64, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rev, e.hash
}

// add records events read or written after the known head, in order. It
// returns how many IDs it added, and false when the events do not follow
// on (the stream is not what was remembered: start over).
func (e *headEntry) add(evs []eventstore.RecordedEvent) (int, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range evs {
		switch {
		case int64(ev.Revision) <= e.rev:
			continue // read by a concurrent refresh already
		case e.rev >= 0 && int64(ev.Revision) != e.rev+1:
			return n, false
		}
		// The first event known may be above 0 (a truncated stream): the
		// chain check will say so; the IDs below it are gone anyway.
		e.rev, e.hash = int64(ev.Revision), ev.Hash
		if _, seen := e.ids[ev.ID]; !seen { // the first place an ID was stored is where it is
			e.ids[ev.ID] = ev.Revision
			n++
		}
	}
	return n, true
}

// lookup returns the revision at which id is stored, if it is known.
func (e *headEntry) lookup(id uuid.UUID) (uint64, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rev, ok := e.ids[id]
	return rev, ok
}

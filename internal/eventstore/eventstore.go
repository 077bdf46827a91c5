// Package eventstore defines the record: an append-only store of streams of
// events with optimistic concurrency, idempotent appends and a per-stream
// hash chain. Backends live in sub-packages (sqlitestore, esdbstore) and all
// pass the same conformance suite (eventstoretest).
package eventstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Sentinel errors. Backends wrap them so callers can use errors.Is.
var (
	// ErrWrongExpectedRevision means the stream was not at the revision the
	// caller expected: someone else appended first.
	ErrWrongExpectedRevision = errors.New("wrong expected revision")
	// ErrStreamNotFound means the stream has no events.
	ErrStreamNotFound = errors.New("stream not found")
	// ErrIDConflict means an event ID was already used for different content
	// or at another position of the stream — also when appended again at
	// the stream's head, which is how a caller learns that an earlier
	// attempt of its own landed. An ID used in another stream is refused
	// by the SQLite store only: EventStoreDB keeps no index of event IDs.
	ErrIDConflict = errors.New("event id reused with other content")
	// ErrInvalidEvent means an event to append is malformed (nil ID, empty
	// type, data that is not JSON).
	ErrInvalidEvent = errors.New("invalid event")
	// ErrClosed means the store or subscription was closed: Close was
	// called. It is final; nothing else returns it.
	ErrClosed = errors.New("closed")
	// ErrUnavailable means the store cannot be reached now (its server is
	// down or being reconnected to). It passes: try again later. An append
	// that fails with it wrote nothing, or, if its outcome could not be
	// settled, a retry with the same event IDs at the same expected
	// revision settles it.
	ErrUnavailable = errors.New("unavailable")
)

// ExpectedRevision is the optimistic-concurrency precondition of an append.
// There is deliberately no "any": every domain write states what it expects.
type ExpectedRevision struct {
	noStream bool
	revision uint64
}

// NoStream expects the stream not to exist yet.
func NoStream() ExpectedRevision { return ExpectedRevision{noStream: true} }

// Exact expects the stream's last event to have this revision (0-based).
func Exact(revision uint64) ExpectedRevision { return ExpectedRevision{revision: revision} }

// IsNoStream reports whether the stream is expected not to exist.
func (e ExpectedRevision) IsNoStream() bool { return e.noStream }

// Revision returns the expected last revision; meaningless when IsNoStream.
func (e ExpectedRevision) Revision() uint64 { return e.revision }

// Next is the revision the first appended event will get.
func (e ExpectedRevision) Next() uint64 {
	if e.noStream {
		return 0
	}
	return e.revision + 1
}

func (e ExpectedRevision) String() string {
	if e.noStream {
		return "no-stream"
	}
	return fmt.Sprintf("%d", e.revision)
}

// EventData is an event to append.
type EventData struct {
	ID       uuid.UUID
	Type     string
	Data     []byte // JSON
	Metadata []byte // JSON, may be empty
}

// RecordedEvent is an event as stored.
type RecordedEvent struct {
	ID         uuid.UUID
	Stream     string
	Type       string
	Revision   uint64 // 0-based position within the stream
	Position   uint64 // global position, strictly increasing across all streams
	Data       []byte
	Metadata   []byte
	RecordedAt time.Time
	Hash       string // hex SHA-256 chaining this event to PrevHash
	PrevHash   string // hex; empty for the first event of a stream
}

// AppendResult tells where an append landed.
type AppendResult struct {
	// NextExpected is the expected revision for the caller's next append.
	NextExpected ExpectedRevision
	// Position is the global position of the last event appended.
	Position uint64
}

// VerifyResult is the outcome of recomputing a hash chain.
type VerifyResult struct {
	OK               bool    `json:"ok"`
	Events           int     `json:"events"`
	FirstBadRevision *uint64 `json:"firstBadRevision,omitempty"`
	FirstBadStream   string  `json:"firstBadStream,omitempty"`
	// ForeignStreams counts the streams VerifyAll passed over because no
	// event in them was written by the store (none carries a hash): on a
	// shared EventStoreDB server, other applications' streams. Their
	// events are not in Events.
	ForeignStreams int `json:"foreignStreams,omitempty"`
}

// Filter selects the events a subscription or ReadAll delivers.
// The zero value selects every event.
type Filter struct {
	StreamPrefixes []string
}

// Subscription delivers events in global order.
type Subscription interface {
	// Recv blocks until the next event, ctx is done or the subscription is
	// closed.
	Recv(ctx context.Context) (RecordedEvent, error)
	Close() error
}

// Store is the record. All methods are safe for concurrent use.
type Store interface {
	// Append writes events atomically after checking expected. Appending
	// the same event IDs again at the same expected revision succeeds
	// without writing anything (EventStoreDB's idempotency).
	Append(ctx context.Context, stream string, expected ExpectedRevision, events ...EventData) (AppendResult, error)
	// ReadStream returns up to limit events of stream from revision on
	// (limit <= 0: all). ErrStreamNotFound if the stream has no events.
	ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]RecordedEvent, error)
	// ReadAll returns up to limit events with a global position greater
	// than after, in global order.
	ReadAll(ctx context.Context, after uint64, limit int, filter Filter) ([]RecordedEvent, error)
	// Subscribe delivers every event with position greater than after:
	// first the stored ones, then live ones, with no gap or duplicate.
	Subscribe(ctx context.Context, after uint64, filter Filter) (Subscription, error)
	// Verify recomputes the hash chain of one stream.
	Verify(ctx context.Context, stream string) (VerifyResult, error)
	// VerifyAll recomputes the hash chain of every stream the store
	// wrote. A stream none of whose events carries a hash was written by
	// someone else and is only counted (ForeignStreams); one event
	// without a hash in a stream of the store's is a break.
	VerifyAll(ctx context.Context) (VerifyResult, error)
	Close() error
}

package eventstore

import (
	"context"
	"fmt"
)

// StreamAppend is one append of a batch: events for one stream at an
// expected revision.
type StreamAppend struct {
	Stream   string
	Expected ExpectedRevision
	Events   []EventData
}

// BatchAppender is a store that takes many appends at once and writes
// them in the order given, several to a transaction: a bulk writer
// (brukerhjelp seed) gets a store's group commit without giving up a
// deterministic order of positions. Each append keeps its own expected
// revision and is checked on its own, as Append checks it.
type BatchAppender interface {
	// AppendMany performs every append, in order, and returns their
	// results, or the first error (the appends before it may be written;
	// the ones after it may be too).
	AppendMany(ctx context.Context, appends []StreamAppend) ([]AppendResult, error)
}

// AtomicAppender is a store that writes appends to several streams all
// or nothing, in one transaction: a case's reference and its opening are
// one commit (and one fsync) instead of two. EventStoreDB has no such
// append; its callers append one after the other.
type AtomicAppender interface {
	// AppendAtomic performs every append, in order, or none. Each keeps
	// its own expected revision and is checked as Append checks it, so
	// the same appends again (a retry) write nothing and succeed. A
	// refused append fails them all with an *AtomicError naming it. A
	// store that wraps another and cannot do it now fails with
	// errors.ErrUnsupported, having written nothing.
	AppendAtomic(ctx context.Context, appends []StreamAppend) ([]AppendResult, error)
}

// AtomicError says which append of an AppendAtomic was refused, and why
// (errors.Is sees ErrWrongExpectedRevision, ErrIDConflict …). Nothing of
// the appends was written.
type AtomicError struct {
	Index int
	Err   error
}

func (e *AtomicError) Error() string {
	return fmt.Sprintf("append %d of an atomic append: %v (nothing written)", e.Index, e.Err)
}

func (e *AtomicError) Unwrap() error { return e.Err }

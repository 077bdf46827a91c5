package eventstore

import "context"

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

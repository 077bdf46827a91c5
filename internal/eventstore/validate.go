package eventstore

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// ValidateAppend checks an append before any backend touches storage, so
// every backend refuses the same malformed input with ErrInvalidEvent.
// Names and types may not hold NUL, which the SQLite store uses as a
// separator when reading.
// Streams starting with "$" are refused because EventStoreDB reserves them
// for system streams, and appends larger than MaxAppendSize because
// EventStoreDB refuses them; refusing both everywhere keeps the backends
// alike.
func ValidateAppend(stream string, events []EventData) error {
	if stream == "" {
		return fmt.Errorf("empty stream name: %w", ErrInvalidEvent)
	}
	if strings.ContainsRune(stream, 0) {
		return fmt.Errorf("stream %q: NUL in name: %w", stream, ErrInvalidEvent)
	}
	if strings.HasPrefix(stream, "$") {
		return fmt.Errorf("stream %q: names starting with $ are reserved: %w", stream, ErrInvalidEvent)
	}
	if len(events) == 0 {
		return fmt.Errorf("stream %q: no events to append: %w", stream, ErrInvalidEvent)
	}
	seen := make(map[uuid.UUID]struct{}, len(events))
	for i, e := range events {
		if e.ID == uuid.Nil {
			return fmt.Errorf("stream %q event %d: nil id: %w", stream, i, ErrInvalidEvent)
		}
		if _, dup := seen[e.ID]; dup {
			return fmt.Errorf("stream %q event %d: id %s appears twice in one append: %w", stream, i, e.ID, ErrInvalidEvent)
		}
		seen[e.ID] = struct{}{}
		if e.Type == "" || strings.ContainsRune(e.Type, 0) {
			return fmt.Errorf("stream %q event %d: empty type or NUL in type: %w", stream, i, ErrInvalidEvent)
		}
		if !json.Valid(e.Data) {
			return fmt.Errorf("stream %q event %d (%s): data is not valid JSON: %w", stream, i, e.Type, ErrInvalidEvent)
		}
		if len(e.Metadata) > 0 && !json.Valid(e.Metadata) {
			return fmt.Errorf("stream %q event %d (%s): metadata is not valid JSON: %w", stream, i, e.Type, ErrInvalidEvent)
		}
	}
	if n := AppendSize(events); n > MaxAppendSize {
		return fmt.Errorf("stream %q: %d events of %d bytes together (counted as by eventstore.AppendSize), over the limit of %d: %w",
			stream, len(events), n, MaxAppendSize, ErrInvalidEvent)
	}
	return nil
}

// MaxAppendSize is the most one append may carry, as AppendSize counts it.
// It is EventStoreDB's default limit on one append (its MaxAppendSize
// setting, 1 MiB), which the server enforces with InvalidArgument; the
// SQLite store refuses the same appends so that a case never works in
// `dev` and fails in production.
const MaxAppendSize = 1 << 20

// EventOverhead is what AppendSize counts for each event besides its type,
// data and metadata. It covers what the EventStoreDB adapter sends with
// every event — the event ID, the content type, the hash envelope around
// the metadata (about 160 bytes) and the protobuf framing — with room to
// spare, so an append AppendSize allows is never over the server's limit.
const EventOverhead = 512

// AppendSize is the size of an append as MaxAppendSize limits it.
func AppendSize(events []EventData) int {
	n := 0
	for _, e := range events {
		n += len(e.Type) + len(e.Data) + len(e.Metadata) + EventOverhead
	}
	return n
}

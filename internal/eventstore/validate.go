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
// for system streams; refusing them everywhere keeps the backends alike.
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
	return nil
}

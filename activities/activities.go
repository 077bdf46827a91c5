// Package activities holds every side effect of the workflows: appending
// events to the record, allocating references and (later) notifying people.
// Workflows call these through a nil *Activities (see workflows/), so the
// dependency points one way.
package activities

import (
	"errors"
	"sync"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

// Activities carries the dependencies of every activity.
type Activities struct {
	store eventstore.Store

	mu sync.Mutex
	// refTail caches the last known revision of each reference stream so
	// allocating a reference is one append in the common case.
	refTail map[string]int64
}

// New builds the activities; store is required.
func New(store eventstore.Store) (*Activities, error) {
	if store == nil {
		return nil, errors.New("activities: nil event store")
	}
	return &Activities{store: store, refTail: map[string]int64{}}, nil
}

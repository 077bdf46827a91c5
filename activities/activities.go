// Package activities holds every side effect of the workflows: appending
// events to the record, allocating references and (later) notifying people.
// Workflows call these through a nil *Activities (see workflows/), so the
// dependency points one way.
package activities

import (
	"context"
	"errors"
	"sync"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

// Workload tells how many unfinished cases each caseworker holds (the
// read model answers it).
type Workload interface {
	OpenCaseLoad(ctx context.Context, assignees []string) (map[string]int, error)
}

// Roster lists the caseworkers of a group (the directory answers it).
type Roster interface {
	Caseworkers(group string) []string
}

// Usernames tells whether a username is somebody's in the directory
// (*directory.Directory implements it).
type Usernames interface {
	UsernameInUse(username string) bool
}

// Activities carries the dependencies of every activity.
type Activities struct {
	store    eventstore.Store
	workload Workload
	roster   Roster
	users    Usernames
	// privacy: what erasing personal data needs (privacy.go).
	privacy *PrivacyOptions

	mu sync.Mutex
	// refTail caches the last known revision of each reference stream so
	// allocating a reference is one append in the common case.
	refTail map[string]int64
}

// Option configures optional dependencies.
type Option func(*Activities)

// WithAssignment lets PickAssignee balance new cases over a group.
func WithAssignment(w Workload, r Roster) Option {
	return func(a *Activities) { a.workload, a.roster = w, r }
}

// WithUsernames lets ReserveUsername check new accounts against the
// directory; without it ReserveUsername refuses every username.
func WithUsernames(u Usernames) Option {
	return func(a *Activities) { a.users = u }
}

// New builds the activities; store is required.
func New(store eventstore.Store, opts ...Option) (*Activities, error) {
	if store == nil {
		return nil, errors.New("activities: nil event store")
	}
	a := &Activities{store: store, refTail: map[string]int64{}}
	for _, o := range opts {
		o(a)
	}
	return a, nil
}

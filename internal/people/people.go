// Package people reads what the record knows about a person: accounts
// created by new-user cases, disabled by departures, and their accesses.
// Together with the directory file it makes the directory stateful.
package people

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Reader is the part of the record people are read from; eventstore.Store
// implements it.
type Reader interface {
	ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error)
}

// Read folds a person's stream; a person the record knows nothing of is
// the zero Person.
func Read(ctx context.Context, store Reader, username string) (helpdesk.Person, error) {
	evs, err := store.ReadStream(ctx, helpdesk.PersonStream(username), 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return helpdesk.Person{}, nil
	}
	if err != nil {
		return helpdesk.Person{}, fmt.Errorf("person %s: %w", username, err)
	}
	pes := make([]helpdesk.PersonEvent, 0, len(evs))
	for _, e := range evs {
		var pe helpdesk.PersonEvent
		if err := json.Unmarshal(e.Data, &pe); err != nil {
			return helpdesk.Person{}, fmt.Errorf("person %s revision %d: %w", username, e.Revision, err)
		}
		pes = append(pes, pe)
	}
	return helpdesk.FoldPerson(pes), nil
}

// Resolve is the directory user as of date (YYYY-MM-DD, Oslo): a user of
// the directory file unless a departure disabled them, or a user a
// new-user case created, from their start date. ok is false for anyone
// else.
func Resolve(ctx context.Context, store Reader, dir *directory.Directory, username, date string) (u directory.User, ok bool, err error) {
	p, err := Read(ctx, store, username)
	if err != nil {
		return directory.User{}, false, err
	}
	if p.Disabled {
		return directory.User{}, false, nil
	}
	if u, ok := dir.User(username); ok {
		return u, true, nil
	}
	if !p.Created || date < p.From {
		return directory.User{}, false, nil
	}
	return directory.User{
		Username: username, DisplayName: p.DisplayName, Email: username + "@" + directory.MailDomain,
		Roles: []helpdesk.Role{helpdesk.RoleEmployee}, Unit: p.Unit, Groups: []string{}, Language: "nb",
	}, true, nil
}
